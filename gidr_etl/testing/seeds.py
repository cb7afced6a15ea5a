"""The five seed reports shipped with gidr-etl: their text as the crawler saved it and their gold.

The seeds are real reports (sample_inputs/ and tests/gold/seeds/ hold the same files);
they are package data so that any plugin's tests can use them (gidr_etl.testing).
"""

from __future__ import annotations

import json
from importlib import resources

_DATA = resources.files("gidr_etl").joinpath("data/seeds")
SEEDS = sorted(p.name[: -len(".json")] for p in _DATA.iterdir() if p.name.endswith(".json"))


def gold(seed: str) -> dict:
    """The seed's gold: metadata, every template cell as [section, row, col, value], findings."""
    return json.loads(_DATA.joinpath(f"{seed}.json").read_text("utf-8"))


def cell_values(g: dict) -> dict[tuple[str, str, str], object]:
    return {(s, r, c): v for s, r, c, v in g["cells"]}


def agency(md: dict) -> str | None:
    """The agency of gold metadata (the first, when the gold accepts several spellings)."""
    return first(md["agency"])


def text(seed: str) -> str:
    """The seed report as the crawler saved it."""
    return _DATA.joinpath(f"{seed}.txt").read_text("utf-8")


def first(value):
    return next((v for v in value if v), None) if isinstance(value, list) else value


def same_value(a: object, b: object) -> bool:
    """Whether a value read equals gold's: numbers by value (21 == 21.0), else as text."""
    if a is None or b is None:
        return a is None and b is None
    try:
        return abs(float(a) - float(b)) < 1e-6  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a) == str(b)
