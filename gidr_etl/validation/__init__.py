"""Validation: the rule engine, the built-in rules, and the checks across one agency's years."""
