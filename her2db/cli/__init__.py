"""The ``her2db`` command line: one click group, each command a thin call into the package.

The commands live in one module per group (data, query, curate, release, site) and are
registered here. Exit codes: 0 ok, 1 data errors (the curated sources or the database are
wrong), 2 usage errors (click's own, and bad arguments).
"""

from __future__ import annotations

import errno
import gc
import importlib
import os

import click

# pydantic looks for plugins in every installed package's metadata the first time a model is
# built: a scan of site-packages on every command that reads the curated files. her2db's models
# take no plugins; a user who wants them sets the variable to the plugins' names.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from .. import __version__

COMMAND_MODULES = {
    **dict.fromkeys(("load", "validate", "coverage", "schema"), "data"),
    **dict.fromkeys(("query", "studies", "show"), "query"),
    **dict.fromkeys(("add", "new-study", "set", "remove", "rename", "import-csv"), "curate"),
    **dict.fromkeys(("check", "todo"), "review"),
    **dict.fromkeys(("export", "diff", "release"), "release"),
    "site": "site",
}
"""Each command's module (``cli/<module>.py``, whose ``COMMANDS`` holds it): a command imports
its module only when it runs (``--help`` imports them all), so ``her2db query`` does not pay for
building the curator commands' options. tests/test_cli.py checks this against the modules."""

FEWER_COLLECTIONS = frozenset(("load", "validate", "query", "studies", "show", "add", "new-study", "set",
                               "remove", "rename", "import-csv", "check", "todo"))
"""Commands the console script runs with Python's cycle collector looking a hundred times less
often (``COLLECTION_THRESHOLDS``). Reading the curated files makes some hundred thousand
objects, and at its default thresholds the collector traverses them again and again as they
accumulate: about 12 ms of an edit's 0.21 s, 7% of a load of 1,000 studies. It still runs: a
study that fails the shape check can leave reference cycles behind (with pydantic's models, a
throwaway class for each salvaged field), and with the collector off a validation of 800 such
studies peaked at 2.95 GB instead of 114 MB; at these thresholds, 175 MB (100 MB with the
plain record classes of ``model/classes.py``).
The other commands (the site's MkDocs, exports, releases) keep Python's defaults."""
COLLECTION_THRESHOLDS = (100_000, 10, 100)
_DEFAULT_THRESHOLDS = gc.get_threshold()


class _Commands(click.Group):
    """The top-level group, importing a command's module only when the command is asked for;
    it refuses arguments that are not UTF-8 text before any command sees them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python carries undecodable bytes of the command line as lone surrogates, which no
        # file, database or terminal can take
        for arg in args:
            if any("\udc80" <= char <= "\udcff" for char in arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise click.UsageError(f"the argument '{shown}' is not UTF-8 text: retype it, or save the "
                                       "file or terminal it came from as UTF-8", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """An input or output error no command expected (a full disk under the output, a
        terminal gone, a file that fails to read) is said in one line; a reader that stops
        reading (``| head``) is click's to handle."""
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            from ..util.terminal import os_error_text

            if _in_output(exc):
                raise click.ClickException(f"cannot write the output: {exc.strerror or exc}") from exc
            raise click.ClickException(os_error_text(exc)) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in FEWER_COLLECTIONS:
            gc.set_threshold(*_DEFAULT_THRESHOLDS)  # `main` raised them: this command may make many cycles
        if cmd_name not in COMMAND_MODULES:
            return None
        module = importlib.import_module(f"{__name__}.{COMMAND_MODULES[cmd_name]}")
        return next(command for command in module.COMMANDS if command.name == cmd_name)


def _in_output(exc: OSError) -> bool:
    """Whether ``exc`` was raised writing the command's output: the innermost frame is click's
    ``echo`` (every command prints through it)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_globals.get("__name__") == "click.utils" \
        and tb.tb_frame.f_code.co_name == "echo"


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="her2db")
def cli() -> None:
    """her2db: the evidence database for HER2-positive metastatic breast cancer.

    Curated YAML in db/ is validated and loaded into db/her2db.sqlite (or PostgreSQL with
    --database-url); analysts query the public views (v_studies, v_arm_results,
    v_comparisons, v_adverse_events, v_characteristics, v_populations, v_analyses,
    v_study_endpoints, v_study_field_basis, v_sources, v_reports, v_mcbs), documented on the site's
    Data model page.

    \b
    Example:
        her2db load && her2db query "select * from v_comparisons where endpoint = 'PFS'"
    """


def main() -> None:
    """The ``her2db`` console script: ``cli``, its collector at ``COLLECTION_THRESHOLDS``
    unless the command is not one of ``FEWER_COLLECTIONS``."""
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    cli()
