"""The hooks a gidr-etl plugin can implement."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:  # types only: the interfaces are plugins' modules, which import this one
    import sqlite3

    import click

    from gidr_etl.formats.base import InputFormat
    from gidr_etl.ingest.executors import Executor
    from gidr_etl.report import Issue, Report

hookspec = HookspecMarker("gidr_etl")
hookimpl = HookimplMarker("gidr_etl")

# A validation rule: the issues it finds in a report (the engine names rule and severity).
RuleCheck = Callable[["Report"], Iterable["Issue"]]


@hookspec
def register_formats(register: Callable[[InputFormat], None]) -> None:
    """Register input formats: call register(InputFormat()) for each."""


@hookspec
def register_rules(register: Callable[[str, str, RuleCheck], None]) -> None:
    """Register validation rules: call register(name, "error", "warning" or "info", check) for each.

    A rule registered under a built-in rule's name replaces it."""


@hookspec
def register_label_variants(register: Callable[[str, str, str], None]) -> None:
    """Register label variants: call register(section, row_or_col_code, variant_text)."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the gidr-etl click group."""


@hookspec
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Adjust the sqlite3 connection before anything is loaded."""


@hookspec
def register_executors(register: Callable[[Executor], None]) -> None:
    """Register where extraction can run: call register(Executor()) for each (gidr_etl.ingest.executors)."""
