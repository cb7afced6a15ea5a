"""Reading one printed cell into a value, per the spec's rules for values (spec/TEMPLATE.md, "Values")."""

from __future__ import annotations

from decimal import Decimal

from gidr_etl.reading.tokens import PLACEHOLDERS, SPACED_NUMBERS, SPACED_THOUSANDS, UNREAD, VALUE
from gidr_etl.report import BLANK, READ, UNREADABLE
from gidr_etl.text.normalize import normalize_text

# Amounts are stored in 万元; a cell printed in 元 is converted.
_UNIT_FACTOR = {"元": Decimal("0.0001"), "万元": Decimal(1), None: Decimal(1)}


def read_value(raw: str, kind: str = "count") -> tuple[int | float | None, str]:
    """(value, status) of a printed cell: READ with its number, BLANK or UNREADABLE with None."""
    spaced = normalize_text(raw or "").strip()
    text = spaced.replace(" ", "")
    if text in PLACEHOLDERS:
        return None, BLANK
    if text == UNREAD:
        return None, UNREADABLE
    if SPACED_NUMBERS.fullmatch(spaced) and not SPACED_THOUSANDS.fullmatch(spaced):
        return None, UNREADABLE  # two numbers ("72 64") are never one
    m = VALUE.match(text)
    if not m:
        return None, UNREADABLE
    number = Decimal(m["num"].replace(",", "").lstrip("+"))
    if kind == "amount":
        number *= _UNIT_FACTOR[m["unit2"] or (m["unit"] if m["unit"] in ("元", "万元") else None)]
        return _plain(number), READ
    if number != number.to_integral_value():
        return None, UNREADABLE  # a count with decimals is not a count
    if number < 0 and kind == "count":
        return None, UNREADABLE  # a count is never negative: NULL, never 0 (the raw text kept)
    return int(number), READ


def _plain(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)
