"""The release and the extractor version, apart from the package's API so any module can read them."""

# The package's release.
__version__ = "0.2.0"

# What reads a document: bumped whenever the same file would give other cells, metadata
# or findings, so that `gidr-etl ingest --reprocess-outdated` re-reads what an older
# extractor read. tests/test_extractor_version.py holds a digest of every sample's cells.
EXTRACTOR_VERSION = "11"
# The first extractor version whose findings hold validation/compliance.py's (issue 25): a
# report read before it has no verdict on them, so the scorecard leaves those checks NULL.
COMPLIANCE_SINCE = "5"
