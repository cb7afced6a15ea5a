"""Finding the files to ingest under the given paths, and what each one's content is (SHA-256)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path


def absolute(path: Path) -> Path:
    """`path` as the database keeps it, whatever folder the command ran from and however the
    path is spelt ('in', './in/', '/data//x/../in'): absolute and normalised, so that one file
    is one files row and --prune compares like with like. The folders on the way are resolved
    (symlinks too: one folder reached two ways is one place); a file named on the command line
    keeps its own name, a symlink's included, as a file found in a folder does."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        return path.resolve()
    return path.parent.resolve() / path.name


def discover(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Files under `paths`, sorted; an entry that cannot be read as (path, reason)."""
    for root in paths:
        if root.is_dir():
            yield from _walk(root, frozenset({_folder_id(root)}))
        else:
            yield root


def _folder_id(path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _walk(folder: Path, above: frozenset) -> Iterator[Path | tuple[Path, str]]:
    # Symlinked folders are followed (an archive may link others in); one leading back
    # to a folder above it is a loop: reported, not followed.
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot read folder: {exc.strerror or exc}"
        return
    folders: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    for entry in entries:
        (folders if _is_dir(entry) else files).append(entry)
    yield from (Path(e.path) for e in files)
    for entry in folders:
        try:
            key = _folder_id(entry.path)
        except OSError as exc:  # gone or changed since it was listed
            yield Path(entry.path), f"cannot read folder: {exc.strerror or exc}"
            continue
        if key in above:
            yield Path(entry.path), "symlink loop: leads back to a folder above it"
        else:
            yield from _walk(Path(entry.path), above | {key})


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a broken or looping link is a file that cannot be read
        return False


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# What a path that is not a regular file is, for its error (a pipe would block a read).
NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFDIR: "a folder",
}


def regular_file(path: Path) -> os.stat_result:
    """The file's stat; OSError when it is not a regular file that can be read."""
    st = path.stat()
    kind = NOT_REGULAR.get(stat.S_IFMT(st.st_mode))
    if kind:
        raise OSError(f"not a regular file ({kind})")
    return st


def display_path(path: str | Path) -> str:
    """A path as text: its bytes read as UTF-8, any byte that is not shown as \\xNN.

    A file name may be any bytes (a GBK name copied from Windows); stored and printed
    as text it must not stop the batch. `os.fsencode` of the original string gives the
    exact bytes back, which the files table keeps beside it (path_bytes).
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")
