"""Random sequences of ingests (adds, edits, deletes and moves with --prune, another format,
--force, two ingests at once, kill -9, --reprocess-outdated) leave, after every step, what
a fresh build of the same files holds, row by row (issue #22; gidr_etl/testing/sequences.py).
A few sequences here; bench/differential.py runs a hundred.
"""

from __future__ import annotations

import pytest

from gidr_etl.testing import sequences


def _report(steps) -> str:
    return "\n".join(f"{s.op} {s.detail}: " + "; ".join(s.differences) for s in steps)


@pytest.mark.slow
def test_every_operation_once_leaves_what_a_fresh_build_holds(tmp_path):
    steps, _ = sequences.run(0, tmp_path, ["add", *sequences.OPERATIONS])
    assert all(not s.differences for s in steps), _report(steps)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_sequence_leaves_what_a_fresh_build_holds(seed, tmp_path):
    steps, _ = sequences.run(seed, tmp_path, 4)
    assert all(not s.differences for s in steps), f"seed {seed}:\n" + _report(steps)
