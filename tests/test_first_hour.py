"""A researcher's first hour (issue 24), through the CLI and a real Datasette server: exports
that refuse a wrong file in one line and carry the places and Chinese headings, ingest
summaries that tell the whole story, every code with its Chinese name."""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3

import pytest
from helpers import ROOT, SAMPLES, SEEDS, invoke

TEMPLATE = SAMPLES / "template_2021_blank_govnianbao.docx"


def _one_line_error(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return lines[0]


def test_export_of_a_file_that_is_not_a_database_is_one_line_and_creates_nothing(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("会议记录：明天九点开会。\n", "utf-8")
    for extra in ([], ["--report", "1"]):
        out = tmp_path / f"out{len(extra)}"
        proc = invoke("export", notes, "--to", out, *extra)
        assert proc.returncode == 1
        assert "not a gidr-etl database" in _one_line_error(proc)
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_export_of_a_report_that_is_not_there_is_one_line(samples_db, tmp_path):
    proc = invoke("export", samples_db, "--report", 999, "--to", tmp_path / "out")
    assert proc.returncode == 1
    assert "no report 999" in _one_line_error(proc)
    assert not (tmp_path / "out").exists()


def test_export_sheets_carry_the_place_and_chinese_names_over_the_codes(samples_db, tmp_path):
    from openpyxl import load_workbook

    invoke("export", samples_db, "--to", tmp_path, check=0)
    with sqlite3.connect(samples_db) as conn:
        places = {
            rid: (province, city, county, adcode)
            for rid, province, city, county, adcode in conn.execute(
                "select id, province, city, county, adcode from reports where not is_template and duplicate_of is null"
            )
        }
    assert any(all(place) for place in places.values())
    wb = load_workbook(tmp_path / "gidr.xlsx", read_only=True)
    for sheet in wb.sheetnames:
        names, codes, *rows = wb[sheet].iter_rows(values_only=True)
        assert {"province", "city", "county", "adcode"} <= set(codes)
        assert len(names) == len(codes)
        # every heading Chinese: META's from datasette.yml, the cells' from the template
        assert all(name and any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names), names
        at = {code: i for i, code in enumerate(codes)}
        assert names[at["province"]] == "省级行政区" and names[at["adcode"]] == "行政区划代码"
        got = {
            row[at["report_id"]]: tuple(row[at[k]] for k in ("province", "city", "county", "adcode")) for row in rows
        }
        assert got == places
    assert "本年新收政府信息公开申请数量 · 自然人" in next(wb["requests"].iter_rows(values_only=True))
    # the CSV keeps the one row of codes a loader expects, places included
    with (tmp_path / "requests.csv").open(encoding="utf-8-sig") as f:
        read = list(csv.DictReader(f))
    assert {int(r["report_id"]): (r["province"], r["city"], r["county"], r["adcode"]) for r in read} == {
        rid: tuple(v or "" for v in place) for rid, place in places.items()
    }


def test_csv_header_is_codes_by_default_and_chinese_on_request(samples_db, tmp_path):
    """--header code (the default) keeps the one row of codes loaders expect; zh gives the
    Chinese names in its place, both gives them over the codes, as the XLSX sheets do."""
    from openpyxl import load_workbook

    def export(*header: str) -> dict[str, list[list[str]]]:
        out = tmp_path / (header[-1] if header else "default")
        invoke("export", samples_db, "--to", out, "--format", "csv", *header, check=0)
        tables = {}
        for path in sorted(out.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as f:
                tables[path.stem] = list(csv.reader(f))
        return tables

    invoke("export", samples_db, "--to", tmp_path, "--format", "xlsx", check=0)
    wb = load_workbook(tmp_path / "gidr.xlsx", read_only=True)
    sheets = {t: [list(r) for r in wb[t].iter_rows(min_row=1, max_row=2, values_only=True)] for t in wb.sheetnames}
    default = export()
    assert set(default) == set(sheets) >= {"requests", "appeals", "art20"}
    for table, (names, codes) in sheets.items():
        assert default[table][0] == codes, table
        assert len(set(names)) == len(names), f"{table}: one Chinese name heads two columns"
    for header in ("code", "zh", "both"):
        got = export("--header", header)
        assert set(got) == set(default), header
        for table, (names, codes) in sheets.items():
            heads = {"code": [codes], "zh": [names], "both": [names, codes]}[header]
            assert got[table][: len(heads)] == heads, (header, table)
            assert got[table][len(heads) :] == default[table][1:], (header, table)
    # a loader reading the one-row Chinese header finds each value under its Chinese name
    with (tmp_path / "zh" / "requests.csv").open(encoding="utf-8-sig", newline="") as f:
        first = next(csv.DictReader(f))
    new = default["requests"][0].index("new.natural_person")
    assert first["本年新收政府信息公开申请数量 · 自然人"] == default["requests"][1][new]
    assert first["报告编号"] == default["requests"][1][0]


def test_ingest_summary_names_the_blank_template_and_the_distinct_reports(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (SEEDS[0], SEEDS[1], SEEDS[3]):  # seed 002 prints no agency: no copy can be told
        shutil.copy(seed, folder)
        # the same report printed again (one more line at the end): other content, a copy of it
        text = seed.read_text("utf-8")
        (folder / f"{seed.stem}.reprint.txt").write_text(text + "\n（本报告另见本机关门户网站）\n", "utf-8")
    shutil.copy(TEMPLATE, folder)
    proc = invoke("ingest", folder, "--db", tmp_path / "g.db", check=0)
    summary = proc.stdout.splitlines()[0]
    assert summary.startswith("7 files: 6 reports loaded (3 distinct: 3 copies of another report), 1 blank template"), (
        summary
    )


def test_ingest_of_an_empty_folder_says_so_and_makes_no_database(tmp_path):
    (tmp_path / "empty").mkdir()
    db = tmp_path / "g.db"
    proc = invoke("ingest", tmp_path / "empty", "--db", db)
    assert proc.returncode == 3
    assert "nothing to ingest" in _one_line_error(proc)
    assert not db.exists()
    assert invoke("ingest", SEEDS[0], "--db", db).returncode == 0  # a file is something


# ------------------------------------------------------------------ every code with its Chinese name

PACKAGE = ROOT / "gidr_etl"
# Finding(...) calls whose rule is a variable: None, the registered rules (plugins.rules())
# give its values; else the module's constant that states them.
_RULE_FROM = {
    ("gidr_etl.validation.engine", "validate"): None,
    ("gidr_etl.reading.places", "_finding"): "RULES",
    ("gidr_etl.reading.ocr_check", "_report_unchecked"): None,  # the sum rules, on values as read
}


def _is_cjk(text: str) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _written_findings() -> tuple[set[str], set[str]]:
    """Every rule and severity the package's code can write: the registered rules, each
    Finding(...) call's arguments resolved in its module, and the RULE/RULES constant of
    each module that writes findings by SQL or through a helper."""
    import ast
    import importlib

    from gidr_etl.plugins import rules

    found, severities = {r.name for r in rules()}, {r.severity for r in rules()}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        source = path.read_text("utf-8")
        if "Finding(" not in source and "insert into findings" not in source.lower():
            continue
        module = importlib.import_module(name)
        tree = ast.parse(source)
        # each call's innermost function: ast.walk goes outer first, so inner ones overwrite
        within = {id(c): f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for c in ast.walk(f)}
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Finding"):
                continue
            try:
                rule, severity = (eval(ast.unparse(a), vars(module)) for a in call.args[:2])  # noqa: S307
                found.add(rule)
                severities.add(severity)
            except NameError:
                assert (name, within.get(id(call))) in _RULE_FROM, (name, ast.unparse(call))
        if "insert into findings" in source.lower() or _RULE_FROM.get((name, "_finding")):
            stated = getattr(module, "RULES", None) or (getattr(module, "RULE", None),)
            assert all(stated), f"{name} writes findings: state their rules as RULE or RULES"
            found |= set(stated)
    return found, severities


def _written_statuses() -> set[str]:
    """cells.status (report.py's constants) and files.status (the pipeline's)."""
    from gidr_etl import report
    from gidr_etl.ingest import pipeline

    return {v for m in (report, pipeline) for k, v in vars(m).items() if k.isupper() and isinstance(v, str)} - {
        pipeline.EXTRACTOR_VERSION
    }


def test_every_code_the_package_writes_has_a_chinese_name():
    from gidr_etl.serving.chinese import code_name, name_in_sql
    from gidr_etl.serving.report_page import zh
    from gidr_etl.template.vocabulary import TEMPLATES, vocabulary

    found, severities = _written_findings()
    assert {"place_unknown", "place_ambiguous", "agency_corrected", "cell_corrected", "copies_disagree"} <= found
    assert {"chain_carried_over", "template_unknown", "cell_blank"} <= found and severities == {
        "error",
        "warning",
        "info",
    }
    unnamed = [("rule", r) for r in found if not _is_cjk(zh("rule", r))]
    unnamed += [("severity", s) for s in severities if not _is_cjk(zh("severity", s))]
    unnamed += [("status", s) for s in _written_statuses() if not _is_cjk(zh("status", s))]
    from gidr_etl.reading.locate import PROSE_PARTS

    unnamed += [("part", p) for p in ("preamble", *(code for code, _ in PROSE_PARTS)) if not _is_cjk(zh("part", p))]
    assert unnamed == []
    assert all(name_in_sql("rule", r) != r for r in found)  # the dashboard's gidr_zh
    vocab = vocabulary()
    for template in TEMPLATES:
        for sec in vocab.sections_for(template):
            row = {"section": sec.code, "template": template}
            assert _is_cjk(code_name("section", sec.code, row)), sec.code
            for kind, terms in (("row", sec.rows_for(template)), ("col", sec.columns_for(template))):
                assert all(_is_cjk(code_name(kind, t.code, row)) for t in terms), (template, sec.code, kind)


@pytest.mark.slow
def test_the_findings_page_names_every_code_it_shows(server):
    """On a real server: each rule, severity, section, row and col of the findings drawn as
    its Chinese name beside the code, in the facets and the cells."""
    import html
    import urllib.request

    from helpers import DB_NAME

    rows = server.rows(f"/{DB_NAME}/findings.json", _size="max")
    assert {r["rule"] for r in rows} >= {"place_unknown", "metadata_missing"}
    url = server.url(f"/{DB_NAME}/findings", _size="max", _facet=["rule", "severity", "section", "col"])
    url = url.replace("%27", "'")
    with urllib.request.urlopen(url, timeout=30) as resp:
        page = resp.read().decode("utf-8")
    codes = {(k, r[k]) for r in rows for k in ("rule", "severity", "section", "row", "col") if r[k]}
    for column, code in codes:
        shown = re.search(rf'(\S+) <code class="gidr-code">{re.escape(html.escape(code))}</code>', page)
        assert shown and _is_cjk(shown.group(1)), (column, code)
