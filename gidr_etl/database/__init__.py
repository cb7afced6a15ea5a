"""The SQLite database: schema and one-transaction-per-file loading, and the research views and search."""
