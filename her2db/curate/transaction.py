"""The transaction every curator edit ends in: under the corpus lock, the file's new text is
validated against the corpus (at the cost of its study where the database allows, in full
otherwise), refused if it adds an error, written atomically, and the database updated. The
database named is checked before anything is written; one that cannot be updated afterwards
is said, with the files written."""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..util.atomic import leftover_pattern, write_atomic
from ..util.lock import file_lock
from .corpus import Problem
from .fields import EditError
from .incremental import check_study_edit
from .yamlfile import Document

LOCK_FILE = ".her2db.lock"


@contextmanager
def corpus_lock(sources: Path) -> Iterator[None]:
    """One edit at a time on a corpus: read, validate, write and reload under an exclusive
    lock, so that two concurrent ``add`` commands both land instead of one overwriting the
    other's record."""
    if not sources.is_dir():
        raise EditError(f"sources folder {sources} does not exist", usage=True)
    with ExitStack() as held:
        try:
            held.enter_context(file_lock(sources / LOCK_FILE))
        except OSError as exc:  # a folder the user may read but not write, a lock that is not a file
            raise EditError(f"cannot lock the sources folder {sources} for the edit ({sources / LOCK_FILE}: "
                            f"{exc.strerror or exc}); an edit writes its files there") from exc
        yield


def _identity(problem: Problem) -> tuple[str, str, str]:
    return problem.file, problem.path, problem.message


def _refuse_added_errors(description: str, errors: list[Problem], had: Callable[[], list[Problem]]) -> None:
    """Refuse the edit if it adds an error: one of ``errors`` that is not among the errors the
    files had already (``had``, asked only when there are errors)."""
    if errors:
        before = {_identity(p) for p in had()}
        added = [p for p in errors if _identity(p) not in before]
        if added:
            raise EditError(f"{description}: refused, {len(added)} error(s); nothing was written", added)


@dataclass
class EditResult:
    path: Path
    description: str
    warnings: list[Problem]
    reloaded: str | None  # summary of the reload, or why it did not happen
    written: bool = True
    diff: str = ""  # a dry run: the lines the edit would change, as a unified diff of the file


def commit(sources: Path, rel: str, new_text: str, db_path: Path | None, description: str,
           dry_run: bool = False, focus: tuple[str, ...] = ("",), parsed: Document | None = None) -> EditResult:
    """Validate the corpus with ``new_text`` (``parsed``: as ``check_same`` parsed it) in place
    of ``rel``; write it and reload the database only if that adds no error. Warnings are those
    of the records whose path starts with one of ``focus``. Call with the corpus lock held. A
    study's edit against a database loaded from the files as they are is checked and loaded at
    the cost of that study alone (``incremental``)."""
    _check_database(db_path)
    fast = check_study_edit(sources, rel, new_text, db_path, parsed)
    if fast is not None and not fast.valid:
        # The rest of the corpus loaded without error, so the edit's errors are its study's, less
        # those the file has already (a duplicate study id is reported on the edited file, where
        # a full validation reports it on whichever of the two files it reads last).
        path = sources / rel

        def study_had() -> list[Problem]:
            current = check_study_edit(sources, rel, path.read_bytes().decode("utf-8", "replace"), db_path) \
                if path.is_file() else None  # (a file changed behind the lock no longer matches the database)
            return [p for p in current.problems if p.severity == "error"] if current else []

        _refuse_added_errors(description, [p for p in fast.problems if p.severity == "error"], study_had)
    if fast is not None and fast.valid:
        problems = fast.problems
    else:
        from .validate import validate  # here: an edit checked incrementally reads no other file

        fast = None
        report = validate(sources, overrides={rel: new_text})
        # errors anywhere: removing a drug breaks the studies that name it
        _refuse_added_errors(description, report.errors,
                             lambda: validate(sources).errors if (sources / rel).exists() else [])
        problems = report.problems
    warnings = [p for p in problems if p.severity == "warning" and p.file == rel
                and any(not f or p.path == f or p.path.startswith(f + " ›") for f in focus)]
    path = sources / rel
    if dry_run:
        old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
        diff = "".join(difflib.unified_diff(old, new_text.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))
        return EditResult(path, description, warnings, None, written=False, diff=diff)
    try:
        leftover = leftover_pattern(path)  # write_atomic's names: a file a user named alike is not ours
        for stale in path.parent.iterdir():  # left by an interrupted edit; we hold the lock
            if leftover.fullmatch(stale.name) and stale.is_file() and not stale.is_symlink():
                stale.unlink()
        write_atomic(path, new_text)
    except OSError as exc:  # a folder or file that takes no change: the file is as it was
        raise EditError(f"{description}: cannot write {path} ({exc.strerror or exc}); nothing was written") from exc
    try:
        try:
            updated = fast.apply() if fast is not None else None
        except sqlite3.Error:
            updated = None  # rolled back: the full load below updates the database or says why not
        return EditResult(path, description, warnings, updated or reload(sources, db_path))
    except KeyboardInterrupt:  # Ctrl-C once the file is written: the edit stands, the database rolled back
        return EditResult(path, description, warnings, "database not updated: interrupted (the files are "
                                                       "written; run `her2db load`)")


def _check_database(db_path: Path | None) -> None:
    """Refuse, before any file is written, a ``--db`` that names something a load would not
    replace (a file of another program, a folder, a link to nothing) or cannot make (a path
    under a file)."""
    if db_path is None:
        return
    from ..store.write import DatabasePathError, check_target

    try:
        check_target(db_path)
        folder = next((parent for parent in db_path.parents if parent.exists()), None)
        if folder is not None and not folder.is_dir():
            raise DatabasePathError(f"cannot write the database {db_path}: {folder} is a file, not a folder")
    except DatabasePathError as exc:
        raise EditError(f"{exc}; nothing was written", usage=True) from exc


def reload(sources: Path, db_path: Path | None) -> str | None:
    """Load the database from the files as they are now; what happened, or why it did not."""
    if db_path is None:
        return None
    from .load import DatabasePathError, LoadError, load

    try:
        result = load(sources, db_path)
    except (LoadError, DatabasePathError, sqlite3.Error) as exc:
        return f"database not reloaded: {exc} (the files are written; run `her2db load` once it can be)"
    return f"reloaded {db_path} ({result.counts['study']} studies)"
