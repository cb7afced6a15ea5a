"""The core: one Document in, one validated Report out. Knows nothing of file formats."""
from __future__ import annotations

from .extract import detect_template, extract_tables
from .digits import appeals_equations, requests_equations
from .infer import resolve_runs
from .ocrcheck import check_ocr_values
from .runon import explode
from .formats import ExtractionError
from .locate import locate, prose_parts
from .metadata import extract_metadata, names_report
from .model import Document
from .report import MISSING, Finding, Report
from .rules import validate
from .stream import lines, tokens
from .vocabulary import vocabulary

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
    check_ocr_values(report, requests_equations(report.template) + appeals_equations(report.template))
    # A notice about 主动公开 may name a table's heading: a report names itself or has a table's cells.
    if not names_report(metadata["title"]) and all(c.status == MISSING for c in report.cells.values()):
        raise ExtractionError("not a 政府信息公开工作年度报告: no report title and none of its tables")
    report.prose = prose_parts(toks, regions)
    resolve_runs(report, "\n".join(text for _, _, text in report.prose))
    report.findings.extend(validate(report))
    return report
