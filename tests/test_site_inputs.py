"""Bad input to the site commands: a docs folder holding a pipe, a device or a broken link, a
configuration MkDocs refuses, a --dev-addr the server cannot listen on. Each is a clean,
located message and a non-zero exit, said before MkDocs runs or as MkDocs said it, and
nothing is written where it should not be."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sitebuild import FEW_STUDIES, copy_project

from her2db.cli import cli

UNBLOCK_AFTER = 30.0
"""Seconds after which a pipe the command should never open gets a writer, so that a command
that opened it after all ends (and fails its test) instead of hanging the suite."""


def _site(tmp_path: Path, config: Path, *args: str) -> Result:
    """``her2db site ARGS`` on the copied project, its database in tmp_path (outside db/)."""
    return CliRunner().invoke(cli, ["site", *args, "--config", str(config), "--sources", str(tmp_path / "db"),
                                    "--db", str(tmp_path / "her2db.sqlite")])


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@contextmanager
def _unblocked_after(fifo: Path, seconds: float) -> Iterator[list[Path]]:
    """Should the command open ``fifo`` after all, a writer opens and closes it after
    ``seconds``: the reader then sees its end instead of hanging the suite, and the list this
    yields names the pipe, for the test to fail on."""
    opened: list[Path] = []

    def release() -> None:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            opened.append(fifo)
        except OSError:
            pass  # no reader waiting on it: nothing to release

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield opened
    finally:
        timer.cancel()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device_link(path: Path) -> None:
    path.symlink_to("/dev/null")  # a device a regression reads to its end, rather than /dev/zero's none


def _broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "gone.md")


STREAM = "is not a plain file (a pipe, a socket or a device)"


@pytest.mark.parametrize(("command", "make", "why"), [
    (["build"], _fifo, STREAM),
    (["build"], _device_link, STREAM),
    (["build"], _broken_link, "cannot be read: No such file or directory"),
    (["serve", "--dev-addr", "127.0.0.1:0"], _fifo, STREAM),
], ids=["build-fifo", "build-device-link", "build-broken-link", "serve-fifo"])
def test_a_docs_file_that_is_no_plain_file_stops_the_site_unopened(
        tmp_path: Path, command: list[str], make: Callable[[Path], None], why: str) -> None:
    """The build digests every file of the docs folder and MkDocs reads them: a pipe there hung
    both for ever (a link to /dev/zero spun), so each is refused by name before either opens it."""
    config = copy_project(tmp_path, FEW_STUDIES)
    odd = tmp_path / "site" / "odd.md"
    make(odd)
    with _unblocked_after(odd, UNBLOCK_AFTER) as opened:
        result = _site(tmp_path, config, *command)
    assert opened == []
    assert result.exit_code == 1, result.output
    assert f"Error: {odd} {why}: a site build reads every file of the docs folder" in result.output
    assert "Traceback" not in result.output and "failed (exit" not in result.output
    assert not (tmp_path / "public").exists()
    assert os.path.lexists(odd)


@pytest.mark.parametrize("site_folder", ["new", "empty"])
def test_a_configuration_mkdocs_refuses_writes_nothing(tmp_path: Path, site_folder: str) -> None:
    """`--config db/sources.yaml` (no site_name): MkDocs refuses it, and no site folder or
    marker is left in the curated folder; an empty site folder stays empty."""
    copy_project(tmp_path, FEW_STUDIES)
    wrong = tmp_path / "db" / "sources.yaml"
    if site_folder == "empty":
        (tmp_path / "db" / "site").mkdir()
    before = _files(tmp_path / "db"), sorted(p.name for p in (tmp_path / "db").rglob("*"))
    result = _site(tmp_path, wrong, "build")
    assert result.exit_code == 1, result.output
    assert "mkdocs build failed" in result.output and "'site_name': Required configuration" in result.output
    assert "Traceback" not in result.output
    assert (_files(tmp_path / "db"), sorted(p.name for p in (tmp_path / "db").rglob("*"))) == before


@contextmanager
def _held_port() -> Iterator[int]:
    """A port of 127.0.0.1 that a listening socket holds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.mark.parametrize(("address", "message"), [
    ("127.0.0.1:99999", "127.0.0.1:99999: the port must be a number from 0 to 65535"),
    ("127.0.0.1:-5", "127.0.0.1:-5: the port must be a number from 0 to 65535"),
    ("127.0.0.1:8x", "127.0.0.1:8x: the port must be a number from 0 to 65535"),
    ("nonsense", "'nonsense' is not HOST:PORT (e.g. 127.0.0.1:8000)"),
    (":8000", "':8000' is not HOST:PORT (e.g. 127.0.0.1:8000)"),
    ("example.org:8000", "example.org:8000: the host must be an IP address or localhost"),
    ("192.0.2.1:8000", "192.0.2.1:8000: cannot listen there: Cannot assign requested address"),
    ("127.0.0.1:{held}", "127.0.0.1:{held}: cannot listen there: Address already in use"),
])
def test_serve_refuses_an_address_it_cannot_listen_on_before_building(
        tmp_path: Path, address: str, message: str) -> None:
    """MkDocs built the whole site, then failed to bind with a traceback (Errno 98, 99, or an
    OverflowError for the port): the address is now checked first, a usage error, and nothing
    runs (no reload of the database, no build)."""
    config = copy_project(tmp_path, FEW_STUDIES)
    with _held_port() as held:
        result = _site(tmp_path, config, "serve", "--dev-addr", address.format(held=held))
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for '--dev-addr': {message.format(held=held)}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "public").exists() and not (tmp_path / "her2db.sqlite").exists()


def test_a_first_build_killed_half_way_does_not_block_the_next(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is marked as a build's before MkDocs writes into it: a build killed once
    MkDocs wrote some pages (the her2db process gone, MkDocs perhaps still writing) leaves a
    folder the next build may empty, not one it refuses as the user's."""
    from her2db.publish import build

    config = copy_project(tmp_path, FEW_STUDIES)
    site_dir = tmp_path / "public"
    marked_before: list[bool] = []

    def killed(command: list[str], cfg: object, env: object, what: str) -> None:
        marked_before.append((site_dir / build.SITE_MARKER).is_file())  # a SIGKILL runs no cleanup after
        (site_dir / "index.html").write_text("half a site\n", encoding="utf-8")  # what MkDocs wrote so far
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_run", killed)
    assert _site(tmp_path, config, "build").exit_code != 0
    assert marked_before == [True]
    ran: list[str] = []

    def builds(command: list[str], cfg: object, env: object, what: str) -> None:  # MkDocs, in a blink
        ran.append(what)
        (site_dir / "index.html").write_text("the whole site\n", encoding="utf-8")

    monkeypatch.setattr(build, "_run", builds)
    result = _site(tmp_path, config, "build")
    assert result.exit_code == 0, result.output
    assert ran == ["mkdocs build"] and (site_dir / build.SITE_MARKER).is_file()


def test_a_database_path_that_is_a_pipe_is_refused_unopened(tmp_path: Path) -> None:
    """`site build --db PIPE` waited for a writer for ever while reading the database's stamp."""
    config = copy_project(tmp_path, FEW_STUDIES)
    pipe = tmp_path / "her2db.sqlite"
    os.mkfifo(pipe)
    with _unblocked_after(pipe, UNBLOCK_AFTER) as opened:
        result = _site(tmp_path, config, "build")
    assert opened == []
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"{pipe} is not a file; refusing to replace it with a database" in result.output
    assert not (tmp_path / "public").exists()


def test_deploy_refuses_a_pipe_in_the_docs_folder_before_mike_runs(tmp_path: Path) -> None:
    """mike's MkDocs hung on it, after the release had been cut; now nothing is cut."""
    import subprocess

    config = copy_project(tmp_path, FEW_STUDIES)
    for args in (["init", "-q"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit",
                                  "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    odd = tmp_path / "site" / "odd.md"
    os.mkfifo(odd)
    before = _files(tmp_path / "db")
    with _unblocked_after(odd, UNBLOCK_AFTER) as opened:
        result = _site(tmp_path, config, "deploy", "dev")
    assert opened == []
    assert result.exit_code == 1, result.output
    assert f"Error: {odd} {STREAM}: a site build reads every file of the docs folder" in result.output
    assert _files(tmp_path / "db") == before and not (tmp_path / "public").exists()
