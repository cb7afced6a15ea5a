"""Moved to gidr_etl.testing (seeds, layout, render); this name stays for one release."""

from __future__ import annotations

import warnings

from gidr_etl.testing.layout import *  # noqa: F401,F403
from gidr_etl.testing.layout import PrintedCell as Cell  # noqa: F401
from gidr_etl.testing.render import *  # noqa: F401,F403
from gidr_etl.testing.seeds import *  # noqa: F401,F403

warnings.warn("gidr_etl.seeds moved to gidr_etl.testing.seeds, .layout and .render", DeprecationWarning, stacklevel=2)
