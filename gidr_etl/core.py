"""The core: one Document in, one validated Report out. Knows nothing of file formats."""

from __future__ import annotations

from gidr_etl.errors import ExtractionError
from gidr_etl.model import Document
from gidr_etl.reading.digit_runs.dumps import explode
from gidr_etl.reading.digit_runs.resolve import resolve_runs
from gidr_etl.reading.locate import locate, prose_parts
from gidr_etl.reading.metadata import extract_metadata, names_report
from gidr_etl.reading.ocr_check import check_ocr_values
from gidr_etl.reading.places import place
from gidr_etl.reading.printed_prose import printed_text
from gidr_etl.reading.report_parts import part_texts
from gidr_etl.reading.template_cells import detect_template, extract_tables
from gidr_etl.reading.tokens import lines, tokens
from gidr_etl.report import MISSING, Finding, Report, bilingual
from gidr_etl.template.arithmetic import equations, unitemized_other
from gidr_etl.template.vocabulary import vocabulary
from gidr_etl.validation.engine import validate

DEFAULT_TEMPLATE = "2021"


def build_report(doc: Document) -> Report:
    """Locate the tables, map them onto the template, read the metadata, validate."""
    vocab = vocabulary()
    toks = explode(tokens(doc))
    regions = locate(toks, vocab)
    text = lines(doc)
    metadata = extract_metadata(text, doc.hints, misread=doc.recognised())
    template = detect_template(toks, regions, vocab)
    findings: list[Finding] = []
    if template is None:
        template = DEFAULT_TEMPLATE
        message = bilingual(
            f"无法从统计表识别模板版本，按 {DEFAULT_TEMPLATE} 年模板读取",
            f"template version not recognisable from the tables; assumed {DEFAULT_TEMPLATE}",
        )
        findings.append(Finding("template_unknown", "warning", None, None, None, message))
    report = Report(
        doc.source,
        doc.format,
        template,
        metadata,
        findings=findings,
        prose=prose_parts(toks, regions),
        encoding=doc.encoding,
        pages=doc.pages,
    )
    runs = extract_tables(report, toks, regions, vocab)
    # Acts on the cells that carry a recognition confidence, whichever format read them.
    check_ocr_values(report, equations(report.template, unitemized_other(report.template, report.cells)))
    # A notice about 主动公开 may name a table's heading: a report names itself or has a table's cells.
    if not names_report(metadata.title) and all(c.status == MISSING for c in report.cells.values()):
        raise ExtractionError("not a 政府信息公开工作年度报告: no report title and none of its tables")
    report.place, found = place(metadata.agency, "\n".join(text))
    report.findings.extend(found)
    report.prose_printed = prose_parts(toks, regions, join=printed_text)
    report.parts = part_texts("\n".join(text))
    resolve_runs(report, runs, "\n".join(p.text for p in report.prose))
    report.findings.extend(validate(report))
    return report
