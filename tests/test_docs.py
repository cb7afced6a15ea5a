"""Every hook and every rule is documented where a plugin author or a user looks for it,
and every file of the repository the docs name is there.

Hooks: docs/writing-plugins.md's table. Rules: the README's list of the findings' rules, which
must name every rule a finding can carry: the registered ones, the checks across reports (year
chains, copies that disagree), and the ones the reading stages and the engine raise themselves
(found in the source, so a new one cannot be missed).
"""

from __future__ import annotations

import inspect
import re

from helpers import ROOT

from gidr_etl import hookspecs
from gidr_etl.database import copies
from gidr_etl.plugins import rules
from gidr_etl.validation import year_chains, year_gaps

PACKAGE = ROOT / "gidr_etl"
# A finding made in place, not by a registered rule: Finding("rule_name", …).
RAISED_IN_PLACE = re.compile(r'\bFinding\(\s*"([a-z_]+)"')


def hooks() -> set[str]:
    return {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "gidr_etl_spec")}


def rules_raised() -> set[str]:
    registered = {rule.name for rule in rules()}
    across_reports = {year_chains.CARRIED, year_chains.IN_FORCE, copies.RULE, year_gaps.RULE}
    in_place = {name for path in PACKAGE.rglob("*.py") for name in RAISED_IN_PLACE.findall(path.read_text("utf-8"))}
    return registered | across_reports | in_place


def test_the_hooks_are_found():
    assert {"register_formats", "register_rules", "register_executors", "prepare_connection"} <= hooks()


def test_every_hook_is_in_the_plugin_authors_table():
    guide = (ROOT / "docs" / "writing-plugins.md").read_text("utf-8")
    table = set(re.findall(r"^\| `([a-z_]+)\(", guide, re.MULTILINE))
    assert hooks() - table == set()


def test_the_rules_are_found():
    assert {
        "cell_blank",
        "requests_balance",
        "chain_in_force",
        "label_fuzzy",
        "rule_crashed",
        "plugin_crashed",
        "template_unknown",
        "copies_disagree",
    } <= rules_raised()


def test_every_rule_is_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    listed = readme[readme.index("The findings' rules.") :]
    assert {rule for rule in rules_raised() if f"`{rule}`" not in listed} == set()


# A path in the repository, as the docs quote it: `gidr_etl/reading/values.py`, `bench/`.
QUOTED_PATH = re.compile(r"`((?:gidr_etl|bench|scripts|tests|plugins|docs|spec|sample_inputs)/[\w./-]*)`")
PLACEHOLDER = re.compile(r"\b[A-Z]{3,}\b")  # `gidr_etl/formats/NAME.py`: a file to write
DOCS = ("README.md", "CONTRIBUTING.md", "CHANGELOG.md", "docs/*.md")


def test_the_files_the_docs_name_exist():
    named = {
        (doc.relative_to(ROOT).as_posix(), path)
        for pattern in DOCS
        for doc in ROOT.glob(pattern)
        for path in QUOTED_PATH.findall(doc.read_text("utf-8"))
        if not PLACEHOLDER.search(path)
    }
    assert named, "no paths found: the pattern no longer matches how the docs quote them"
    assert sorted((doc, path) for doc, path in named if not (ROOT / path.rstrip("/")).exists()) == []
