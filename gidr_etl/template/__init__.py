"""The national template: its vocabulary (sections, rows, columns, label variants) and its arithmetic."""
