"""The research database served by a real Datasette, checked through its JSON API."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import DB_NAME, SAMPLES, report_id

from gidr_etl.database import views as research
from gidr_etl.database.search import search_text
from gidr_etl.serving import server as serve
from gidr_etl.text.normalize import to_simplified

pytestmark = [pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "seeds"


def test_prepare_runs_again_on_a_loaded_database(samples_db, tmp_path):
    db = tmp_path / "again.db"
    db.write_bytes(samples_db.read_bytes())
    query = "select (select count(*) from cells_labelled), (select count(*) from reports_fts)"
    before = sqlite3.connect(db).execute(query).fetchone()
    research.prepare(db)
    research.prepare(db)
    assert sqlite3.connect(db).execute(query).fetchone() == before != (0, 0)


def test_tables_and_views_listed(server):
    data = server.get(f"/{DB_NAME}.json")
    tables = {t["name"] for t in data["tables"]}
    views = {v["name"] for v in data["views"]}
    assert {"reports", "cells", "findings", "sections", "labels"} <= tables
    assert set(research.view_sql()) <= views | tables


def test_metadata_describes_every_table_and_column(server):
    meta = server.get("/-/metadata.json")["databases"][DB_NAME]["tables"]
    with sqlite3.connect(server.db_path) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type in ('table', 'view')"
                " and name not like 'sqlite_%' and name not like '%_fts%'"
            )
        ]
        for name in names:
            assert meta.get(name, {}).get("description"), f"{name} has no description"
            columns = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
            missing = [c for c in columns if c not in meta[name].get("columns", {})]
            assert not missing, f"{name}: columns without description {missing}"


def test_labels_carry_the_official_chinese(server):
    rows = server.rows(f"/{DB_NAME}/labels.json", section="requests", kind="col", template="2021", _sort="ord")
    assert [r["code"] for r in rows][:2] == ["natural_person", "commercial"]
    assert rows[0]["label_zh"] == "自然人"
    denied = server.rows(f"/{DB_NAME}/labels.json", section="requests", code="denied_state_secret", template="2021")
    assert denied[0]["group_zh"] == "不予公开" and denied[0]["label_zh"] == "属于国家秘密"
    # 2019-only rows exist for the 2019 template only.
    assert server.rows(f"/{DB_NAME}/labels.json", section="requests", code="other", template="2019")
    assert not server.rows(f"/{DB_NAME}/labels.json", section="requests", code="other", template="2021")


def test_requests_wide_for_seed_001(server):
    rid = report_id(server, "001_f034b2af3da2120e")
    rows = server.rows(f"/{DB_NAME}/requests_wide.json", report_id=rid, _size="max")
    assert [r["row"] for r in rows][:3] == ["new", "carried_over", "granted"]  # template order
    assert rows[-1]["row"] == "carried_forward" and len(rows) == 25
    new = rows[0]
    assert new["natural_person"] == 91 and new["commercial"] == 12 and new["total"] == 113
    assert new["row_zh"] == "本年新收政府信息公开申请数量"


def test_cells_labelled_shows_chinese_and_template_order(server):
    rid = report_id(server, "001_f034b2af3da2120e")
    rows = server.rows(f"/{DB_NAME}/cells_labelled.json", report_id=rid, section="requests", row="new")
    assert [r["col_zh"] for r in rows] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]


def test_appeals_wide_has_three_groups(server):
    rid = report_id(server, "001_f034b2af3da2120e")
    rows = server.rows(f"/{DB_NAME}/appeals_wide.json", report_id=rid)
    assert [r["row"] for r in rows] == ["review", "suit_direct", "suit_after_review"]
    assert set(rows[0]) >= {"upheld", "corrected", "other", "pending", "total", "row_zh"}


def _gold_cells(stem: str) -> dict:
    gold = json.loads(next(GOLD.glob(f"{stem}*.json")).read_text("utf-8"))
    return {(s, r, c): v for s, r, c, v in gold["cells"]}


def test_report_summary_ratios(server):
    rid = report_id(server, "001_f034b2af3da2120e")
    (row,) = server.rows(f"/{DB_NAME}/report_summary.json", report_id=rid)
    g = _gold_cells("001_")
    total = g[("requests", "total", "total")]
    assert row["applications_received"] == g[("requests", "new", "total")]
    assert row["carried_over"] == g[("requests", "carried_over", "total")]
    assert row["carried_forward"] == g[("requests", "carried_forward", "total")]
    disclosed = g[("requests", "granted", "total")] + g[("requests", "partial", "total")]
    assert row["disclosure_share"] == pytest.approx(disclosed / total, abs=1e-4)
    denied = sum(v or 0 for (s, r, c), v in g.items() if s == "requests" and r.startswith("denied_") and c == "total")
    assert row["refusal_share"] == pytest.approx(denied / total, abs=1e-4)
    decided = sum(
        g[("appeals", grp, c)] or 0
        for grp in ("review", "suit_direct", "suit_after_review")
        for c in ("upheld", "corrected", "other")
    )
    corrected = sum(g[("appeals", grp, "corrected")] or 0 for grp in ("review", "suit_direct", "suit_after_review"))
    assert row["correction_rate"] == (pytest.approx(corrected / decided, abs=1e-4) if decided else None)


def test_error_counts_and_balance_view_follow_findings(server):
    with sqlite3.connect(server.db_path) as conn:
        errors = dict(
            conn.execute("select report_id, count(*) from findings where severity = 'error' group by report_id")
        )
        balance = conn.execute("select count(*) from findings where rule = 'requests_balance'").fetchone()[0]
    for row in server.rows(f"/{DB_NAME}/report_summary.json", _size="max"):
        assert row["errors"] == errors.get(row["report_id"], 0)
    assert len(server.rows(f"/{DB_NAME}/balance_failures.json", _size="max")) == balance


def test_cross_year_chain_pairs_consecutive_years(server):
    rows = server.rows(f"/{DB_NAME}/cross_year_chain.json", _size="max")
    # Hongze prints its name differently in 2023 and 2024; the agency key pairs them.
    assert any(
        "洪泽区" in r["agency"] and (r["year"], r["next_year"], r["difference"]) == (2023, 2024, 0) for r in rows
    )
    for r in rows:
        assert r["next_year"] == r["year"] + 1
        if r["carried_forward"] is not None and r["next_carried_over"] is not None:
            assert r["difference"] == r["next_carried_over"] - r["carried_forward"]


def test_canned_agency_over_years(server):
    rows = server.rows(f"/{DB_NAME}/agency_over_years.json", agency="鹿城区")
    assert rows and all("鹿城区" in r["agency"] for r in rows)
    assert rows[0]["applications_received"] == 113


def test_canned_rules_by_agency_filters_by_rule(server):
    everything = server.rows(f"/{DB_NAME}/rules_by_agency.json")
    with sqlite3.connect(server.db_path) as conn:
        n = conn.execute(
            "select count(*) from findings f join reports r on r.id = f.report_id"
            " where r.duplicate_of is null and not r.is_template"
        ).fetchone()[0]
    assert sum(r["findings"] for r in everything) == n  # the counted reports' findings, each once
    if everything:
        rule = everything[0]["rule"]
        assert {r["rule"] for r in server.rows(f"/{DB_NAME}/rules_by_agency.json", rule=rule)} == {rule}


def test_canned_totals_by_year_and_template(server):
    rows = server.rows(f"/{DB_NAME}/totals_by_year.json")
    with sqlite3.connect(server.db_path) as conn:
        n = conn.execute("select count(*) from reports where year is not null").fetchone()[0]
    assert sum(r["reports"] for r in rows) == n
    assert {r["template"] for r in rows} <= {"2019", "2021", None}


def test_canned_prose_contradictions(server):
    rows = server.rows(f"/{DB_NAME}/prose_contradictions.json")
    with sqlite3.connect(server.db_path) as conn:
        n = conn.execute("select count(*) from findings where rule like 'prose\\_%' escape '\\'").fetchone()[0]
    assert len(rows) == n


def _seeds_mentioning(word: str) -> set[str]:
    # The expected hits come from the files themselves, read as Simplified like the index.
    return {p.stem for p in SAMPLES.glob("[0-9][0-9][0-9]_*.txt") if word in to_simplified(p.read_text("utf-8"))}


def _seed_hits(rows) -> set[str]:
    return {Path(r["source_path"]).stem for r in rows if re.match(r"\d{3}_", Path(r["source_path"]).name)}


@pytest.mark.parametrize("word", ["审批", "审批服务", "政府信息公开"])
def test_search_finds_the_seeds_that_mention_it(server, word):
    expected = _seeds_mentioning(word)
    assert expected, f"no seed mentions {word}"
    rows = server.rows(f"/{DB_NAME}/search.json", q=word)
    assert _seed_hits(rows) == expected
    # the snippet is the text as printed (Traditional, full-width): folded, it holds the word
    assert all(f"【{word}】" in search_text(r["snippet"]) for r in rows)


def test_search_one_character_and_traditional_text(server):
    assert _seed_hits(server.rows(f"/{DB_NAME}/search.json", q="批")) == _seeds_mentioning("批")


def test_sections_table_search_box_uses_fts(server):
    data = server.get(f"/{DB_NAME}/sections.json", _search="行政审批", _shape="objects")
    assert data["rows"]
    with sqlite3.connect(server.db_path) as conn:
        texts = [
            to_simplified(
                conn.execute(
                    "select coalesce(heading, '') || ' ' || text from sections where report_id = ? and part = ?",
                    [r["report_id"], r["part"]],
                ).fetchone()[0]
            )
            for r in data["rows"]
        ]
    assert all("行政审批" in t for t in texts)


def test_visitors_cannot_write(server):
    with pytest.raises(urllib.error.HTTPError) as err:
        server.get(f"/{DB_NAME}.json", sql="delete from reports")
    assert err.value.code == 400
    # Datasette 0.65 has no write API; POST to a canned query is refused as well.
    req = urllib.request.Request(server.url(f"/{DB_NAME}/search"), data=b"q=x", method="POST")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, timeout=10)
    assert server.rows(f"/{DB_NAME}/reports.json", _size=1)
    plugins = {p["name"] for p in server.get("/-/plugins.json")}
    assert plugins <= serve.ALLOWED_PLUGINS, plugins - serve.ALLOWED_PLUGINS


def test_served_readable_while_written_and_time_limited(server):
    # Mutable, so an ingest may write while it is served (test_serving.py); read-only to visitors.
    dbs = server.get("/-/databases.json")
    assert [d["is_mutable"] for d in dbs if d["name"] == DB_NAME] == [True]
    assert server.get("/-/settings.json")["sql_time_limit_ms"] == serve.SETTINGS["sql_time_limit_ms"]


def test_dashboard_queries_run(server):
    # Each chart's SQL must run against the served database and return data.
    meta = server.get("/-/metadata.json")
    dashboards = meta["plugins"]["datasette-dashboards"]
    for slug, dash in dashboards.items():
        for name, chart in dash["charts"].items():
            if "query" not in chart:
                continue
            sql = re.sub(r"\[\[.*?\]\]", "", chart["query"], flags=re.S)
            rows = server.rows(f"/{chart['db']}.json", sql=sql)
            assert rows, f"{slug}/{name} returned nothing"


def test_2019_report_has_its_own_rows(server):
    (rid,) = [r["id"] for r in server.rows(f"/{DB_NAME}/reports.json", template="2019", _col="id")][:1]
    rows = server.rows(f"/{DB_NAME}/requests_wide.json", report_id=rid, _size="max")
    codes = [r["row"] for r in rows]
    assert "other" in codes and "other_misc" not in codes and len(rows) == 23
    assert rows[codes.index("other")]["row_zh"] == "其他处理"


def test_metadata_renamed_for_other_file_names(tmp_path):
    import yaml

    meta = yaml.safe_load(serve.metadata_for(tmp_path / "reports2024.db", workdir=tmp_path).read_text("utf-8"))
    assert list(meta["databases"]) == ["reports2024"]
    charts = meta["plugins"]["datasette-dashboards"]["overview"]["charts"]
    assert {c["db"] for c in charts.values() if "db" in c} == {"reports2024"}
    assert serve.metadata_for(tmp_path / "gidr.db") == serve.find_metadata()


def test_a_summed_figure_with_a_doubtful_cell_is_unknown(tmp_path):
    """report_summary sums several cells (disclosed = granted + partial, denied = the eight
    denied rows): a cell left NULL for a doubt makes the sum NULL, never a smaller number."""
    from helpers import invoke

    db = tmp_path / "g.db"
    invoke("ingest", SAMPLES / "001_f034b2af3da2120e.txt", "--db", db, "-q", check=0)
    conn = sqlite3.connect(db)
    before = dict(
        zip(
            ("disclosed", "denied", "total"),
            conn.execute("select disclosed, denied, total_handled from report_summary").fetchone(),
        )
    )
    assert before["disclosed"] and before["total"]
    # As the OCR check leaves a lost digit: NULL + unreadable.
    conn.execute(
        "update cells set value = null, status = 'unreadable'"
        " where section = 'requests' and col = 'total' and row = 'partial'"
    )
    conn.commit()
    research.prepare(conn)
    row = conn.execute("select disclosed, disclosure_share, denied, total_handled from report_summary").fetchone()
    assert row == (None, None, before["denied"], before["total"])
