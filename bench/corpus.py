"""A benchmark corpus made from the real samples: N reports a format, no two alike.

TXT copies are the five seed dumps themselves (their real layouts) with every table
figure multiplied by k, the year moved and a serial line added. HTML, DOCX and PDF
copies are the seeds' gold rendered by gidr_etl.testing.seeds, figures times k, under another
agency, year and index number; PDFs are the DOCX converted by LibreOffice in batches.
Multiplying keeps every sum of the template true, so the copies read as cleanly as the
originals, and each format's folder has a FORMAT.json beside it saying what each file holds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from gidr_etl.formats.soffice import convert_many, find_soffice
from gidr_etl.testing import render, seeds

FORMATS = ("txt", "html", "docx", "pdf")
PLACES = [
    "东城区",
    "西湖区",
    "鼓楼区",
    "天河区",
    "江北区",
    "武侯区",
    "雁塔区",
    "南明区",
    "五华区",
    "城关区",
    "新城区",
    "和平区",
    "中山区",
    "市南区",
    "历下区",
    "二七区",
    "芙蓉区",
    "青秀区",
    "龙华区",
    "思明区",
]
# Years each template's reports can be for.
YEARS = {"2019": (2019, 2020), "2021": (2021, 2022, 2023, 2024)}
# Where a seed dump's tables run: from part 二 to part 五.
_TABLES = re.compile(r"^\s*二、\s*主[动動]公[开開].*?^\s*五、", re.M | re.S)
# A figure standing alone in a table cell: not an enumerator (1.), not part of a longer number.
_FIGURE = re.compile(r"(?<![\d.．,])\d+(?![\d.．、,])")
_PDF_BATCH = 50


def variant(i: int) -> dict:
    """The i-th copy: which seed, the factor, the year's index and the place."""
    seed = seeds.SEEDS[i % len(seeds.SEEDS)]
    return {
        "seed": seed,
        "k": 2 + (i // len(seeds.SEEDS)) % 8,
        "year": i // 3,
        "place": PLACES[i % len(PLACES)],
        "serial": f"BENCH-{i:06d}",
    }


def varied_gold(v: dict) -> dict:
    g = seeds.gold(v["seed"])
    md = dict(g["metadata"])
    years = YEARS[md["template"]]
    md["year"] = years[v["year"] % len(years)]
    agency = seeds.agency(md)
    md["agency"] = (
        v["place"] + re.split(r"[区市县]", agency)[-1] if re.search(r"[区市县].", agency) else v["place"] + agency
    )
    md["index_no"] = v["serial"]
    if md.get("publish_date"):
        md["publish_date"] = f"{md['year'] + 1}{md['publish_date'][4:]}"
    cells = [[s, r, c, None if val is None else val * v["k"]] for s, r, c, val in g["cells"]]
    return {**g, "metadata": md, "cells": cells}


def varied_txt(v: dict) -> str:
    """The seed dump with its table figures times k, another year and a serial line."""
    g = seeds.gold(v["seed"])
    text = seeds.text(v["seed"])
    years = YEARS[g["metadata"]["template"]]
    year = years[v["year"] % len(years)]
    text = _TABLES.sub(lambda m: _FIGURE.sub(lambda n: str(int(n[0]) * v["k"]), m[0]), text, count=1)
    text = text.replace(f"{g['metadata']['year']}年", f"{year}年")
    return text + f"\n（{v['serial']}）\n"


def build(folder: Path, n: int, formats=FORMATS) -> dict[str, Path]:
    """Make (or reuse) n reports of each format under `folder`; returns each format's folder."""
    out = {}
    for fmt in formats:
        target = folder / fmt
        done = expected_file(target)
        if not (done.exists() and len(json.loads(done.read_text("utf-8"))) == n):
            target.mkdir(parents=True, exist_ok=True)
            expected = MAKERS[fmt](target, n)
            done.write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
        out[fmt] = target
    return out


def expected_file(target: Path) -> Path:
    return target.with_name(f"{target.name}.json")


def expected_cells(entry: dict) -> dict[tuple[str, str, str], object]:
    """What a corpus file's cells should read: the seed's gold times k."""
    return {(s, r, c): None if v is None else v * entry["k"] for s, r, c, v in seeds.gold(entry["seed"])["cells"]}


def _make(target: Path, n: int, ext: str, write) -> dict:
    """n copies written by write(variant, path); what each holds by file name."""
    expected = {}
    for i in range(n):
        v = variant(i)
        name = f"{i:06d}_{v['seed']}.{ext}"
        write(v, target / name)
        expected[name] = v
    return expected


def _make_txt(target: Path, n: int) -> dict:
    return _make(target, n, "txt", lambda v, path: path.write_text(varied_txt(v), "utf-8"))


def _make_html(target: Path, n: int) -> dict:
    return _make(target, n, "html", lambda v, path: render.write_html(v["seed"], path, g=varied_gold(v)))


def _make_docx(target: Path, n: int) -> dict:
    return _make(target, n, "docx", lambda v, path: render.render_docx(v["seed"], path, g=varied_gold(v)))


def _make_pdf(target: Path, n: int) -> dict:
    """The DOCX copies (made first if need be) converted by LibreOffice, in batches."""
    if find_soffice() is None:
        raise SystemExit("PDF corpus: LibreOffice (soffice) is not installed")
    docx = build(target.parent, n, ["docx"])["docx"]
    expected = json.loads(expected_file(docx).read_text("utf-8"))
    names = sorted(expected)
    for start in range(0, n, _PDF_BATCH):
        batch = [docx / name for name in names[start : start + _PDF_BATCH]]
        convert_many(batch, "pdf", target, timeout=180 + 10 * len(batch))
    return {name.replace(".docx", ".pdf"): v for name, v in expected.items()}


MAKERS = {"txt": _make_txt, "html": _make_html, "docx": _make_docx, "pdf": _make_pdf}
