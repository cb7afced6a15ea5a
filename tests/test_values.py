"""Reading printed cells per the spec's rules for values."""

import pytest

from gidr_etl.reading.values import read_value
from gidr_etl.report import BLANK, READ, UNREADABLE


@pytest.mark.parametrize(
    "raw,kind,value,status",
    [
        ("539", "count", 539, READ),
        ("１２４５９", "count", 12459, READ),  # full-width digits
        ("3,119", "count", 3119, READ),
        ("22（其中修订16件）", "count", 22, READ),  # a note after the number
        ("-1", "signed", -1, READ),
        ("+15", "signed", 15, READ),
        ("7730.28", "amount", 7730.28, READ),
        ("251000元", "amount", 25.1, READ),  # art20_9 amounts are stored in 万元
        ("0(元)", "amount", 0, READ),
        ("12.5万元", "amount", 12.5, READ),
        ("5件", "count", 5, READ),
        ("", "count", None, BLANK),
        ("\u00a0", "count", None, BLANK),
        ("/", "count", None, BLANK),
        ("—", "count", None, BLANK),
        ("无", "count", None, BLANK),
        ("不详", "count", None, UNREADABLE),
        ("2.5", "count", None, UNREADABLE),  # a count with decimals is not a count
    ],
)
def test_read_value(raw, kind, value, status):
    assert read_value(raw, kind) == (value, status)
