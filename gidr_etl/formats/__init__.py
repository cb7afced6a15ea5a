"""Input formats: the interface (base), the built-in formats (txt, html, docx, pdf), and
choosing one for a file (choice). Each built-in format is an ordinary plugin module."""
