"""Mapping the located tables onto the template's canonical cells.

Each section is read the way it is printed: a row label, then that row's values.
Rows are found in template order by their vocabulary terms; the values are the run
of value tokens after the label (in the label's own row when the table's rows are
known). Where the run is longer than the row, only blank padding is dropped, and if
that can be done in more than one way the cells that differ are ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

from gidr_etl.reading.chooser import Choice, choose
from gidr_etl.reading.columns import place, place_by_lines
from gidr_etl.reading.digit_runs.solver import Run
from gidr_etl.reading.fuzzy_labels import MIN_RESEMBLANCE, best_match, similarity
from gidr_etl.reading.label_pairing import exhaustive, pairings
from gidr_etl.reading.locate import Regions, captions
from gidr_etl.reading.placements import Reading
from gidr_etl.reading.row_alignment import alignments, full_row, trimmed
from gidr_etl.reading.table_pieces import continued
from gidr_etl.reading.tokens import DIGIT_RUN, Token, scanned, text_cells, thousands_apart
from gidr_etl.reading.values import read_value
from gidr_etl.report import AMBIGUOUS, READ, UNREADABLE, Finding, Report, TemplateCell, bilingual
from gidr_etl.template.arithmetic import equations
from gidr_etl.template.vocabulary import Section, Term, Vocabulary
from gidr_etl.text.normalize import label_key

# Digits after a zero: in a crawler dump, more than one cell.
LEADING_ZERO = re.compile(r"[+-]?0\d")

# Columns of art20_1 that tell the template versions apart.
_VERSION_COLUMNS = ("art20_1",)


@dataclass
class Read:
    """What was read for one row: a token per column, or None where nothing was."""

    tokens: list[Token | None]
    ambiguous: set[int]
    label: Token | None
    index: int | None = None  # of the label in the stream
    misfit: list[Token] | None = None  # value tokens not as many as columns (blank padding aside)
    next: int | None = None  # stream index after the row's values
    fuzzy: float | None = None  # similarity when the label was matched fuzzily
    by_order: bool = False  # the label placed by the template's row order (_scanned_row_labels)
    printed: str | None = None  # a fuzzy label as printed, its cells apart by " | "
    following: Token | None = None  # the token after the row's values
    placed: Reading | None = None  # the misfit's values placed by where they are printed (columns.py)
    # Its blanks stand in value columns a pipe table's header places: cells (or a value cell's
    # span), never a label's span filler (value_area).
    lead_cells: bool = False


def detect_template(toks: list[Token], regions: Regions, vocab: Vocabulary) -> str | None:
    """2019 or 2021, from art20_1's columns, else from （六）其他处理's sub-rows."""
    votes: dict[str, int] = {}
    if "active" in regions.tables:
        start, end = regions.tables["active"]
        for version in ("2021", "2019"):
            cols = vocab.section("art20_1").columns_for(version)
            votes[version] = sum(any(c.matches(t.key) for c in cols) for t in toks[start:end] if not t.is_value())
    if votes and votes["2021"] != votes["2019"]:
        return max(votes, key=lambda version: votes[version])
    if "requests" in regions.tables:
        start, end = regions.tables["requests"]
        sub_rows = [r for r in vocab.section("requests").rows_for("2021") if r.code.startswith("other_") and r.match]
        if any(r.matches(t.key) for t in toks[start:end] for r in sub_rows):
            return "2021"
        if any("其他处理" in t.key for t in toks[start:end]):
            return "2019"
    if any(s.match[0] in t.compact for s in vocab.sections_for("2019", "active") if s.code == "art20_9" for t in toks):
        return "2019"
    return None


def find_label(toks: list[Token], start: int, end: int, term: Term) -> int | None:
    """Index of the first token in [start, end) that names `term`, alone or wrapped
    over the next lines ("1、申请人无正当理由逾期不补" + "正、行政机关不再处理…")."""
    for i in range(start, end):
        tok = toks[i]
        if not tok.key or tok.is_value():
            continue
        if term.matches(tok.key) or _wrapped_match(toks, i, end, term):
            return i
    return None


# How many lines a wrapped label may run over.
_MAX_WRAP = 3


def _wrapped_match(toks: list[Token], i: int, end: int, term: Term) -> bool:
    """Whether toks[i] starts a label whose pieces, all from the official text, join to name `term`:
    lines of text, or a table row's leading cells (pymupdf4llm's tables cut a merged label cell
    where its wrapped lines' text columns fall: "一、本" | "年新收政府" | "信息公开申请数量")."""
    joined = toks[i].key
    if joined not in term.key:
        return False
    for tok in toks[i + 1 : min(i + _MAX_WRAP, end)]:
        if tok.is_value() or tok.key not in term.key or not _same_row(toks[i], tok):
            return False
        joined += tok.key
        if term.matches(joined):
            return True
    return False


def _same_row(label: Token, piece: Token) -> bool:
    """Whether `piece` may continue `label`: a line of text after text, a cell of the same table row."""
    return label.row_id is None or piece.row_id == label.row_id


def value_run(toks: list[Token], start: int, end: int, row_id, header=None) -> tuple[list[Token], int]:
    """The value tokens from `start` on, and the index after them: the run stops at a
    label, or at the end of a known row. In a stream, a line of column headers inside
    the run (`header(tok)`) is passed over: a page break printed the header again."""
    run: list[Token] = []
    i = start
    while i < end:
        tok = toks[i]
        # A dump's piece (glued, cut from the table span) naming columns is no reprinted header:
        # a dump has no page breaks, and its piece may end with the next row's label.
        if run and row_id is None and header is not None and not (tok.glued and tok.in_table) and header(tok):
            i += 1
            continue
        if not tok.is_value() or (row_id is not None and tok.row_id != row_id):
            break
        run.append(tok)
        i += 1
    return run, i


def column_header(cols: list[Term], rows: list[Term]):
    """A test for a printed line of this section's column headers (two or more of them, no row)."""

    def test(tok: Token) -> bool:
        key = tok.key
        return not tok.is_value() and sum(c.matches(key) for c in cols) >= 2 and not any(r.matches(key) for r in rows)

    return test


def value_area(
    toks: list[Token], start: int, end: int, cols: list[Term], rows: list[Term], table_cols: list[Term] | None = None
) -> dict[int, int]:
    """Per table in [start, end) whose cells stand in grid columns, the grid column its value
    columns start at: that of the leftmost header cell naming one of `cols` (and no row).

    An explicit table (tokens.Token.explicit) places every cell. A pipe table (Markdown as
    markitdown and pandoc write it, a crawler's pipe text) prints a row's cells in their columns
    too, a merged cell followed by empty ones, so its header places the value columns; the header
    naming any column of the table's sections (`table_cols`: one grid for all of them, as in the
    template's Word table). Only a pipe table whose rows all print as many cells stands in a grid
    (a GitHub pipe table does); a tab or pipe dump whose rows print their labels in different
    columns places nothing. A pipe header row whose first cell is a heading was printed without
    the cells spanned from the rows above (markitdown's "| 自然人 | 法人或其他组织 | … | 总计 |"
    under 申请人情况): its headings stand left of their columns, so it places nothing."""
    out: dict[int, int] = {}
    names = table_cols or cols
    widths: dict[int, set[int]] = {}
    ends: dict[tuple[int, int], int] = {}
    for tok in toks[start:end]:
        if tok.row_id and tok.col is not None and not tok.explicit:
            ends[tok.row_id] = max(ends.get(tok.row_id, 0), tok.col)
    for row_id, last in ends.items():
        widths.setdefault(row_id[0], set()).add(last)
    ragged = {table for table, lasts in widths.items() if len(lasts) > 1}

    def heading(tok: Token, among: list[Term]) -> bool:
        return any(c.matches(tok.key) for c in among) and not any(r.matches(tok.key) for r in rows)

    shifted = {
        tok.row_id
        for tok in toks[start:end]
        if tok.row_id and not tok.explicit and tok.col == 0 and not tok.is_value() and heading(tok, names)
    }
    for tok in toks[start:end]:
        if not (tok.row_id and tok.col is not None) or tok.is_value() or tok.glued or tok.row_id in shifted:
            continue
        if tok.row_id[0] in ragged:
            continue
        if heading(tok, cols if tok.explicit else names):
            table = tok.row_id[0]
            out[table] = min(out.get(table, tok.col), tok.col)
    return out


def in_value_area(run: list[Token], first: int | None) -> list[Token]:
    """A table row's values without the blank cells that stand left of the value columns:
    the label's area, where a Word table left the label's row unmerged ("（七）总计" | blank |
    95 …, Hongze 2024's PDF), or a pipe table printed a merged label's span as empty cells.
    A cell is placed by its grid column, never by the row's sums."""
    if first is None:
        return run
    lead = 0
    while lead < len(run) and run[lead].is_blank() and (col := run[lead].col) is not None and col < first:
        lead += 1
    return run[lead:]


def fit(run: list[Token], n: int) -> Read:
    """A run of value tokens as n columns; a run of another length waits for settle_row."""
    if len(run) == n:
        return Read(list(run), set(), None)
    return Read([None] * n, set(), None, misfit=run or None)


def read_rows(
    toks,
    start,
    end,
    rows: list[Term],
    cols: list[Term],
    table: tuple[list[Term], tuple[str, ...]] = ([], ()),
    area: dict[int, int] | None = None,
    table_cols: list[Term] | None = None,
) -> dict[str, Read]:
    """Each row's label and values within [start, end), rows found in template order.

    Labels are matched exactly first; a row not found that way may then be matched
    fuzzily, but only by a label lying between its neighbours' rows. `table` holds the
    rows of the table's other sections and its captions (label keys), which a dump's
    glued piece may go on to name after a row of this section; `table_cols` the columns of its
    sections (value_area).
    """
    out: dict[str, Read] = {}
    cursor = start
    header = column_header(cols, rows)
    area = area if area is not None else value_area(toks, start, end, cols, rows, table_cols)
    stacked: set[int] = set()  # label pieces naming two rows
    for term in rows:
        i = find_label(toks, cursor, end, term)
        if i is None:
            continue
        if _names_a_later_row(toks[i], term, rows):
            # A dump's label piece "…规章行政规范性文件250": the digits are the last row's, or the
            # first row's printed before a label with none. Neither is sure: both are ambiguous.
            out[term.code] = Read([None] * len(cols), set(range(len(cols))), toks[i], i, next=i)
            stacked.add(i)
            cursor = i
            continue
        if _names_a_later_row(toks[i], term, table[0], table[1]):
            # "…行政许可第二十条第（六）项…行政处罚98": the piece runs on into the next section, so
            # the row printed no digits; those after the piece are the other section's.
            out[term.code] = Read([None] * len(cols), set(), toks[i], i, next=i + 1)
            cursor = i + 1
            continue
        read = out[term.code] = read_row(toks, i, end, term, len(cols), header, rows, area)
        if i in stacked:
            read.tokens, read.ambiguous, read.misfit = [None] * len(cols), set(range(len(cols))), None
        cursor = read.next if read.next is not None else cursor  # read_row sets it
    for n, term in enumerate(rows):
        if term.code in out:
            continue
        before = [r.next for t in rows[:n] if (r := out.get(t.code)) and r.next is not None]
        after = [r.index for t in rows[n + 1 :] if (r := out.get(t.code)) and r.index is not None]
        gap = (max(before, default=start), min(after, default=end))
        found = _fuzzy_label(toks, *gap, term, rows)
        if found is not None:
            i, score = found
            read = out[term.code] = read_row(toks, i, gap[1], term, len(cols), header, rows, area)
            read.fuzzy, read.printed = score, _printed_label(toks, i)
    for terms, gap in _unfound_runs(rows, out, start, end):
        labels = _scanned_row_labels(toks, *gap)
        if len(labels) != len(terms):
            continue
        scores = [max(similarity(key, term) for key in keys) for (_, keys), term in zip(labels, terms)]
        if min(scores) < MIN_RESEMBLANCE:
            continue
        for (i, _), term, score in zip(labels, terms, scores):
            read = out[term.code] = read_row(toks, i, gap[1], term, len(cols), header, rows, area)
            read.fuzzy, read.by_order, read.printed = score, True, _printed_label(toks, i)
    return out


def _printed_label(toks: list[Token], i: int) -> str:
    """The label at toks[i] as printed: a scanned row's text cells before its values, apart by
    " | " (a cut label, or a group's heading sharing the row); else the token's text."""
    if not scanned(toks[i]):
        return toks[i].norm
    first = i
    while first > 0 and toks[first - 1].row_id == toks[i].row_id and not toks[first - 1].is_value():
        first -= 1
    return " | ".join(t.norm for t in text_cells(toks, first) if t.norm)


def _unfound_runs(rows: list[Term], out: dict[str, Read], start: int, end: int):
    """Each run of rows not found, in template order, with the stream span between the rows
    found on either side of it."""
    run: list[Term] = []
    before = start
    for term in [*rows, None]:
        read = out.get(term.code) if term is not None else None
        if term is not None and read is None:
            run.append(term)
            continue
        if run:
            yield run, (before, read.index if read is not None and read.index is not None else end)
        run = []
        if read is not None and read.next is not None:
            before = read.next


def _scanned_row_labels(toks: list[Token], start: int, end: int) -> list[tuple[int, list[str]]]:
    """The label of each row with values in [start, end) of a scanned table's grid (explicit
    cells read by OCR): its last text cell before its values, and the keys it may print (that
    cell's text joined after the text cells before it in its row, one, two… of them: a 1-bit
    print's strokes can close into a ruling through a label, cutting it in cells, and a
    group's heading shares its first row). Where the recogniser garbled labels past matching,
    the grid's rows still print in the template's order, so rows found on either side of as
    many grid rows as template rows pair them in order. Empty where a row with values has no
    label cell, or the span holds a value outside a scanned grid."""
    by_row: dict[tuple[int, int], list[int]] = {}
    for i in range(start, end):
        tok = toks[i]
        if tok.row_id is None or not scanned(tok):
            if tok.is_value() and not tok.is_blank():
                return []  # a value outside the grid: its rows are not all the span's
            continue  # a heading line above the grid, a blank
        by_row.setdefault(tok.row_id, []).append(i)
    labels = []
    for ids in by_row.values():
        values = [n for n, i in enumerate(ids) if toks[i].is_value() and not toks[i].is_blank()]
        if not values:
            continue
        text = [i for i in ids[: values[0]] if toks[i].key]
        if not text:
            return []
        keys = ["".join(toks[i].key for i in text[n:]) for n in range(len(text))]
        labels.append((text[-1], keys))
    return labels


def _names_a_later_row(tok: Token, term: Term, rows: list[Term], captions: tuple[str, ...] = ()) -> bool:
    """Whether a dump's glued label piece goes on, after naming `term`, to name another of
    `rows` or one of the `captions`."""
    if not tok.glued:
        return False
    own = _label_end(tok.key, term)
    return own is not None and (
        any(t is not term and (e := _label_end(tok.key, t)) is not None and e > own for t in rows)
        or any(c in tok.key[own:] for c in captions)
    )


def _label_end(key: str, term: Term) -> int | None:
    """Where the last naming of `term` in `key` ends (None: `key` does not name it)."""
    if not term.matches(key):
        return None
    ends = [key.rfind(m) + len(m) for m in term.match if m in key]
    ends += [len(key) for e in term.exact if key.endswith(e)]
    return max(ends, default=None)


def read_row(
    toks,
    i: int,
    end: int,
    term: Term,
    n_cols: int,
    header=None,
    rows: tuple[Term, ...] | list[Term] = (),
    area: dict[int, int] | None = None,
) -> Read:
    """The row whose label is toks[i]: its values, after any wrapped rest of the label."""
    label = toks[i]
    first = i + 1
    # A label wrapped over lines ("（二）部分公开（区分处理的，只计这一情形，不" +
    # "计其他情形）") continues with pieces of its own or its group's text before the values;
    # a piece naming another of the `rows` ("3、其他", the group's word) is that row's label.
    while (
        first < end
        and _same_row(label, toks[first])
        and _continues(toks[first], term)
        and not any(r is not term and r.matches(toks[first].key) for r in rows)
    ):
        first += 1
    run, after = value_run(toks, first, end, label.row_id, header)
    if label.row_id is None and _label_cell_empty(run):
        # markitdown's PDF text (pdfminer.six) pulls a wrapped label out of its table: the
        # values stay a table row whose label cell is empty, printed before or after their
        # label as the page's text order has it. Which label is the row's is not shown.
        return Read([None] * n_cols, set(range(n_cols)), label, i, next=after)
    lead_cells = False
    if label.row_id is not None and area:
        values_from = area.get(label.row_id[0])
        run = in_value_area(run, values_from)
        lead_cells = values_from is not None and not label.explicit
    if (joined := continued(toks, run, after, n_cols)) is not None:
        run, after = joined
    read = fit(run, n_cols)
    read.label, read.index, read.next, read.lead_cells = label, i, after, lead_cells
    read.following = toks[after] if after < len(toks) else None
    return read


def _label_cell_empty(run: list[Token]) -> bool:
    """Whether `run` starts with a table row's first cell, empty: the row's label is not in it."""
    return bool(run) and run[0].row_id is not None and run[0].col == 0 and run[0].is_blank()


def _continues(tok: Token, term: Term) -> bool:
    """Whether `tok`, after a row's label in its row, goes on with the label: a piece of its
    text, or any text cell of a scanned grid's row before its values (a 1-bit print's strokes
    can close into a ruling through a label, cutting it in cells the recogniser garbles)."""
    return not tok.is_value() and (term.holds(tok.key) or scanned(tok))


def _fuzzy_label(toks, start: int, end: int, term: Term, rows: list[Term]) -> tuple[int, float] | None:
    """The token in [start, end) that best garbles `term` and no other row, if any. A group's
    heading ("（三）不予公开") is printed as the template words it, no garble: never a row's label."""
    best = None
    headings = {label_key(t.group) for t in rows if t.group}
    for i in range(start, end):
        tok = toks[i]
        if tok.is_value() or not tok.key or tok.key in headings or any(t.matches(tok.key) for t in rows):
            continue
        # A scanned row's label cut in cells by a ruling its strokes closed is also read whole;
        # the cell and the whole must not name different rows.
        keys = {tok.key, "".join(t.key for t in text_cells(toks, i, end))} if scanned(tok) else {tok.key}
        matches = [m for key in keys if (m := best_match(key, rows))]
        if matches and all(m[0] is term for m in matches):
            score = max(m[1] for m in matches)
            if best is None or score > best[1]:
                best = (i, score)
    return best


def store_rows(report: Report, runs: list[Run], section: Section, template: str, reads: dict[str, Read]) -> None:
    cols = section.columns_for(template)
    pair_blocks(
        reads,
        [r.code for r in section.rows_for(template)],
        lambda row: [(section.code, row, col.code) for col in cols],
        template,
    )
    place_by_columns(reads, len(cols))
    for term in section.rows_for(template):
        store_row(report, runs, section, term.code, cols, reads.get(term.code))


def place_by_columns(reads: dict[str, Read], n: int) -> None:
    """Rows of converted text printing fewer values than columns: each value in the column its
    place on the line is under, or its line after the label, as the section's full rows show
    the columns (columns.py)."""
    full = [r for r in reads.values() if r.misfit is None and r.label and None not in r.tokens]
    laid_out = [r.tokens for r in full if all(t and t.at for t in r.tokens)]
    by_lines = [(r.label, r.tokens, r.following) for r in full if _adjacent(r, n)]
    for r in reads.values():
        if not (r.misfit and len(r.misfit) < n and r.label):
            continue
        slots = place(r.misfit, laid_out, n)  # type: ignore[arg-type]
        by_position = slots is not None
        if slots is None and _adjacent(r, len(r.misfit)):
            slots = place_by_lines(r.label, r.misfit, r.following, by_lines, n)  # type: ignore[arg-type]
        if slots is not None:
            r.placed = Reading(tuple(slots), "column_position" if by_position else "cell_lines", "columns")


def _adjacent(r: Read, count: int) -> bool:
    """Whether the row's `count` values follow its label with nothing between (no wrapped rest)."""
    return r.index is not None and r.next == r.index + count + 1


def pair_blocks(reads: dict[str, Read], rows: list[str], keys, template: str) -> None:
    """Labels printed one after another with no values, then one run holding as many rows of
    values: the run is not the last label's alone; label_pairing.py says which row is whose.
    A run of another length after such labels may hold any of their values: which of them are
    the last label's is not known, so its cells are ambiguous."""
    found = sorted((r.index, code) for code, r in reads.items() if r.index is not None and r.label is not None)
    n = len(keys(rows[0]))
    block: list[str] = []
    for _, code in found:
        read = reads[code]
        if block and reads[block[-1]].next != read.index:
            block = []
        block.append(code)
        if read.misfit is None and all(t is None for t in read.tokens):
            continue  # a label with no values: the block goes on
        if len(block) > 1 and read.misfit and len(read.misfit) == n * len(block):
            own = list(equations(template, False)) + list(equations(template, True))
            cells = [key for c in block for key in keys(c)]
            choice = choose(cells, pairings(len(block), read.misfit), own, exhaustive(len(block)))
            for code_, (tokens, ambiguous) in zip(block, _rows_of(choice, n)):
                r = reads[code_]
                reads[code_] = Read(tokens, ambiguous, r.label, r.index, next=r.next)
        elif len(block) > 1 and read.misfit:
            reads[code] = Read([None] * n, set(range(n)), read.label, read.index, next=read.next)
        block = []


def _rows_of(block: Choice | Read, width: int) -> list[tuple[list[Token | None], set[int]]]:
    """A block's cells cut back into its rows of `width` cells: each row's tokens and ambiguous cells."""
    return [
        (block.tokens[r : r + width], {c - r for c in block.ambiguous if r <= c < r + width})
        for r in range(0, len(block.tokens), width)
    ]


def settle_row(runs: list[Run], read: Read | None, keys: list, template: str) -> Read | None:
    """A printed row's cells, as the chooser (chooser.py) settles the row's readings. Where the row
    prints as many values as columns, they are read in printed order (row_alignment.full_row).
    Otherwise the readings are, strongest evidence first: the values placed by where they are
    printed (columns.py), a cell spaced like thousands read as the two values a row one value
    short lacks, and every order-keeping alignment (row_alignment.alignments). One glued token of
    digits is run-together digits: added to `runs`, its cells wait, ambiguous, for the solver
    (digit_runs/resolve.py). Separated values are never re-split."""
    if read is None:
        return None
    own = equations(template, False) + equations(template, True)
    full = [t for t in read.tokens if t is not None] if read.misfit is None else []
    if len(full) == len(keys):  # as many values as columns, unless:
        if not (any(_run_together(t) for t in full) or full[-1].apart):
            filler = not read.lead_cells
            choice = choose(keys, full_row(full, filler), own)
            # A row the arithmetic sent back to its padding hypothesis is printed as the values without it.
            return Read(choice.tokens, choice.ambiguous, read.label, read.index, misfit=trimmed(full, lead=filler))
        read = _misfit(read, full)
    if not read.misfit:
        return read
    structure = [[r] for r in (read.placed, _spaced_thousands(read.misfit, len(keys))) if r is not None]
    if not structure and len(read.misfit) <= len(keys) and _one_glued_line(read.misfit):
        # Pieces of one line a crawler ran together, cut only where a sign or a unit stood:
        # the cuts are fixed boundaries (spaces in the run), the digits between them open.
        tail_apart = read.misfit[-1].apart
        if not (tail_apart and len(read.misfit) == 1 and " " not in read.misfit[0].norm.strip()):
            runs.append(Run(" ".join(t.norm for t in read.misfit), keys, optional_tail=tail_apart))
        # else: a lone number standing apart is all the row printed, or a page number in a row
        # that printed nothing: its cells stay ambiguous.
        return Read([None] * len(keys), set(range(len(keys))), read.label, read.index)
    choice = choose(keys, chain(structure, alignments(read.misfit, len(keys), not read.lead_cells)), own)
    return Read(choice.tokens, choice.ambiguous, read.label, read.index, misfit=read.misfit)


def _spaced_thousands(run: list[Token], n: int) -> Reading | None:
    """ "10 113" is 10113 spaced as thousands or two values: in a row one value short, two."""
    if len(run) >= n:
        return None
    # Each token a printed line of its own: text items (pdftohtml's), not a dump's line.
    lines = [t.printed_line for t in run]
    items = None not in lines and len(set(lines)) == len(lines)
    apart = tuple(piece for t in run for piece in thousands_apart(t, items))
    return Reading(apart, "spaced_thousands", "tokens") if len(apart) == n else None


def _misfit(read: Read, run: list[Token]) -> Read:
    return Read(
        [None] * len(read.tokens), set(), read.label, read.index, misfit=run, next=read.next, lead_cells=read.lead_cells
    )


def _run_together(tok: Token) -> bool:
    """A dump's digits with a leading zero ("012") are cells run together, never one number;
    so are a dump's piece's digits a space cuts ("3985758 12"): the space fixes a boundary.
    Only a crawler's dump glues cells (the page's text saved as one line: Pingtan 2021)."""
    return tok.glued and (LEADING_ZERO.match(tok.norm) is not None or (tok.in_table and " " in tok.norm))


def _one_glued_line(toks: list[Token]) -> bool:
    """Digits with no separator between cells: glued tokens, all from one printed line."""
    return (
        all(t.glued and (DIGIT_RUN.match(t.norm) or t.norm.isdigit()) for t in toks)
        and len({(t.prov.page, t.prov.line) if t.prov else None for t in toks}) == 1
    )


def store_row(
    report: Report, runs: list[Run], section: Section, row: str, cols: list[Term], read: Read | None, note=None
) -> None:
    """One printed row's cells: read, blank, ambiguous, or missing (read is None)."""
    if read and read.fuzzy is not None and read.label is not None:
        official = next(t.label for t in section.rows if t.code == row)
        printed = read.printed or read.label.norm
        zh, en = ("按表中行序读作", " by its place among the table's rows") if read.by_order else ("按", "")
        note = f"label matched fuzzily{en} ({read.fuzzy:.2f}): printed 「{printed}」"
        message = bilingual(
            f"印刷的行标签「{printed}」{zh}「{official}」{'' if read.by_order else '读取'}（相似度 {read.fuzzy:.2f}）",
            f"printed label 「{printed}」 read as 「{official}」{en} (similarity {read.fuzzy:.2f})",
        )
        report.findings.append(Finding("label_fuzzy", "warning", section.code, row, None, message))
    read = settle_row(runs, read, [(section.code, row, col.code) for col in cols], report.template)
    for c, col in enumerate(cols):
        cell = TemplateCell(section.code, row, col.code, note=note)
        tok = read.tokens[c] if read else None
        if read and c in read.ambiguous:
            cell.status, cell.raw = AMBIGUOUS, " / ".join(t.text for t in read.misfit or read.tokens if t) or None
            cell.prov = read.label.prov if read.label else None
        elif tok is not None:
            cell.value, cell.status = read_value(tok.text, col.kind)
            cell.raw, cell.prov, cell.confidence = tok.text, tok.prov, tok.confidence
            if cell.status == UNREADABLE and tok.norm.startswith("-") and col.kind == "count":
                cell.note = "a count printed negative: counts are never negative"
        elif read and read.label:
            cell.prov, cell.note = read.label.prov, f"row printed with fewer than {len(cols)} values"
        report.cells[cell.section, cell.row, cell.col] = cell


def extract_tables(report: Report, toks: list[Token], regions: Regions, vocab: Vocabulary) -> list[Run]:
    """Fill report.cells with every template cell of report.template; the digit runs whose cells
    wait for the solver (resolve_runs) are returned."""
    template = report.template
    runs: list[Run] = []
    for table in ("active", "requests", "appeals"):
        region = regions.tables.get(table)
        sections = vocab.sections_for(template, table)
        if region is None:  # rule table_missing says so; its cells stay NULL
            for section in sections:
                store_rows(report, runs, section, template, {})
            continue
        report.tables_found.add(table)
        reader = {"active": _read_active, "requests": _read_requests, "appeals": _read_appeals}[table]
        reader(report, runs, toks, region, sections, vocab)
    return runs


def _read_active(report, runs, toks, region, sections, vocab) -> None:
    start, end = region
    # A dump's glued piece may run from one section's row into the next section.
    table = (
        [r for s in sections for r in s.rows_for(report.template)],
        tuple(sorted({label_key(s.match[0]) for s in sections})),
    )
    table_cols = [c for s in sections for c in s.columns_for(report.template)]
    printed = captions(toks, sections, start, end)
    for n, section in enumerate(sections):
        # A section printed without its caption (行政处罚 straight after the （五） rows) is
        # looked for between the captions of the sections before and after it.
        earlier = [printed[s.code] for s in sections[:n] if s.code in printed]
        sub_start = printed.get(section.code, max(earlier, default=start))
        later = [i for i in printed.values() if i > sub_start]
        sub_end = min(later, default=end)
        cols = section.columns_for(report.template)
        store_rows(
            report,
            runs,
            section,
            report.template,
            read_rows(toks, sub_start, sub_end, section.rows_for(report.template), cols, table, table_cols=table_cols),
        )


def _read_requests(report, runs, toks, region, sections, vocab) -> None:
    (section,) = sections
    start, end = region
    template = report.template
    cols = section.columns_for(template)
    reads = read_rows(toks, start, end, section.rows_for(template), cols)
    store_rows(report, runs, section, template, reads)
    sub_rows = [r.code for r in section.rows_for(template) if r.code.startswith("other_")]
    if template == "2021" and not any(code in reads for code in sub_rows):
        rows = [r.code for r in section.rows_for(template)]
        found_before = [i for c in rows[: rows.index(sub_rows[0])] if c in reads and (i := reads[c].index) is not None]
        # The value columns as the table's header places them (the header lies before `start`).
        area = value_area(toks, start, end, cols, section.rows_for(template))
        _read_unitemized_other(report, runs, toks, max(found_before, default=start), end, section, cols, sub_rows, area)


def _read_unitemized_other(report, runs, toks, start, end, section, cols, sub_rows, area) -> None:
    # Some 2021 reports print （六）其他处理 as one row, the 2019 way. Its sub-rows
    # were not printed; the printed row is kept as row 'other'. Counts are never
    # negative, so where that row is 0 each sub-row is 0 too; elsewhere they stay NULL.
    other = next(r for r in section.rows if r.code == "other")
    reads = read_rows(toks, start + 1, end, [other], cols, area=area)
    if "other" not in reads:
        return
    store_row(
        report, runs, section, "other", cols, reads["other"], note="（六）其他处理 printed as one row in a 2021 table"
    )
    for code in sub_rows:
        for col in cols:
            cell = report.cells[section.code, code, col.code]
            if report.value(section.code, "other", col.code) == 0:
                cell.value, cell.status, cell.inferred = 0, READ, True
                cell.note = "not itemized: （六）其他处理 printed as one row, 0 here, so each of its sub-rows is 0"
            else:
                cell.note = "not itemized: （六）其他处理 printed as one row"
        if any(report.value(section.code, code, col.code) is None for col in cols):
            message = bilingual(
                "（六）其他处理印为一行，文档中没有 2021 年模板的各分项行",
                "（六）其他处理 is printed as one row; its 2021 sub-rows are not in the document",
            )
            report.findings.append(Finding("row_not_itemized", "warning", section.code, code, None, message))


def _read_appeals(report, runs, toks, region, sections, vocab) -> None:
    (section,) = sections
    start, end = region
    rows, cols = section.rows_for(report.template), section.columns_for(report.template)
    n = len(rows) * len(cols)
    # One printed row of 15 values: the run that can hold them all and has the
    # most numbers (a blank form's row is all blanks, its header rows are labels).
    best: list[Token] = []

    def rank(run: list[Token]) -> tuple[bool, int, int]:
        return len(run) >= n, sum(not t.is_blank() for t in run), -abs(len(run) - n)

    i = start
    while i < end:
        run, after = value_run(toks, i, end, toks[i].row_id)
        if (joined := continued(toks, run, after, n)) is not None:
            run, after = joined
        if run and (not best or rank(run) > rank(best)):
            best = run
        i = max(after, i + 1)
    read = fit(best, n) if best else Read([None] * n, set(), None)
    keys = [(section.code, r.code, c.code) for r in rows for c in cols]
    deferred = settle_row(runs, read, keys, report.template)
    assert deferred is not None  # a Read in, a Read out
    for term, (tokens, ambiguous) in zip(rows, _rows_of(deferred, len(cols))):
        store_row(report, runs, section, term.code, cols, Read(tokens, ambiguous, None))
