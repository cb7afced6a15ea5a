"""Random sequences of what users do to a collection and its database, each step's database
compared row by row with a fresh build of the files as they then are (issue #22): adds,
edits, deletes and moves (ingested with --prune), a copy of a report in another format,
--force, two ingests at once, a kill -9 in the middle of an ingest (then the same ingest
again, as a user would; what was searchable before must still be right after the kill),
--reprocess-outdated after an upgrade, and a second ingest run exactly where the first's
refresh has read (pause.HOOK: the races of tests/test_races.py, at random moments).

The files are the seed reports (real crawler dumps) and variants of them a collection
really holds: the same report printed again, another year of the same agency, the agency
printed more fully, the report's web page and its DOCX. tests/test_differential.py runs a
few seeds; bench/differential.py runs many.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gidr_etl.database import load, pause
from gidr_etl.ingest import pipeline
from gidr_etl.testing import render, seeds
from gidr_etl.testing.differential import content, differences

# Each operation and how often it is drawn.
OPERATIONS = {
    "add": 4,
    "edit": 2,
    "delete": 2,
    "move": 2,
    "another_format": 2,
    "force": 1,
    "two_at_once": 2,
    "kill": 2,
    "reprocess_outdated": 1,
    "interleaved": 2,
}
FOLDERS = ("a", "b", "b/c")
# The kinds of new file, and how often each is drawn.
KINDS = {"dump": 3, "printed_again": 1, "other_year": 2, "fuller_name": 1, "html": 1, "docx": 1}
_YEAR = re.compile(r"20(?:1[5-9]|2[0-5])")


@dataclass
class Step:
    op: str
    detail: str
    differences: list[str] = field(default_factory=list)


class Sequence:
    """One random sequence in `work` (a folder of its own), drawn from `seed`."""

    def __init__(self, seed: int, work: Path):
        self.seed, self.rng, self.work = seed, random.Random(seed), work
        self.folder, self.db = work / "in", work / "g.db"
        self.folder.mkdir(parents=True)
        self.serial = 0
        self.builds = 0
        self.seed_of: dict[Path, str] = {}  # each file's seed report

    def run(self, steps: int | list[str]) -> list[Step]:
        """`steps` operations (or these), each compared with a fresh build; the first adds files."""
        ops = steps if isinstance(steps, list) else ["add"] + [self._draw() for _ in range(steps - 1)]
        done = []
        for op in ops:
            if op in ("edit", "delete", "move") and not self.files():
                op = "add"  # everything was deleted: nothing to edit or move
            self.lost: list[str] = []
            detail = getattr(self, op)()
            done.append(Step(op, detail, self.lost + self.compare()))
        return done

    def _draw(self) -> str:
        return self.rng.choices(list(OPERATIONS), list(OPERATIONS.values()))[0]

    def compare(self) -> list[str]:
        self.builds += 1
        fresh = self.work / f"fresh{self.builds}.db"
        _ingest(self.folder, fresh)
        try:
            return differences(content(self.db), content(fresh))
        finally:
            for path in self.work.glob(f"fresh{self.builds}.db*"):
                path.unlink()

    # ------------------------------------------------------------ the files

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file())

    def _path(self, suffix: str) -> Path:
        self.serial += 1
        folder = self.folder / self.rng.choice(FOLDERS)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"r{self.serial:03d}{suffix}"

    def _new_file(self, kind: str | None = None) -> Path:
        kind = kind or self.rng.choices(list(KINDS), list(KINDS.values()))[0]
        # Most often a report the folder holds already, in another file: copies that tie,
        # which a fresh build may load in another order.
        held = [p for p in self.files() if p.suffix == ".txt"]
        source = self.rng.choice(held) if held and kind != "dump" and self.rng.random() < 0.7 else None
        seed = self.seed_of.get(source) if source else None
        seed = seed or self.rng.choice(seeds.SEEDS)
        if kind == "html":
            return self._from(seed, render.write_html(seed, self._path(".html")))
        if kind == "docx":
            return self._from(seed, render.render_docx(seed, self._path(".docx")))
        text = source.read_text("utf-8") if source else seeds.text(seed)
        if kind == "printed_again":  # the same report saved again: other bytes, the same cells
            text += f"\n（转载 {self.serial}）\n"
        elif kind == "other_year":  # the agency's report of the year before or after
            shift = self.rng.choice((-1, 1))
            text = _YEAR.sub(lambda m: str(int(m[0]) + shift), text)
        elif kind == "fuller_name":  # the agency printed with its province in front
            agency = seeds.agency(seeds.gold(seed)["metadata"])
            if agency:
                text = text.replace(agency, "某某省" + agency)
        path = self._path(".txt")
        path.write_text(text, "utf-8")
        return self._from(seed, path)

    def _from(self, seed: str, path: Path) -> Path:
        self.seed_of[path] = seed
        return path

    def _some(self, most: int) -> list[Path]:
        files = self.files()
        return self.rng.sample(files, min(len(files), self.rng.randint(1, most)))

    # ------------------------------------------------------------ the operations

    def add(self) -> str:
        added = [self._new_file() for _ in range(self.rng.randint(1, 4))]
        _ingest(self.folder, self.db)
        return " ".join(self._name(p) for p in added)

    def edit(self) -> str:
        (path,) = self._some(1)
        if path.suffix != ".txt":  # a binary file replaced by another report's
            path.unlink()
            shutil.move(self._new_file(path.suffix[1:]), path)
            how = "replaced"
        else:
            lines = path.read_text("utf-8").splitlines()
            i = self.rng.randrange(len(lines))
            how = self.rng.choice(("line dropped", "line added"))
            if how == "line dropped":
                del lines[i]
            else:
                lines.insert(i, f"（更正 {self.serial}）")
            path.write_text("\n".join(lines) + "\n", "utf-8")
        _ingest(self.folder, self.db)
        return f"{self._name(path)} {how}"

    def delete(self) -> str:
        gone = self._some(2)
        for path in gone:
            path.unlink()
        _ingest(self.folder, self.db)
        return " ".join(self._name(p) for p in gone)

    def move(self) -> str:
        (path,) = self._some(1)
        to = self._path(path.suffix)
        shutil.move(path, to)
        self.seed_of[to] = self.seed_of.pop(path, "")
        _ingest(self.folder, self.db)
        return f"{self._name(path)} -> {self._name(to)}"

    def another_format(self) -> str:
        added = self._new_file(self.rng.choice(("html", "docx")))
        _ingest(self.folder, self.db)
        return self._name(added)

    def force(self) -> str:
        _ingest(self.folder, self.db, force=True)
        return ""

    def two_at_once(self) -> str:
        """Two real ingests started together: on the same files, on two folders, or one with --force."""
        for _ in range(self.rng.randint(1, 3)):
            self._new_file()
        how = self.rng.choice(("same", "halves", "one forced"))
        halves = [self.folder / "a", self.folder / "b"]
        for half in halves:
            half.mkdir(exist_ok=True)
        args: dict[str, tuple[list, list]] = {
            "same": ([self.folder], [self.folder]),
            "halves": ([halves[0]], [halves[1]]),
            "one forced": ([self.folder, "--force"], [self.folder]),
        }
        procs = [_cli(self.db, *a) for a in args[how]]
        for proc in procs:
            _, err = proc.communicate(timeout=600)
            assert proc.returncode in (0, 1), err
        _ingest(self.folder, self.db)  # what a half left out (or pruned nothing of)
        return how

    def kill(self) -> str:
        """An ingest killed (SIGKILL) at a random moment, then the same ingest again."""
        for _ in range(self.rng.randint(1, 4)):
            self._new_file()
        forced = self.rng.random() < 0.5
        before = _searchable(self.db)
        proc = _cli(self.db, self.folder, *(["--force"] if forced else []))
        after = self.rng.uniform(0.5, 4.0)
        try:
            proc.wait(timeout=after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        # Killed mid-run, every report there before (re-read or not) is still found as before.
        now = _searchable(self.db)
        lost = sorted(sha for sha in before.keys() & now.keys() if before[sha] != now[sha])
        self.lost = [f"after the kill, search rows of {len(lost)} reports changed: {lost[:3]}"] if lost else []
        _ingest(self.folder, self.db, force=forced)
        return f"after {after:.1f} s{' (--force)' if forced else ''}, exit {proc.returncode}"

    def interleaved(self) -> str:
        """Two ingests in this process, the second run where the first's refresh has read what
        it will write from (pause.HOOK): it gives up at once if the first holds the write
        lock, and runs after it then."""
        first = [self._new_file() for _ in range(self.rng.randint(1, 2))]
        point = self.rng.choice(("notes", "copies"))
        if self.rng.random() < 0.5:  # derived by another version: the first derives everything
            _set_digest(self.db, "older")
        second = self.folder / "later"
        moved = []
        for path in first[: self.rng.randint(0, len(first) - 1)] + [self._new_file()]:
            second.mkdir(exist_ok=True)
            moved.append(second / path.name)
            shutil.move(path, moved[-1])
            self.seed_of[moved[-1]] = self.seed_of.pop(path, "")
        hidden = self.work / "hidden"
        shutil.move(second, hidden)  # the first ingest does not see them
        ran: list = []

        def beside(at: str) -> None:
            if at == point and not ran:
                ran.append("beside")
                shutil.move(hidden, second)
                busy, load.BUSY_SECONDS = load.BUSY_SECONDS, 0.2
                try:
                    pipeline.ingest([second], self.db, workers=1)
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
                    ran.append("waited")
                finally:
                    load.BUSY_SECONDS = busy

        pause.HOOK = beside
        try:
            pipeline.ingest([self.folder], self.db, workers=1)
        finally:
            pause.HOOK = None
        if hidden.exists():
            shutil.move(hidden, second)
        _ingest(self.folder, self.db)
        return f"at {point}: {' then '.join(ran) or 'never reached'}"

    def reprocess_outdated(self) -> str:
        """The database as an older version left it (some reports read by it, the derived
        tables perhaps made by it), then --reprocess-outdated."""
        conn = sqlite3.connect(self.db, isolation_level=None)
        try:
            ids = [i for (i,) in conn.execute("select id from reports order by id")]
            old = self.rng.sample(ids, self.rng.randint(0, len(ids)))
            conn.executemany("update reports set extractor_version = '0-older' where id = ?", [(i,) for i in old])
        finally:
            conn.close()
        derived_too = self.rng.random() < 0.5
        if derived_too:
            _set_digest(self.db, "older")
        _ingest(self.folder, self.db, reprocess_outdated=True)
        return f"{len(old)} of {len(ids)} outdated{', derived tables too' if derived_too else ''}"

    def _name(self, path: Path) -> str:
        return str(path.relative_to(self.folder))


def _ingest(folder: Path, db: Path, **options) -> None:
    pipeline.ingest([folder], db, workers=1, prune_missing=True, **options)


def _set_digest(db: Path, value: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("update derived_state set value = ? where name = 'digest'", [value])
    finally:
        conn.close()


def _searchable(db: Path) -> dict[str, tuple[int, int]]:
    """Each report (by SHA-256): its rows in the prose search and in the title search."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            sha: (n, t)
            for sha, n, t in conn.execute(
                "select r.source_sha256,"
                " (select count(*) from sections s join sections_fts f on f.rowid = s.rowid where s.report_id = r.id),"
                " (select count(*) from reports_fts t where t.rowid = r.id)"
                " from reports r"
            )
        }
    finally:
        conn.close()


def _cli(db: Path, *args) -> subprocess.Popen:
    """`gidr-etl ingest ARGS --prune` in a process group of its own (kill -9 takes its workers too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gidr_etl.cli", "ingest", *map(str, args), "--db", str(db), "--prune", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run(seed: int, work: Path, steps: int | list[str]) -> tuple[list[Step], float]:
    """One sequence in a scratch folder under `work`; its steps and seconds."""
    started = time.perf_counter()
    folder = work / f"seq{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        return Sequence(seed, folder).run(steps), time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
