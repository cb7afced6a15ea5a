"""HTML input format (issue 3: being written)."""
