"""For plugin authors' tests: the contract kit (kit), the seed reports and their gold
(seeds), the official table layout (layout) and two renderings of it (render)."""

from __future__ import annotations

from gidr_etl.testing.kit import check_accepts, check_document, check_format, check_gold
from gidr_etl.testing.seeds import SEEDS, gold

__all__ = ["SEEDS", "check_accepts", "check_document", "check_format", "check_gold", "gold"]
