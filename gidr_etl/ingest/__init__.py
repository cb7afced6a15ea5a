"""Ingesting: finding and hashing files, running extraction where the executor says, one writer."""
