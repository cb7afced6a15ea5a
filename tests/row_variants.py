"""Variants of real table rows with a known effect (issue #12, points 1-3 and 5), and the count of
wrong numbers a reader makes on them.

Each variant changes one printed row of a seed or a real conversion: a value deleted, an extra
number inserted, a lone page number line inserted. The gold of every cell the change does not
touch stays the file's gold; a cell whose value was deleted has no value in the variant's text.
`python tests/row_variants.py` prints the wrong numbers over every variant.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
CONVERTED = ROOT / "tests" / "fixtures" / "converted"
# Files whose tables print a row a line, and how a row line splits into cells.
ROW_LINE_FILES = {
    ROOT / "sample_inputs" / "002_3a38b772f27b9fba.txt": " | ",
    ROOT / "sample_inputs" / "004_20a0191baea80f94.txt": "\t",
    CONVERTED / "hongze_district_gov_2023.pdftotext.txt": "   ",
    CONVERTED / "hongze_district_gov_2024.pdftotext.txt": "   ",
    CONVERTED / "huaian_municipal_gov_2024.pdftotext.txt": "   ",
}
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def gold_of(path: Path) -> dict:
    stem = path.name.split(".")[0]
    for folder in ("seeds", "realdocs", "converted"):
        for name in (f"{stem}.json", f"{path.name.replace('.txt', '')}.json"):
            gold = GOLD / folder / name
            if gold.exists() and (folder == "converted") == ("pdftotext" in path.name):
                return {(s, r, c): v for s, r, c, v in json.loads(gold.read_text("utf-8"))["cells"]}
    raise KeyError(path)


def row_lines(text: str, sep: str) -> list[int]:
    """Indices of the lines that print a label and two or more numbers."""
    out = []
    for i, line in enumerate(text.splitlines()):
        cells = [c.strip() for c in (line.split(sep) if sep != "   " else re.split(r"\s{2,}", line.strip()))]
        numbers = [c for c in cells if _NUMBER.match(c)]
        if len(numbers) >= 2 and cells and not _NUMBER.match(cells[0]):
            out.append(i)
    return out


def _mutate_line(line: str, sep: str, how: str, k: int) -> str | None:
    """The k-th number of a row line deleted ("delete") or preceded by an extra 98 ("insert")."""
    spans = [m.span() for m in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", line)]
    spans = [s for s in spans if line[: s[0]].strip()]  # not a numbering digit at the line's start
    if k >= len(spans):
        return None
    a, b = spans[k]
    if how == "delete":
        if sep in (" | ", "\t"):  # the cell and its separator gone: the row one cell short
            w = len(sep)
            return line[:a] + line[b + w :] if line[b : b + w] == sep else line[: a - w] + line[b:]
        return line[:a] + " " * (b - a) + line[b:]  # layout: the column left empty
    extra = "98"
    glue = {" | ": " | ", "\t": "\t"}.get(sep, "    ")
    return line[:a] + extra + glue + line[a:]


def variants(path: Path, sep: str):
    """(name, text) of every variant of the file's row lines."""
    text = path.read_text("utf-8")
    lines = text.splitlines()
    for i in row_lines(text, sep):
        for how in ("delete", "insert"):
            for k in range(8):
                new = _mutate_line(lines[i], sep, how, k)
                if new is None or new == lines[i]:
                    continue
                yield f"{path.name}:{i + 1}:{how}{k}", "\n".join(lines[:i] + [new] + lines[i + 1 :]), (how, i)
        yield f"{path.name}:{i + 1}:lone12", "\n".join(lines[: i + 1] + ["12"] + lines[i + 1 :]), ("lone", i)


def wrong_numbers(report, gold: dict) -> dict:
    """Cells read with a number other than the variant's text says."""
    out = {}
    for key, cell in report.cells.items():
        if cell.value is None or gold.get(key, "?") == "?":
            continue
        if cell.value != gold[key]:
            out[key] = (cell.value, gold[key])
    return out


def measure(limit: int | None = None) -> tuple[int, int, int]:
    import tempfile

    from gidr_etl.core import build_report
    from gidr_etl.formats.txt import TxtFormat

    n_variants = n_wrong = n_files = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path, sep in ROW_LINE_FILES.items():
            gold = gold_of(path)
            for name, text, (_how, _) in list(variants(path, sep))[:limit]:
                out = Path(tmp) / path.name
                out.write_text(text, "utf-8")
                report = build_report(TxtFormat().extract(out))
                wrong = wrong_numbers(report, gold)
                n_variants += 1
                n_wrong += len(wrong)
                n_files += bool(wrong)
                if wrong and "-v" in sys.argv:
                    print(name, wrong)
    return n_variants, n_wrong, n_files


if __name__ == "__main__":
    v, w, f = measure()
    print(f"variants {v}  wrong numbers {w}  in {f} variants")
