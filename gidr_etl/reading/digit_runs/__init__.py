"""Digit runs: crawler dumps that print a row's cells run together ("640020470"), cut from the dump
(dumps), split by the table's stated arithmetic (solver), and written back to the report (resolve)."""
