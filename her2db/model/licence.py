"""The licence of the curated data, stated once: the downloads' workbook, the Data Package, the
FHIR bundle, the citation files (BibTeX, RIS, CSL-JSON), the feed and the Downloads page name it,
and a test checks that CITATION.cff and .zenodo.json say the same. MIT (pyproject.toml) is the
licence of the code, not of the data.
"""

from __future__ import annotations

DATA_LICENCE = "CC-BY-4.0"
"""Its SPDX identifier, as a Data Package names a licence."""
DATA_LICENCE_NAME = "CC BY 4.0"
DATA_LICENCE_TITLE = "Creative Commons Attribution 4.0 International"
DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_NOTE = "quotations remain those of the cited publications"


def licence_statement(link: bool = False) -> str:
    """The licence in a sentence; ``link``: its name as a Markdown link."""
    name = f"[{DATA_LICENCE_NAME}]({DATA_LICENCE_URL})" if link else f"{DATA_LICENCE_NAME} ({DATA_LICENCE_URL})"
    return f"The curated data are licensed under {name}, {DATA_LICENCE_TITLE}; {DATA_LICENCE_NOTE}."
