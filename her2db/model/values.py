"""What a curated value may be, for code that reads records without the pydantic models:
the patterns of ids, shared constants, and the two validating functions the stored validators
call (``model/classes.py``). Light on purpose (pydantic-core only when a value is refused)."""

from __future__ import annotations

from typing import Any

from .dates import is_iso_date
from .numbers import NotANumber, Printed, parse

# Identifiers that become parts of file names and URLs (pages, figures, downloads) must never
# hold '/', '..', spaces or control characters; ``files.safe_child`` enforces the same when
# writing. AE terms are words ('interstitial lung disease/pneumonitis'): a writer that names a
# file after one slugifies it and goes through ``files.safe_child``.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ENDPOINT_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"
AE_TERM_PATTERN = r"^[a-z0-9]+([ /-][a-z0-9]+)*$"
RELEASE_VERSION_PATTERN = r"^\d{4}\.(0[1-9]|1[0-2])(\.\d+)?$"  # YYYY.MM, a month that exists
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"  # a bare DOI (10.5281/zenodo.123), not a URL

RATIO_MEASURES = ("HR", "OR", "RR")
REVIEW_FIELDS = ("checked_by", "checked_on")
"""Set by ``her2db check`` (a second curator's mark), cleared by any change: never given to ``add``."""
PERCENT_UNIT = "%"


def printed(raw: Any) -> Printed:
    """A number as the source prints it (``numbers.parse``), or pydantic's error saying why not."""
    try:
        return parse(raw)
    except NotANumber as exc:
        from .validator_core import PydanticCustomError  # only for a refused value

        raise PydanticCustomError("float_parsing", "input should be {expected}",
                                  {"expected": str(exc)}) from exc


def iso_date(text: str) -> str:
    """A date written YYYY-MM-DD that exists, or pydantic's error saying so."""
    if is_iso_date(text):
        return text
    from .validator_core import PydanticCustomError

    raise PydanticCustomError("date_format", "input should be a date written YYYY-MM-DD that exists, e.g. 2026-12-01")
