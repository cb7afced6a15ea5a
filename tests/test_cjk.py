"""The CJK text primitives (gidr_etl.text.cjk) on strings from the sample reports."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from gidr_etl.formats.page_layout import FOOTER
from gidr_etl.reading.metadata import metadata_hints
from gidr_etl.reading.tokens import FURNITURE
from gidr_etl.text.cjk import (
    BRACKETED_NUMBER,
    CHINESE_NUMBER,
    NUMBERING,
    despace,
    has_ideograph,
    ideographs,
    is_cjk,
    join_lines,
    page_footer,
)
from gidr_etl.text.normalize import label_key, to_traditional

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_inputs").glob("*.txt"))
CONVERTED = sorted((ROOT / "tests" / "fixtures" / "converted").glob("*.txt"))


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def _sample(stem: str) -> list[str]:
    return _lines(ROOT / "sample_inputs" / f"{stem}.txt")


def _characters() -> set[str]:
    return {ch for path in SAMPLES + CONVERTED for ch in path.read_text("utf-8")}


# ------------------------------------------------------------------ character classes


def test_ideographs_are_the_unified_and_compatibility_ideographs():
    chars = _characters()
    found = set(ideographs("".join(chars)))
    assert len(found) > 900  # the samples' own vocabulary, Simplified and Traditional
    for ch in chars:
        assert (ch in found) == unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH")), ch


def test_cjk_is_what_prints_wide_plus_the_curly_quotes():
    """Every wide or full-width character the samples print is CJK, and nothing narrow but “”‘’."""
    for ch in _characters():
        wide = unicodedata.east_asian_width(ch) in "WF"
        assert is_cjk(ch) == (wide or ch in "“”‘’"), ch


def test_has_ideograph_tells_text_from_codes():
    index_no = _sample("003_7310e8e43cef02b2")[0]
    assert has_ideograph(index_no)  # 索 引 号 H042/2024-75954 …
    assert not has_ideograph("H042/2024-75954 2024-01-16")


# ------------------------------------------------------------------ numbering


@pytest.mark.parametrize(
    "stem, line, key",
    [
        ("000_2d55a32003931e6c", "一、總體情況", "总体情况"),
        ("000_2d55a32003931e6c", "1.屬于國家秘密", "属于国家秘密"),
        ("002_3a38b772f27b9fba", "(一)主動公開政府信息情況", "主动公开政府信息情况"),
        ("004_20a0191baea80f94", "（一）主动公开情况。", "主动公开情况"),
    ],
)
def test_numbering_in_front_of_a_label(stem, line, key):
    assert any(printed.startswith(line) for printed in _sample(stem))
    assert re.match(NUMBERING, line)
    assert label_key(line) == key


def test_a_part_heading_is_a_chinese_number_and_a_sub_item_is_bracketed():
    part = "三、收到和處理政府信息公開申請情況"
    assert part in _sample("000_2d55a32003931e6c")
    assert re.match(CHINESE_NUMBER, part) and not re.match(BRACKETED_NUMBER, part)
    assert re.match(BRACKETED_NUMBER, "（一）主动公开情况。")


@pytest.mark.parametrize("stem, decimal", [("000_2d55a32003931e6c", "99.99%"), ("004_20a0191baea80f94", "31.27万")])
def test_a_decimal_is_not_numbering(stem, decimal):
    assert any(decimal in line for line in _sample(stem))
    assert not re.match(NUMBERING, decimal)


# ------------------------------------------------------------------ page footers


@pytest.mark.parametrize("path", CONVERTED, ids=lambda p: p.name)
def test_page_footers_of_a_converted_pdf_are_its_page_numbers(path):
    footers = [line.strip() for line in _lines(path) if re.fullmatch(page_footer(), line.strip())]
    assert footers == [f"-{n}-" for n in range(1, len(footers) + 1)] and len(footers) >= 3
    # both uses, bounded (inside a table's stream) and PDF (outside the tables), agree on them
    assert all(FURNITURE.match(f) and FOOTER.fullmatch(f) for f in footers)


def test_no_line_of_a_crawled_report_is_a_page_footer():
    lines = [line.strip() for path in SAMPLES for line in _lines(path)]
    assert len(lines) > 1000
    assert [line for line in lines if re.fullmatch(page_footer(), line)] == []


# ------------------------------------------------------------------ de-spacing and joining


def test_despace_closes_up_spaced_characters_only():
    line = _sample("000_2d55a32003931e6c")[0]
    assert line.startswith("索 引 號 | 11320703MB/2021-00061 | 分 類 |")
    assert despace(line).startswith("索引號 | 11320703MB/2021-00061 | 分類 | 綜合政務/其他 / 通知 |")


def test_despace_keeps_the_space_beside_a_number():
    line = "安康市行政审批服务局 2021 年 政府信息公开年度报告"
    assert line in _sample("004_20a0191baea80f94")
    assert despace(line) == "安康市行政审批服务局 2021 年政府信息公开年度报告"


def test_join_lines_puts_a_space_only_beside_latin_and_digits():
    first, second = _sample("001_f034b2af3da2120e")[2:4]
    assert (first, second[:6]) == ("一、总体情况", "2022年,")
    assert join_lines(["三、收到和處理政府信息公", "", "開申請情況"]) == "三、收到和處理政府信息公開申請情況"
    assert join_lines([first, second]).startswith("一、总体情况 2022年,")
    # the curly quotes are set full-width: no space beside them
    assert join_lines(["3.危及", "“三安全一穩"]) == "3.危及“三安全一穩"


# ------------------------------------------------------------------ Traditional labels (OpenCC)


def test_traditional_metadata_labels_are_read_and_values_kept_as_printed():
    simplified = metadata_hints(_sample("003_7310e8e43cef02b2"))
    assert simplified == {"index_no": "H042/2024-75954", "agency": "区审管办", "publish_date": "2024-01-16 09:39"}
    # The same page printed in Traditional (發佈機構, 索 引 號): the same fields, values as printed.
    traditional = metadata_hints([to_traditional(line) for line in _sample("003_7310e8e43cef02b2")])
    assert traditional == {**simplified, "agency": "區審管辦"}


def test_a_value_is_not_converted_into_another_place():
    # OpenCC's t2s reads 乾 as 干: a place name is never converted.
    assert metadata_hints(["發布機構：乾县人民政府"]) == {"agency": "乾县人民政府"}


def test_radicals_a_pdf_font_prints_read_as_their_ideographs():
    # "上海市人⺠政府": U+2EA0 (Radicals Supplement) for 民 needs data/radicals.txt; U+2F08 ⼈ NFKC folds.
    from gidr_etl.reading.metadata import metadata_hints
    from gidr_etl.text.normalize import fold_radicals, normalize_text

    assert normalize_text("上海市⼈⺠政府⻓宁区⻔户") == "上海市人民政府长宁区门户"
    assert fold_radicals("⺠⻅⻉⻋⻚⻢⻥⻩⻬") == "民见贝车页马鱼黄齐"
    assert metadata_hints(["发布机构：上海市⼈⺠政府"]) == {"agency": "上海市人民政府"}
