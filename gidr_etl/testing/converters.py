"""The converter zoo: what real tools make of real reports, read back and scored against gold.

Researchers hold what a converter made of a report more often than the file an agency
published (issue 21). Each converter below is one a user runs: poppler's pdftotext and
pdftohtml, pdfminer.six, PyMuPDF, pymupdf4llm, pypdfium2, markitdown, pandoc (the
pypandoc-binary wheel), LibreOffice, docx2txt, mammoth, html2text, w3m, lynx, Chromium's
print to PDF and wkhtmltopdf. A converter that is not installed is left out with its reason, never an error.

Inputs are the real documents (sample_inputs/ with tests/gold/realdocs/) and the seeds rendered
as HTML, DOCX and PDF (LibreOffice from the DOCX). Renderings and conversions are cached by
content hash under $GIDR_ETL_CONVERTER_CACHE (default ~/.cache/gidr-etl/converters), so a test
run pays for each conversion once per machine; the reading and scoring is always done anew.
A PDF's key holds the fonts fontconfig offers (fonts()): LibreOffice, Chromium and wkhtmltopdf
lay its pages out with them, so a machine with other CJK fonts makes (and tests) other PDFs.

Used by bench/converters.py (the converter × file table) and tests/test_converters.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from gidr_etl.formats import soffice
from gidr_etl.testing import layout, render
from gidr_etl.testing.seeds import SEEDS, gold, same_value

# The suffixes a converter writes and gidr-etl reads.
PDF, DOCX, HTML, TXT, MD = ".pdf", ".docx", ".html", ".txt", ".md"
TIMEOUT = 180  # seconds a converter may take on one report (LibreOffice's start is most of it)


def cache_dir() -> Path:
    return Path(os.environ.get("GIDR_ETL_CONVERTER_CACHE") or Path.home() / ".cache" / "gidr-etl" / "converters")


# ------------------------------------------------------------------ the converters


@dataclass(frozen=True)
class Converter:
    """One tool in one mode: `run(src, out)` writes `out` (suffix `gives`) from `src`."""

    name: str
    takes: tuple[str, ...]
    gives: str
    run: Callable[[Path, Path], None]
    needs: tuple[str, ...] = ()  # executables on PATH or importable modules ("py:fitz")

    def missing(self) -> str | None:
        """Why this converter cannot run here (None: it can)."""
        for need in self.needs:
            if need.startswith("py:"):
                if importlib.util.find_spec(need[3:]) is None:
                    return f"Python module {need[3:]} is not installed"
            elif _which(need) is None:
                return f"{need} is not installed"
        return None


def _which(name: str) -> str | None:
    if name == "soffice":
        return soffice.find_soffice()
    if name == "pandoc":
        return _pandoc()
    return shutil.which(name)


def _pandoc() -> str | None:
    # The pypandoc-binary wheel ships pandoc itself; a system pandoc serves as well.
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        return shutil.which("pandoc")


def _command(*args: str, stdout: Path | None = None) -> None:
    with open(stdout, "wb") if stdout else open(os.devnull, "wb") as out:
        subprocess.run(args, stdout=out, stderr=subprocess.PIPE, check=True, timeout=TIMEOUT)


def _write(out: Path, text: str) -> None:
    out.write_text(text, "utf-8")


def _pdftotext(*mode: str) -> Callable[[Path, Path], None]:
    return lambda src, out: _command("pdftotext", *mode, "-enc", "UTF-8", str(src), str(out))


def _pdftohtml(src: Path, out: Path) -> None:
    # -s -noframes: one page for the document; -i: no images. It writes <out stem>.html itself.
    _command("pdftohtml", "-s", "-i", "-noframes", "-enc", "UTF-8", "-q", str(src), str(out.with_suffix("")))
    made = out.with_suffix("").with_name(out.stem + ".html")
    if made != out:
        made.rename(out)


def _pdfminer(src: Path, out: Path) -> None:
    from pdfminer.high_level import extract_text

    _write(out, extract_text(str(src)))


def _pymupdf(src: Path, out: Path) -> None:
    import pymupdf

    with pymupdf.open(str(src)) as doc:
        _write(out, "".join(page.get_text() for page in doc))


def _pymupdf4llm(src: Path, out: Path) -> None:
    import pymupdf4llm

    _write(out, pymupdf4llm.to_markdown(str(src), show_progress=False))


def _pypdfium2(src: Path, out: Path) -> None:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(src))
    try:
        _write(out, "\n".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()


def _markitdown(src: Path, out: Path) -> None:
    from markitdown import MarkItDown

    _write(out, MarkItDown(enable_plugins=False).convert(str(src)).text_content)


def _pandoc_to(to: str) -> Callable[[Path, Path], None]:
    def run(src: Path, out: Path) -> None:
        pandoc = _pandoc()
        assert pandoc is not None
        _command(pandoc, str(src), "-t", to, "-o", str(out))

    return run


def _soffice_to(to: str, infilter: str | None = None) -> Callable[[Path, Path], None]:
    def run(src: Path, out: Path) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.move(str(soffice.convert(src, to, Path(tmp), TIMEOUT, infilter)), out)

    return run


def _docx2txt(src: Path, out: Path) -> None:
    import docx2txt

    _write(out, docx2txt.process(str(src)))


def _mammoth(src: Path, out: Path) -> None:
    import mammoth

    with open(src, "rb") as f:
        body = mammoth.convert_to_html(f).value
    _write(out, f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>\n')


def _html2text(src: Path, out: Path) -> None:
    import html2text

    from gidr_etl.text.encoding import decode

    _write(out, html2text.html2text(decode(src.read_bytes())[0]))


# w3m and lynx as a user runs them: their default 80 columns, so long cells wrap.
def _w3m(src: Path, out: Path) -> None:
    _command("w3m", "-dump", "-O", "UTF-8", "-T", "text/html", str(src), stdout=out)


def _lynx(src: Path, out: Path) -> None:
    _command("lynx", "-dump", "-nolist", "-display_charset=utf-8", str(src), stdout=out)


def _chromium(src: Path, out: Path) -> None:
    # Chromium's print keeps its default header and footer (print date, title, file:// address).
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    with tempfile.TemporaryDirectory() as profile:
        _command(
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={out}",
            src.resolve().as_uri(),
        )


def _wkhtmltopdf(src: Path, out: Path) -> None:
    # Debian's build (unpatched Qt) prints no header or footer; its PDFs map many ideographs to
    # CJK radicals (⼈⺠ for 人民), as PDFs in the wild do.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run(
        ["wkhtmltopdf", "-q", str(src), str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
        timeout=TIMEOUT,
    )


CONVERTERS: tuple[Converter, ...] = (
    Converter("pdftotext-layout", (PDF,), TXT, _pdftotext("-layout"), ("pdftotext",)),
    Converter("pdftotext-raw", (PDF,), TXT, _pdftotext("-raw"), ("pdftotext",)),
    Converter("pdftotext", (PDF,), TXT, _pdftotext(), ("pdftotext",)),
    Converter("pdftohtml", (PDF,), HTML, _pdftohtml, ("pdftohtml",)),
    Converter("pdfminer", (PDF,), TXT, _pdfminer, ("py:pdfminer",)),
    Converter("pymupdf", (PDF,), TXT, _pymupdf, ("py:pymupdf",)),
    Converter("pymupdf4llm", (PDF,), MD, _pymupdf4llm, ("py:pymupdf4llm",)),
    Converter("pypdfium2", (PDF,), TXT, _pypdfium2, ("py:pypdfium2",)),
    Converter("markitdown", (PDF, DOCX, HTML), MD, _markitdown, ("py:markitdown",)),
    Converter("pandoc-gfm", (DOCX, HTML), MD, _pandoc_to("gfm"), ("pandoc",)),
    Converter("pandoc-plain", (DOCX, HTML), TXT, _pandoc_to("plain"), ("pandoc",)),
    Converter("pandoc-docx", (HTML,), DOCX, _pandoc_to("docx"), ("pandoc",)),
    # txt:Text (encoded):UTF8 writes UTF-8 whatever the locale.
    Converter("soffice-txt", (DOCX,), TXT, _soffice_to("txt:Text (encoded):UTF8"), ("soffice",)),
    Converter("soffice-html", (DOCX,), HTML, _soffice_to("html"), ("soffice",)),
    # An HTML page opens in Writer/Web, which has no DOCX export: open it in Writer.
    Converter("soffice-docx", (HTML,), DOCX, _soffice_to("docx:MS Word 2007 XML", "HTML (StarWriter)"), ("soffice",)),
    Converter("docx2txt", (DOCX,), TXT, _docx2txt, ("py:docx2txt",)),
    Converter("mammoth", (DOCX,), HTML, _mammoth, ("py:mammoth",)),
    Converter("html2text", (HTML,), MD, _html2text, ("py:html2text",)),
    Converter("w3m", (HTML,), TXT, _w3m, ("w3m",)),
    Converter("lynx", (HTML,), TXT, _lynx, ("lynx",)),
    Converter("chromium-pdf", (HTML,), PDF, _chromium, ("chromium",)),
    Converter("wkhtmltopdf", (HTML,), PDF, _wkhtmltopdf, ("wkhtmltopdf",)),
)


def by_name(name: str) -> Converter:
    return next(c for c in CONVERTERS if c.name == name)


# ------------------------------------------------------------------ the inputs


@dataclass(frozen=True)
class Source:
    """A document given to the converters: its file and its gold."""

    name: str  # "hongze_district_gov_2023.pdf", "000_2d55a32003931e6c.html"
    path: Path
    gold: dict = field(compare=False, hash=False)


def real_documents(samples: Path, golds: Path) -> list[Source]:
    """The real documents a converter takes (PDF, DOCX, HTML) that have a gold in `golds`."""
    out = []
    for path in sorted(golds.glob("*.json")):
        g = json.loads(path.read_text("utf-8"))
        for name in g["source"] if isinstance(g["source"], list) else [g["source"]]:
            doc = samples / name
            if doc.suffix.lower() in (PDF, DOCX, HTML) and doc.exists():
                out.append(Source(name, doc, g))
    return out


@cache
def fonts() -> str:
    """The fonts a rendering can use, as fontconfig lists them (files and families), and the
    fontconfig file chosen (FONTCONFIG_FILE, scripts/with-fonts): its rules pick among them."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}|%{family}\n"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""  # no fontconfig: LibreOffice and Chromium do not render either
    return "\n".join(sorted(set(listed.splitlines()))) + "\n" + os.environ.get("FONTCONFIG_FILE", "")


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:24]


def _cached(key: str, name: str, make: Callable[[Path], object]) -> Path:
    """cache/<key>/<name>, made once by make(path) (written aside first, so a crash leaves nothing)."""
    final = cache_dir() / key / name
    if final.exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent) as tmp:
        made = Path(tmp) / name
        make(made)
        made.replace(final)
    return final


def seed_renderings(seeds: Iterable[str] = SEEDS, kinds: tuple[str, ...] = (HTML, DOCX, PDF)) -> list[Source]:
    """Each seed as HTML, DOCX and (LibreOffice from the DOCX) PDF, cached by what they render from.

    python-docx stamps the time into the DOCX's zip, so the rendering is keyed by its inputs
    (the gold and the renderer's source), not by its bytes.
    """
    code = inspect.getsource(render) + inspect.getsource(layout)
    out = []
    seeds = list(seeds)
    if PDF in kinds and soffice.find_soffice() is not None:
        _seed_pdfs(seeds, code)
    for seed in seeds:
        g = gold(seed)
        key = "render-" + _digest(json.dumps(g, sort_keys=True), code)
        if HTML in kinds:
            html = _cached(key, f"{seed}.html", partial(render.write_html, seed))
            out.append(Source(html.name, html, g))
        if DOCX in kinds or PDF in kinds:
            docx = _cached(key, f"{seed}.docx", partial(render.render_docx, seed))
            out += [Source(docx.name, docx, g)] if DOCX in kinds else []
            if PDF in kinds and soffice.find_soffice() is not None:
                pdf = _cached(_pdf_key(g, code), f"{seed}.pdf", partial(_soffice_to("pdf"), docx))
                out.append(Source(pdf.name, pdf, g))
    return out


def _pdf_key(g: dict, code: str) -> str:
    return "render-" + _digest(json.dumps(g, sort_keys=True), code, fonts())


def _seed_pdfs(seeds: list[str], code: str) -> None:
    """Put the seeds' PDFs not yet cached into the cache, made in one LibreOffice run (its
    start-up is most of a seed's conversion, seconds each)."""
    missing = [seed for seed in seeds if not (cache_dir() / _pdf_key(gold(seed), code) / f"{seed}.pdf").exists()]
    if len(missing) < 2:
        return  # one seed: seed_renderings converts it alone
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        docxs = [render.render_docx(seed, Path(tmp) / f"{seed}.docx") for seed in missing]
        for seed, pdf in zip(missing, soffice.convert_many(docxs, "pdf", Path(tmp), TIMEOUT)):
            final = cache_dir() / _pdf_key(gold(seed), code) / f"{seed}.pdf"
            final.parent.mkdir(parents=True, exist_ok=True)
            pdf.replace(final)


# ------------------------------------------------------------------ converting


@dataclass
class Output:
    """What one converter made of one source (path None: it failed, `error` says why)."""

    converter: str
    source: Source
    path: Path | None
    error: str | None = None


def _definition(run: Callable) -> str:
    """What a converter runs (its code and the options it closes over): a change makes a new key."""
    try:
        code = inspect.getsource(run)
    except (OSError, TypeError):
        code = repr(run)
    cells = getattr(run, "__closure__", None) or ()
    return code + repr([_definition(c.cell_contents) if callable(c.cell_contents) else c.cell_contents for c in cells])


def convert(conv: Converter, src: Source) -> Output:
    """`src` through `conv`, cached by the converter and the source's bytes."""
    laid_out = (fonts(),) if conv.gives == PDF else ()  # a PDF's pages are laid out in the fonts at hand
    key = conv.name + "-" + _digest(conv.name, _definition(conv.run), src.path.read_bytes(), *laid_out)
    name = f"{Path(src.name).stem}.{src.path.suffix.lstrip('.')}.{conv.name}{conv.gives}"
    try:
        return Output(conv.name, src, _cached(key, name, lambda out: conv.run(src.path, out)))
    except subprocess.CalledProcessError as exc:
        said = exc.stderr.decode("utf-8", "replace").strip().splitlines() if exc.stderr else []
        return Output(conv.name, src, None, f"{conv.name} exited {exc.returncode}: {said[-1] if said else ''}")
    except Exception as exc:  # a converter's own failure is a row of the table, not a crash
        return Output(conv.name, src, None, f"{conv.name} failed: {type(exc).__name__}: {exc}"[:300])


def available(names: Iterable[str] | None = None) -> tuple[list[Converter], dict[str, str]]:
    """The converters that run here, and why each other one does not."""
    wanted = [c for c in CONVERTERS if names is None or c.name in set(names)]
    missing = {c.name: why for c in wanted if (why := c.missing())}
    return [c for c in wanted if c.name not in missing], missing


def outputs(sources: list[Source], converters: list[Converter]) -> Iterator[Output]:
    """Every converter over every source it takes."""
    for conv in converters:
        for src in sources:
            if src.path.suffix.lower() in conv.takes:
                yield convert(conv, src)


# ------------------------------------------------------------------ reading and scoring


@dataclass
class Score:
    """One output read by gidr-etl and scored like tests/gidr_score.py."""

    output: Output
    cells: int = 0
    right: int = 0
    values: int = 0  # cells whose gold is a printed number (the rest are NULL in gold)
    values_right: int = 0
    wrong: list[tuple[str, str, str, object, object]] = field(default_factory=list)  # (s, r, c, want, got)
    missed: int = 0
    meta: int = 0
    meta_right: int = 0
    meta_wrong: list[str] = field(default_factory=list)
    error: str | None = None


META_KEYS = ("agency", "year", "template", "publish_date", "index_no")


def score(out: Output) -> Score:
    """The output read as gidr-etl reads a file (the format its name chooses), against its gold."""
    from gidr_etl.core import build_report
    from gidr_etl.errors import ExtractionError
    from gidr_etl.formats.choice import read_document

    g = out.source.gold
    scored = [c for c in g["cells"] if c[3] != "?"]
    result = Score(out, cells=len(scored), values=sum(c[3] is not None for c in scored))
    if out.path is None:
        result.error = out.error
        result.missed = sum(c[3] is not None for c in scored)
        result.right = len(scored) - result.missed
        return result
    try:
        doc, _ = read_document(out.path, out.path.read_bytes()[:4096], out.path.stat().st_size)
        report = build_report(doc)
    except ExtractionError as exc:
        result.error = str(exc)
        result.missed = sum(c[3] is not None for c in scored)
        result.right = len(scored) - result.missed
        return result
    for s, r, c, want in scored:
        got = report.value(s, r, c)
        if same_value(want, got):
            result.right += 1
            result.values_right += want is not None
        elif got is None:
            result.missed += 1
        else:
            result.wrong.append((s, r, c, want, got))
    md = report.metadata
    for key in META_KEYS:
        expect = g["metadata"].get(key)
        if expect is None:
            continue
        have = report.template if key == "template" else getattr(md, key, None)
        result.meta += 1
        if any(same_value(have, o) for o in (expect if isinstance(expect, list) else [expect])):
            result.meta_right += 1
        else:
            result.meta_wrong.append(f"{key}={have!r} (want {expect!r})")
    return result
