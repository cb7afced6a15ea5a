"""The plugin manager: default plugins by module, third-party ones by entry point."""
from __future__ import annotations

import importlib
import os
from importlib import metadata

import pluggy

from . import hookspecs

DEFAULT_PLUGINS = (
    "gidr_etl.formats.txt",
    "gidr_etl.formats.html",
    "gidr_etl.formats.docx",
    "gidr_etl.formats.pdf",
    "gidr_etl.rules",
    "gidr_etl.executors",
)

pm = pluggy.PluginManager("gidr_etl")
pm.add_hookspecs(hookspecs)

# Plugins that failed to import: name -> reason. `gidr-etl plugins` reports them.
load_errors: dict[str, str] = {}

_loaded = False


def load_plugins() -> pluggy.PluginManager:
    """Register the default plugins and the installed entry points, once."""
    global _loaded
    if _loaded:
        return pm
    _loaded = True
    for name in DEFAULT_PLUGINS:
        try:
            pm.register(importlib.import_module(name), name)
        except Exception as exc:  # a broken optional dependency must not stop the CLI
            load_errors[name] = f"{type(exc).__name__}: {exc}"
    _load_entry_points()
    pm.check_pending()
    return pm


def _load_entry_points() -> None:
    wanted = os.environ.get("GIDR_ETL_LOAD_PLUGINS")
    allowed = None if wanted is None else {n.strip() for n in wanted.split(",") if n.strip()}
    for ep in metadata.entry_points(group="gidr_etl"):
        if allowed is not None and ep.name not in allowed:
            continue
        try:
            module = ep.load()
        except Exception as exc:
            load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
            continue
        if pm.is_registered(module):
            continue
        pm.register(module, ep.name)


def plugin_versions() -> dict[str, str | None]:
    """Distribution version of each entry-point plugin, by plugin name."""
    versions = {}
    for ep in metadata.entry_points(group="gidr_etl"):
        versions[ep.name] = ep.dist.version if ep.dist else None
    return versions
