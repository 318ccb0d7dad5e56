"""The licence of the curated data, stated once: the downloads' workbook and the Data
Package name it. MIT (pyproject.toml) is the licence of the code, not of the data.
"""

from __future__ import annotations

DATA_LICENCE = "CC-BY-4.0"
"""Its SPDX identifier, as a Data Package names a licence."""
DATA_LICENCE_TITLE = "Creative Commons Attribution 4.0 International"
DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_SCOPE = ("The curated data are licensed under CC BY 4.0; quotations remain those of the "
                      "cited publications.")
