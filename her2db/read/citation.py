"""How to cite a release of her2db and the publications its numbers came from, as BibTeX, RIS
and CSL-JSON: the files the site offers for each release and each study (``publish/citefiles``).

A source is cited with what ``db/sources.yaml`` holds and nothing more: its citation text as
the title, its year, and a DOI or PMID only where the curators checked one; no author or
journal is made up from the text. The release names the data licence (``model/licence.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..model.licence import DATA_LICENCE_URL, licence_statement
from ..model.project import AUTHOR, TITLE

FORMATS = {"bibtex": ".bib", "ris": ".ris", "csl": ".csl.json"}
# what kind of work a source is, in CSL and RIS terms
CSL_TYPES = {"article": "article-journal", "review": "article-journal", "congress abstract": "paper-conference",
             "registry record": "webpage"}
RIS_TYPES = {"article": "JOUR", "review": "JOUR", "congress abstract": "ABST", "registry record": "ELEC"}
_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_~^])")
_BIBTEX_WORDS = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


@dataclass
class Work:
    """One thing to cite: a release of her2db or a publication."""

    key: str
    title: str
    csl_type: str
    ris_type: str
    year: int | None = None
    date: str | None = None  # YYYY-MM-DD
    version: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)  # organisations, cited as written
    publisher: str | None = None
    note: str | None = None
    licence: str | None = None


def release_work(release: dict[str, Any] | None, base_url: str | None = None) -> Work:
    """her2db at ``release`` (a row of ``named.releases``); None: the unreleased working copy."""
    version = release["version"] if release else None
    date = release["date"] if release else None
    return Work(key=f"her2db-{version or 'dev'}", title=TITLE, csl_type="dataset", ris_type="DATA",
                year=int(date[:4]) if date else None, date=date, version=version or "working copy",
                doi=(release or {}).get("doi"), url=base_url, authors=[AUTHOR], publisher=AUTHOR,
                note=licence_statement(), licence=DATA_LICENCE_URL)


def source_work(source: dict[str, Any]) -> Work:
    """A publication of ``db/sources.yaml`` (a row of ``named.sources``)."""
    return Work(key=source["source_id"], title=source["citation"], csl_type=CSL_TYPES.get(source["kind"], "document"),
                ris_type=RIS_TYPES.get(source["kind"], "GEN"), year=source.get("year"), doi=source.get("doi"),
                pmid=str(source["pmid"]) if source.get("pmid") else None, url=source.get("url"),
                note=source["kind"])


def _bibtex_text(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_WORDS.get(m.group(1), "\\" + m.group(1)), " ".join(text.split()))


def bibtex(works: list[Work]) -> str:
    """BibTeX entries: a release as ``@misc`` with its version and licence, a publication as
    ``@misc`` titled with its citation (its parts are not known apart)."""
    entries = []
    for w in works:
        fields = [("title", "{" + _bibtex_text(w.title) + "}")]
        fields += [("author", "{" + _bibtex_text(a) + "}") for a in w.authors[:1]]
        fields += [(name, _bibtex_text(str(value))) for name, value in (
            ("year", w.year), ("version", w.version), ("publisher", w.publisher), ("doi", w.doi),
            ("pmid", w.pmid), ("url", w.url), ("note", w.note))
            if value]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{w.key},\n{body}\n}}\n")
    return "\n".join(entries)


def ris(works: list[Work]) -> str:
    """RIS records (``TY`` first, ``ER`` last)."""
    records = []
    for w in works:
        lines = [("TY", w.ris_type), ("TI", w.title)]
        lines += [("AU", a) for a in w.authors]
        lines += [(tag, str(value)) for tag, value in (
            ("PY", w.year), ("DA", w.date and w.date.replace("-", "/")), ("ET", w.version), ("PB", w.publisher),
            ("DO", w.doi), ("AN", w.pmid and f"PMID: {w.pmid}"), ("UR", w.url), ("N1", w.note)) if value]
        lines.append(("ER", ""))
        records.append("".join(f"{tag}  - {' '.join(value.split())}".rstrip() + "\n" for tag, value in lines))
    return "\n".join(records)


def csl(works: list[Work]) -> list[dict[str, Any]]:
    """CSL-JSON items, as reference managers and citeproc read them."""
    items = []
    for w in works:
        item: dict[str, Any] = {"id": w.key, "type": w.csl_type, "title": w.title}
        if w.authors:
            item["author"] = [{"literal": a} for a in w.authors]
        if w.date:
            item["issued"] = {"date-parts": [[int(part) for part in w.date.split("-")]]}
        elif w.year:
            item["issued"] = {"date-parts": [[w.year]]}
        for key, value in (("version", w.version), ("publisher", w.publisher), ("DOI", w.doi), ("PMID", w.pmid),
                           ("URL", w.url), ("note", w.note), ("license", w.licence)):
            if value:
                item[key] = value
        items.append(item)
    return items


def texts(works: list[Work]) -> dict[str, str]:
    """The three files' texts, by format."""
    return {"bibtex": bibtex(works), "ris": ris(works),
            "csl": json.dumps(csl(works), indent=2, ensure_ascii=False) + "\n"}
