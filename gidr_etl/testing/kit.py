"""The contract kit: checks a format plugin's own tests run to prove it keeps the contract.

    from gidr_etl.testing import check_format

    def render(seed, path):          # write gidr_etl.testing.seeds.outline(seed) in your format
        ...

    def test_contract(tmp_path):
        check_format(MyFormat(), render, tmp_path / "my")   # writes <seed>.<first extension>

For each seed report shipped with gidr-etl, check_format renders it with your `render`,
then checks that the format accepts the file and wins it among the installed formats
(`check_accepts`), that `extract` returns a well-formed Document (`check_document`), and
that the core reads the seed's gold cells, metadata and findings from it (`check_gold`).
Each check raises AssertionError saying what is wrong; each can be used on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from gidr_etl.core import build_report
from gidr_etl.formats.base import HEAD_BYTES, InputFormat
from gidr_etl.formats.choice import ranked_formats
from gidr_etl.model import Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.plugins import formats
from gidr_etl.report import Report
from gidr_etl.testing.seeds import SEEDS, gold, same_value

HINT_KEYS = {"title", "publish_date", "index_no", "agency"}
TEXT_KINDS = {"heading", "paragraph", "line"}
META_KEYS = ("agency", "year", "template", "publish_date", "index_no")


def check_format(
    fmt: InputFormat,
    render: Callable[[str, Path], object],
    folder: Path,
    seeds: list[str] | None = None,
    extension: str | None = None,
) -> list[Report]:
    """Render each seed (all five by default) into `folder` and check `fmt` end to end."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = extension or fmt.extensions[0]
    reports = []
    for seed in seeds or SEEDS:
        path = folder / f"{seed}{suffix}"
        render(seed, path)
        check_accepts(fmt, path)
        doc = fmt.extract(path)
        check_document(doc, path, fmt)
        reports.append(check_gold(build_report(doc), seed))
    return reports


def check_accepts(fmt: InputFormat, path: Path) -> None:
    """`fmt` claims `path`, and is the format gidr-etl picks for it among those installed."""
    head = Path(path).read_bytes()[:HEAD_BYTES]
    assert fmt.sniff(Path(path), head) is not None, f"{fmt.name}: sniff does not accept {path}"
    others = [f for f in formats() if f.name != fmt.name]
    chosen = ranked_formats(Path(path), head, [fmt, *others])[0]
    assert chosen is fmt, f"{path}: read by {chosen.name!r}, not {fmt.name!r} (sniff certainty and priority)"


def check_document(doc: Document, path: Path, fmt: InputFormat | None = None) -> None:
    """The invariants of model.py: what every format must hand the core."""
    where = str(path)
    assert isinstance(doc, Document), f"extract returned {type(doc).__name__}, not a Document"
    assert doc.source == where, f"Document.source is {doc.source!r}, not the file read ({where!r})"
    if fmt is not None:
        assert doc.format == fmt.name, f"Document.format is {doc.format!r}, not the format's name {fmt.name!r}"
    assert doc.blocks, "the Document has no blocks"
    assert doc.pages is None or (isinstance(doc.pages, int) and doc.pages >= 1), f"pages is {doc.pages!r}"
    assert set(doc.hints) <= HINT_KEYS, f"unknown hints {set(doc.hints) - HINT_KEYS}"
    assert all(isinstance(v, str) for v in doc.hints.values()), f"hints must be text: {doc.hints}"
    for i, block in enumerate(doc.blocks):
        _check_prov(block.prov, where, f"block {i}")
        if isinstance(block, TextBlock):
            assert isinstance(block.text, str), f"block {i}: text is {type(block.text).__name__}"
            assert block.kind in TEXT_KINDS, f"block {i}: kind {block.kind!r} is not one of {sorted(TEXT_KINDS)}"
        elif isinstance(block, Table):
            _check_table(block, where, f"table at block {i}")
        else:
            raise AssertionError(f"block {i} is a {type(block).__name__}, not a TextBlock or Table")
    assert any(True for _ in doc.tables()), "the Document has no Table"


def _check_prov(prov, where: str, what: str) -> None:
    assert isinstance(prov, Provenance), f"{what}: provenance is {prov!r}"
    assert prov.file == where, f"{what}: provenance names {prov.file!r}, not the file read ({where!r})"
    for name in ("page", "line"):
        n = getattr(prov, name)
        assert n is None or (isinstance(n, int) and n >= 1), f"{what}: {name} {n!r} is not a 1-based number"


def _check_table(table: Table, where: str, what: str) -> None:
    assert table.cells, f"{what}: no cells"
    taken: dict[tuple[int, int], TableCell] = {}
    for cell in table.cells:
        at = f"{what}, cell {cell.text!r} at ({cell.row}, {cell.col})"
        assert isinstance(cell.text, str), f"{at}: text is {type(cell.text).__name__}"
        assert cell.row >= 0 and cell.col >= 0, f"{at}: anchored outside the table"
        assert cell.row_span >= 1 and cell.col_span >= 1, f"{at}: spans {cell.row_span}×{cell.col_span}"
        if cell.prov is not None:
            _check_prov(cell.prov, where, at)
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                other = taken.setdefault((r, c), cell)
                assert other is cell, f"{at}: overlaps cell {other.text!r} at grid ({r}, {c})"


def check_gold(report: Report, seed: str) -> Report:
    """The report holds the seed's gold: every cell, the metadata, the findings, no false alarm."""
    g = gold(seed)
    wrong = [
        f"{s}.{r}.{c}: got {report.value(s, r, c)!r}, want {v!r}"
        for s, r, c, v in g["cells"]
        if v != "?" and not same_value(report.value(s, r, c), v)
    ]
    assert not wrong, f"{seed}: {len(wrong)} cells differ from the gold:\n  " + "\n  ".join(wrong[:30])
    got = {**dataclasses.asdict(report.metadata), "template": report.template}
    for key in META_KEYS:
        want = g["metadata"].get(key)
        if want is not None:
            options = want if isinstance(want, list) else [want]
            assert any(same_value(got.get(key), o) for o in options), (
                f"{seed}: metadata {key} is {got.get(key)!r}, want {want!r}"
            )
    found = {(f.rule, f.section, f.row, f.col) for f in report.findings}
    wanted = {(w["rule"], w.get("section"), w.get("row"), w.get("col")) for w in g.get("findings", [])}
    assert wanted <= found, f"{seed}: findings not raised: {sorted(wanted - found, key=str)}"
    alarms = [f for f in report.findings if f.severity == "error" and (f.rule, f.section, f.row, f.col) not in wanted]
    assert not alarms, f"{seed}: false alarms: {[(f.rule, f.message) for f in alarms]}"
    return report
