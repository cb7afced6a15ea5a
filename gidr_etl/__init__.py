"""gidr-etl: Chinese government information disclosure annual reports → validated SQLite."""

# Bumped whenever extraction would read a document differently, so that
# `gidr-etl ingest --reprocess-outdated` knows what to re-read.
__version__ = "0.1.0"
