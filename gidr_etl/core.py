"""The core: one Document in, one validated Report out. Knows nothing of file formats."""
from __future__ import annotations

from gidr_etl.reading.template_cells import detect_template, extract_tables
from gidr_etl.reading.digit_runs.resolve import resolve_runs
from gidr_etl.reading.digit_runs.dumps import explode
from gidr_etl.errors import ExtractionError
from gidr_etl.reading.locate import locate, prose_parts
from gidr_etl.reading.metadata import extract_metadata, names_report
from gidr_etl.model import Document
from gidr_etl.report import MISSING, Finding, Report
from gidr_etl.validation.engine import validate
from gidr_etl.reading.tokens import lines, tokens
from gidr_etl.template.vocabulary import vocabulary
from gidr_etl.reading.printed_prose import printed_text

DEFAULT_TEMPLATE = "2021"


def build_report(doc: Document) -> Report:
    """Locate the tables, map them onto the template, read the metadata, validate."""
    vocab = vocabulary()
    toks = explode(tokens(doc))
    regions = locate(toks, vocab)
    text = lines(doc)
    metadata = extract_metadata(text, doc.hints)
    report = Report(doc.source, doc.format, metadata=metadata, encoding=doc.encoding, pages=doc.pages)
    report.template = detect_template(toks, regions, vocab)
    if report.template is None:
        report.template = DEFAULT_TEMPLATE
        report.findings.append(Finding("template_unknown", "warning", None, None, None,
                                       f"template version not recognisable from the tables; assumed {DEFAULT_TEMPLATE}"))
    extract_tables(report, toks, regions, vocab)
    # A notice about 主动公开 may name a table's heading: a report names itself or has a table's cells.
    if not names_report(metadata["title"]) and all(c.status == MISSING for c in report.cells.values()):
        raise ExtractionError("not a 政府信息公开工作年度报告: no report title and none of its tables")
    report.prose = prose_parts(toks, regions)
    report.prose_printed = prose_parts(toks, regions, join=printed_text)
    resolve_runs(report, "\n".join(text for _, _, text in report.prose))
    report.findings.extend(validate(report))
    return report
