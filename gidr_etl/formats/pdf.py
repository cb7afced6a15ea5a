"""PDF input format (issue 3: being written)."""
