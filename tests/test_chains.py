"""Across reports: the same agency's consecutive years must chain (warnings, recomputed per ingest)."""

import sqlite3
from pathlib import Path

from helpers import invoke

from gidr_etl.validation.year_chains import agency_keys

CONVERTED = Path(__file__).parent / "fixtures" / "converted"
HONGZE_2023 = CONVERTED / "hongze_district_gov_2023.pdftotext.txt"
HONGZE_2024 = CONVERTED / "hongze_district_gov_2024.pdftotext.txt"


def _query(db, sql, *args):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute(sql, args)]
    con.close()
    return rows


def _chain_findings(db):
    return _query(
        db,
        "select f.rule, f.row, f.message, r.year from findings f join reports r on r.id = f.report_id"
        " where f.rule like 'chain%' order by f.rule, f.row",
    )


def test_agency_names_printed_more_or_less_fully_share_a_key():
    keys = agency_keys(
        {
            "洪泽区人民政府",
            "淮安市洪泽区人民政府",
            "淮安市人民政府",
            "人民政府",
            "鼓楼区人民政府",
            "南京市鼓楼区人民政府",
            "福州市鼓楼区人民政府",
            "温州市市场监督管理局",
            "市场监督管理局",
        }
    )
    assert keys["洪泽区人民政府"] == keys["淮安市洪泽区人民政府"] == "淮安市洪泽区人民政府"
    assert keys["淮安市人民政府"] == "淮安市人民政府"  # the city is not its district
    assert keys["人民政府"] == "人民政府"  # no place: joins nothing
    assert keys["鼓楼区人民政府"] == "鼓楼区人民政府"  # two cities have a 鼓楼区: ambiguous, left alone
    assert keys["市场监督管理局"] == "市场监督管理局"


def test_hongze_years_chain(tmp_path):
    # The real pair: printed as 洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024); both chains hold.
    db = tmp_path / "gidr.db"
    invoke("ingest", HONGZE_2023, HONGZE_2024, "--db", db, check=0)
    (pair,) = _query(db, "select * from cross_year_chain")
    assert (pair["year"], pair["next_year"], pair["difference"]) == (2023, 2024, 0)
    assert _chain_findings(db) == []


def _broken_2024(folder: Path) -> Path:
    """Hongze 2024 with 9 in force instead of 5 + 3 − 0, and 2 carried over (still balanced within 2024)."""
    broken = folder / HONGZE_2024.name
    folder.mkdir(exist_ok=True)
    text = HONGZE_2024.read_text("utf-8")
    for old, new in [
        ("行政规范性文件          3          0       8", "行政规范性文件          3          0       9"),
        (
            "数量                             95    0         0     0   0   0     95",
            "数量                             93    0         0     0   0   0     93",
        ),
        (
            "数量                              0    0         0     0   0   0     0",
            "数量                              2    0         0     0   0   0     2",
        ),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    broken.write_text(text, "utf-8")
    return broken


def test_a_broken_chain_is_found_when_the_other_year_arrives(tmp_path):
    broken = _broken_2024(tmp_path / "in")
    db = tmp_path / "gidr.db"
    invoke("ingest", broken, "--db", db, check=0)
    assert _chain_findings(db) == []  # no 2023 yet
    report = _query(db, "select errors from reports")[0]
    assert report["errors"] == 0  # 2024 alone is consistent

    invoke("ingest", HONGZE_2023, "--db", db, check=0)  # the year before arrives later
    found = _chain_findings(db)
    assert [(f["rule"], f["row"], f["year"]) for f in found] == [
        ("chain_carried_over", "carried_over", 2024),
        ("chain_in_force", "normative_documents", 2024),
    ]
    assert "2024 is 2" in found[0]["message"] and "carried forward 结转下年度 0" in found[0]["message"]
    assert "现行有效 2024 is 9" in found[1]["message"] and "= 8" in found[1]["message"]

    invoke("ingest", HONGZE_2023, broken, "--db", db, "--force", check=0)
    assert len(_chain_findings(db)) == 2  # recomputed, not piled up


def test_a_year_held_twice_is_one_finding_not_one_per_pair(tmp_path):
    # The 2023 report twice (a second copy, as collections hold PDF and web page alike):
    # the break of 2024 is said once, naming both; a chain that holds with either holds.
    copy = tmp_path / "copy" / "hongze_2023_second_copy.txt"
    copy.parent.mkdir()
    copy.write_text(HONGZE_2023.read_text("utf-8") + "\n（网页版）\n", "utf-8")
    db = tmp_path / "gidr.db"
    invoke("ingest", HONGZE_2023, copy, HONGZE_2024, "--db", db, check=0)
    assert _chain_findings(db) == []
    invoke("ingest", _broken_2024(tmp_path / "in"), "--db", db, check=0)
    found = _chain_findings(db)
    assert [f["rule"] for f in found] == ["chain_carried_over", "chain_in_force"]
    ids = [r["id"] for r in _query(db, "select id from reports where year = 2023 order by id")]
    assert len(ids) == 2 and f"report id {ids[0]}, {ids[1]}" in found[0]["message"]
