"""`gidr-etl install`: pip install into the environment gidr-etl itself runs in.

A plugin is found through its entry point only when it is installed where gidr-etl is;
with gidr-etl installed by pipx, uv tool or into a virtualenv, a bare `pip install`
may well put it somewhere else. This runs the pip of `sys.executable`, as `llm install` does.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence


def pip_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pip", "install", *args]


def install(args: Sequence[str]) -> int:
    """Run pip install ARGS in gidr-etl's environment; returns pip's exit status."""
    return subprocess.run(pip_command(args)).returncode
