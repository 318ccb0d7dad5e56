"""What her2db is called and who publishes it, stated once: the citation files of the site
(``read/citation.py``), the FHIR bundle, ``CITATION.cff`` and ``.zenodo.json`` (a test checks
those two against this module) all name it so. The data licence is ``licence.py``'s.
"""

from __future__ import annotations

TITLE = "her2db: a structured evidence database for HER2-positive metastatic breast cancer"
AUTHOR = "her2db maintainers"
"""The publisher, named as an organisation: no person is named who has not asked to be."""
DESCRIPTION = ("Curated results, comparisons and adverse events of the trials and real-world studies of "
               "HER2-positive metastatic breast cancer, every number as its source printed it, with the "
               "source and the place it was read.")
SITE_URL_ENV = "HER2DB_SITE_URL"
"""The variable naming the published site's address: mkdocs.yml's site_url, and the links of the
FHIR bundle's records to their pages."""
KEYWORDS = ("HER2-positive breast cancer", "metastatic breast cancer", "evidence database",
            "clinical trials", "real-world evidence", "FHIR")
