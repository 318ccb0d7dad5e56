"""Text that is safe to print: a value quoted in a message cannot move the cursor, recolour
the terminal or pass for another key."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"  # zero-width, bidi overrides, BOM
_UNSAFE_CHARS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_HIDDEN_CHARS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")  # the unsafe but tab, line feed
QUOTED_CHARS = 60


def printable(text: str) -> str:
    """``text`` with control and invisible characters escaped, so that a value quoted in a
    message cannot move the cursor, recolour the terminal or hide part of itself."""
    return _UNSAFE_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def clip(text: str, limit: int = QUOTED_CHARS, mark: str = "") -> str:
    """``text`` as a message cites a value given (between ``mark``s): whole when short, else its
    start and its length, so that a pasted column or a number of 5,000 digits does not flood
    the terminal."""
    if len(text) <= limit:
        return f"{mark}{text}{mark}"
    return f"{mark}{text[:limit]}…{mark} ({len(text):,} characters)"


def quoted(text: str) -> str:
    """``clip`` in quotes: ``'40.7'``, ``'9999…' (5,000 characters)``."""
    return clip(text, mark="'")


def hidden_character(text: str) -> str | None:
    """The first control or invisible character of ``text`` (a tab or a line break aside) as
    ``U+0007``: a value a curator pasted from a PDF or a terminal, which would print as
    something else or nothing; None for plain text."""
    found = _HIDDEN_CHARS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def lookalike_note(key: str) -> str | None:
    """For a key with non-ASCII letters ('vаlue' with a Cyrillic 'а'), a note naming them:
    such a key looks like a known field and is not one."""
    odd = sorted({ch for ch in key if not ch.isascii()})
    if not odd:
        return None
    names = ", ".join(f"'{printable(ch)}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in odd)
    return f"the key contains non-ASCII characters that look like letters: {names}"


def os_error_text(exc: OSError) -> str:
    """What went wrong and with which file, as a message says it: ``Permission denied (db/x.yaml)``."""
    return f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}"
