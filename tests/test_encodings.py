"""The seeds re-encoded as users receive them give the same cells."""

import pytest
from helpers import SEEDS, cells_of, gold_cells, invoke

# GBK bytes of these texts equal their GB18030 bytes, so GB18030 stands for both.
# Big5 holds Traditional text only: seed 000 (002 carries tone-marked pinyin and
# characters such as 衔 that Big5 cannot encode).
BIG5 = {"000_2d55a32003931e6c.txt"}
ENCODINGS = ["gb18030", "big5", "utf-16", "utf-16-le", "utf-8-sig"]


@pytest.fixture(scope="module")
def reencoded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reencoded")
    made = []
    for seed in SEEDS:
        text = seed.read_text("utf-8")
        for enc in ENCODINGS:
            if enc == "big5" and seed.name not in BIG5:
                continue
            data = text.encode(enc)
            name = f"{seed.stem}.{enc}.txt"
            (folder / name).write_bytes(data)
            made.append((seed.name, enc, name))
    db = folder.parent / "reencoded.db"
    invoke("ingest", folder, "--db", db, check=0)
    return db, made


@pytest.mark.slow
def test_every_encoding_gives_the_gold_cells(reencoded):
    db, made = reencoded
    assert len(made) == 5 * 4 + 1
    for seed, enc, name in made:
        got = cells_of(db, name)
        want = gold_cells(seed)
        wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        assert not wrong, f"{seed} as {enc}: {list(wrong.items())[:5]}"


@pytest.mark.slow
def test_detected_encoding_is_recorded(reencoded):
    import sqlite3

    db, _ = reencoded
    con = sqlite3.connect(db)
    rows = dict(con.execute("select source_path, encoding from reports"))
    big5 = [enc for path, enc in rows.items() if ".big5." in path]
    gbk = [enc for path, enc in rows.items() if ".gb18030." in path]
    assert big5 and all(e.startswith("big5") for e in big5)
    assert gbk and all(e == "gb18030" for e in gbk)
