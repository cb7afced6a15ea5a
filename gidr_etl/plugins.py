"""The plugin manager and the registries read from it.

Default plugins are listed by module, third-party ones found by entry point, both
loaded once. Every hook is called from here: the registries (formats, rules,
executors, label variants) are built once per process and rebuilt only when the set
of plugins implementing their hook changes.

A broken plugin never takes gidr-etl down with it: one that fails to import, names a
hook that does not exist, or raises while registering is left out and its reason kept
in `load_errors`, which `gidr-etl plugins` and `gidr-etl ingest` report.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sqlite3
from collections.abc import Callable
from functools import partial
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from gidr_etl import hookspecs
from gidr_etl.errors import one_line
from gidr_etl.version import __version__

if TYPE_CHECKING:  # types only: these modules are plugins themselves
    import click

    from gidr_etl.formats.base import InputFormat
    from gidr_etl.ingest.executors import Executor

DEFAULT_PLUGINS = (
    "gidr_etl.formats.txt",
    "gidr_etl.formats.html",
    "gidr_etl.formats.markdown",
    "gidr_etl.formats.docx",
    "gidr_etl.formats.pdf",
    "gidr_etl.formats.scan",
    "gidr_etl.validation.rules",
    "gidr_etl.validation.compliance",
    "gidr_etl.ingest.executors",
)

pm = pluggy.PluginManager("gidr_etl")
pm.add_hookspecs(hookspecs)

# Plugins left out or misbehaving: name -> one-line reason.
load_errors: dict[str, str] = {}

_HOOKS = [name for name in dir(hookspecs) if name.startswith(("register_", "prepare_"))]

_loaded = False


def load_plugins() -> pluggy.PluginManager:
    """Register the default plugins and the installed entry points, once."""
    global _loaded
    if _loaded:
        return pm
    _loaded = True
    for name in DEFAULT_PLUGINS:
        _register(name, partial(importlib.import_module, name))
    _load_entry_points()
    pm.check_pending()  # every plugin left registered implements only known hooks
    return pm


def allowed_plugins() -> set[str] | None:
    """The entry-point plugins GIDR_ETL_LOAD_PLUGINS names (None: all installed)."""
    wanted = os.environ.get("GIDR_ETL_LOAD_PLUGINS")
    return None if wanted is None else {n.strip() for n in wanted.split(",") if n.strip()}


def _load_entry_points() -> None:
    allowed = allowed_plugins()
    for ep in metadata.entry_points(group="gidr_etl"):
        if allowed is None or ep.name in allowed:
            _register(ep.name, ep.load)


def _register(name: str, load: Callable[[], Any]) -> None:
    """Import and register one plugin; a failure is recorded, not raised."""
    try:
        module = load()
        if pm.is_registered(module):
            return
        pm.register(module, name)
    except Exception as exc:  # an import error, or a hook with the wrong arguments
        load_errors[name] = one_line(exc)
        return
    unknown = [c.name for c in pm.get_hookcallers(module) or [] if not c.has_spec()]
    if unknown:
        pm.unregister(module)
        load_errors[name] = "; ".join(f"unknown hook {hook!r}{_did_you_mean(hook)}" for hook in unknown)


def _did_you_mean(hook: str) -> str:
    close = difflib.get_close_matches(hook, _HOOKS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def call_hook(hook: str, plugin: object = None, **kwargs: Any) -> None:
    """Call every plugin's implementation of `hook` (or only `plugin`'s), in pluggy's order.

    Unlike pm.hook.<name>(), an implementation that raises is recorded against its
    plugin and the others still run, so one plugin's bug cannot stop every command.
    """
    for impl in reversed(getattr(load_plugins().hook, hook).get_hookimpls()):
        if plugin is not None and impl.plugin is not plugin:
            continue
        try:
            impl.function(*(kwargs[arg] for arg in impl.argnames))
        except Exception as exc:
            load_errors[impl.plugin_name] = f"{hook} raised {one_line(exc)}"


def plugin_versions() -> dict[str, str | None]:
    """Distribution version of each entry-point plugin, by plugin name."""
    versions = {}
    for ep in metadata.entry_points(group="gidr_etl"):
        versions[ep.name] = ep.dist.version if ep.dist else None
    return versions


def describe() -> list[dict[str, Any]]:
    """Each plugin: name, version, hooks, the formats it registers, and any error."""
    load_plugins()
    versions = plugin_versions()
    rows = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda np: np[0]):
        hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or [])
        formats: list[str] = []
        call_hook("register_formats", plugin=plugin, register=lambda f: formats.append(f.name))  # noqa: B023 (called at once)
        version = __version__ if name in DEFAULT_PLUGINS else versions.get(name)
        rows.append({"name": name, "version": version, "hooks": hooks, "formats": formats})
    for row in rows:
        if row["name"] in load_errors:
            row["error"] = load_errors[row["name"]]
    listed = {row["name"] for row in rows}
    for name, error in sorted(load_errors.items()):
        if name not in listed:
            rows.append({"name": name, "version": versions.get(name), "hooks": [], "formats": [], "error": error})
    return rows


# ------------------------------------------------------------------ registries


class Rule(NamedTuple):
    """A validation rule as registered: `check(report)` yields Issues (section, row, col, message)."""

    name: str
    severity: str  # "error" | "warning" | "info"
    check: hookspecs.RuleCheck


_registries: dict[str, tuple[tuple[int, ...], Any]] = {}


def _registry(hook: str, build: Callable[[], Any]) -> Any:
    """`build()`, cached until the plugins implementing `hook` change."""
    impls = tuple(id(impl.function) for impl in getattr(load_plugins().hook, hook).get_hookimpls())
    cached = _registries.get(hook)
    if cached is None or cached[0] != impls:
        cached = _registries[hook] = (impls, build())
    return cached[1]


def formats() -> list[InputFormat]:
    """Every registered input format, in registration order."""

    def build() -> list[InputFormat]:
        found: list[InputFormat] = []
        call_hook("register_formats", register=found.append)
        return found

    return list(_registry("register_formats", build))


def rules() -> list[Rule]:
    """Every registered validation rule, built-in and from plugins; a plugin's rule replaces a
    built-in of the same name (a province's own deadlines: validation/compliance.py)."""

    def build() -> list[Rule]:
        found: dict[str, Rule] = {}
        # pluggy's order calls the latest registered plugin first, so the first name seen stays.
        call_hook(
            "register_rules", register=lambda name, severity, fn: found.setdefault(name, Rule(name, severity, fn))
        )
        return list(found.values())

    return list(_registry("register_rules", build))


def executors() -> dict[str, Executor]:
    """Every registered executor by name; a plugin's wins over a built-in of the same name."""

    def build() -> dict[str, Executor]:
        found: dict[str, Executor] = {}
        # pluggy's order calls the latest registered plugin first, so the first name seen stays.
        call_hook("register_executors", register=lambda e: found.setdefault(e.name, e))
        return found

    return dict(_registry("register_executors", build))


def label_variants() -> list[tuple[str, str, str]]:
    """Every (section, row or column code, printed variant) the plugins register."""

    def build() -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        call_hook("register_label_variants", register=lambda *variant: found.append(variant))
        return found

    return list(_registry("register_label_variants", build))


def add_commands(cli: click.Group) -> None:
    """Let every plugin add its commands to the gidr-etl command group."""
    call_hook("register_commands", cli=cli)


def prepare_connection(conn: sqlite3.Connection) -> None:
    """Let every plugin adjust a new database connection."""
    call_hook("prepare_connection", conn=conn)
