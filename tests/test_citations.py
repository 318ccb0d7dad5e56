"""Citing her2db: CITATION.cff and .zenodo.json (checked against the CFF 1.2.0 format and the
project's one declaration of title, publisher and licence), the BibTeX, RIS and CSL-JSON files
the site offers for each release and study (parsed and rendered back), the release DOI, and the
one data licence carried everywhere."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
import yaml
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from click.testing import CliRunner
from sitebuild import Built

from her2db.cli import cli
from her2db.model import project
from her2db.model.licence import DATA_LICENCE, DATA_LICENCE_NAME, DATA_LICENCE_URL, licence_statement
from her2db.publish import render

ROOT = Path(__file__).resolve().parent.parent
# the keys of CFF 1.2.0 (https://citation-file-format.github.io, schema version 1.2.0)
CFF_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
            "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
            "repository-artifact", "repository-code", "title", "type", "url", "version"}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
CFF_WHEELS = Path(sys.prefix) / "cffconvert"  # `make test-deps` downloads the wheel there
CFF_SCHEMA = "cffconvert/schemas/1.2.0/schema.json"


def _sources() -> list[dict[str, object]]:
    return yaml.safe_load((ROOT / "db" / "sources.yaml").read_text(encoding="utf-8"))["sources"]


def test_citation_cff_is_cff_1_2_0_and_says_what_the_project_declares() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert set(cff) <= CFF_KEYS, set(cff) - CFF_KEYS
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"]
    assert cff["type"] in ("software", "dataset")
    assert cff["authors"] and all(isinstance(a, dict) and ("name" in a or "family-names" in a) for a in cff["authors"])
    assert cff["authors"] == [{"name": project.AUTHOR}]
    assert cff["title"] == project.TITLE
    assert cff["keywords"] == list(project.KEYWORDS)
    assert cff["license"] == DATA_LICENCE and cff["license-url"] == DATA_LICENCE_URL
    assert DATA_LICENCE_NAME in cff["message"] and "quotations remain those of the cited publications" in cff["message"]
    if "doi" in cff:
        assert DOI.match(cff["doi"])
    if "version" in cff:  # a recorded release
        releases = yaml.safe_load((ROOT / "db" / "releases.yaml").read_text(encoding="utf-8"))["releases"]
        assert cff["version"] in [r["version"] for r in releases]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))


def test_citation_cff_passes_the_official_cff_1_2_0_schema() -> None:
    """The schema the CFF project publishes (as the cffconvert wheel ships it), not our reading
    of it; a file the schema refuses is refused here too."""
    wheels = sorted(CFF_WHEELS.glob("cffconvert-*.whl"))
    if not wheels:
        pytest.skip(f"the CFF schema is not downloaded: run `make test-deps` (it puts the cffconvert wheel in {CFF_WHEELS})")
    schema = json.loads(zipfile.ZipFile(wheels[-1]).read(CFF_SCHEMA))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    # YAML dates stay text, as cffconvert reads them for its schema
    cff = yaml.load((ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert [e.message for e in validator.iter_errors(cff)] == []
    broken = {**cff, "license": "not-a-licence"}
    assert list(validator.iter_errors(broken)), "the schema must refuse an unknown licence"


def test_zenodo_metadata_names_the_licence_and_the_checked_dois_of_the_sources() -> None:
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["upload_type"] == "dataset"
    assert zenodo["license"] == DATA_LICENCE.lower()  # Zenodo's licence ids are lower case
    assert zenodo["title"] == project.TITLE
    assert zenodo["creators"] == [{"name": project.AUTHOR}]
    assert zenodo["keywords"] == list(project.KEYWORDS)
    assert DATA_LICENCE_NAME in zenodo["description"]
    related = zenodo["related_identifiers"]
    assert all(r["scheme"] == "doi" and r["relation"] == "isDerivedFrom" for r in related)
    # only identifiers the sources file carries, i.e. those marked checked, and all of them
    assert [r["identifier"] for r in related] == [s["doi"] for s in _sources() if s.get("doi")]


# CSL 1.0.2's "license" variable is newer than citeproc-py, which renders without it
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_the_site_offers_each_release_and_study_citation_in_three_formats(built: Built) -> None:
    studies = [r["study_id"] for r in built.query("SELECT id AS study_id FROM study ORDER BY id")]
    releases = [r["version"] for r in built.query("SELECT version FROM release ORDER BY version DESC")]
    cite = built.public / "cite"
    names = [f"her2db-{releases[0]}" if releases else "her2db-dev", *studies]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # bundled with citeproc-py
    for name in names:
        bib = bibtexparser.parse_string((cite / f"{name}.bib").read_text(encoding="utf-8"))
        assert not bib.failed_blocks and bib.entries
        ris = rispy.loads((cite / f"{name}.ris").read_text(encoding="utf-8"))
        items = json.loads((cite / f"{name}.csl.json").read_text(encoding="utf-8"))
        assert len(bib.entries) == len(ris) == len(items)
        release, *publications = items
        assert release["type"] == "dataset" and release["title"] == project.TITLE
        assert release["license"] == DATA_LICENCE_URL and release["note"] == licence_statement()
        assert DATA_LICENCE_URL in bib.entries[0]["note"] and ris[0]["type_of_reference"] == "DATA"
        assert DATA_LICENCE_URL in " ".join(ris[0]["notes"])
        for entry, record, item in zip(bib.entries[1:], ris[1:], publications, strict=True):
            source = built.query("SELECT * FROM source WHERE id = ?", item["id"])[0]
            assert item["title"] == record["title"] == source["citation"].strip()
            assert item.get("DOI") == record.get("doi") == source["doi"]  # only a checked DOI
            assert entry.key == item["id"]
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        rendered = [str(b) for b in bibliography.bibliography()]
        assert len(rendered) == len(items) and any(project.AUTHOR in r for r in rendered)
    page = built.page("studies/cleopatra")
    assert ("a", "../../cite/cleopatra.bib") in page.links and ("a", "../../cite/cleopatra.csl.json") in page.links
    home = built.page("")
    assert any(url.endswith(f"cite/{names[0]}.ris") for _, url in home.links)


def test_the_one_licence_is_stated_alike_everywhere(built: Built, tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["export", "--format", "datapackage", "--db", str(built.db), str(tmp_path / "dp")])
    assert result.exit_code == 0, result.output
    package = json.loads((tmp_path / "dp" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == DATA_LICENCE and package["licenses"][0]["path"] == DATA_LICENCE_URL
    bundle = json.loads((built.public / "downloads" / "her2db-dev.fhir.json").read_text(encoding="utf-8"))
    release = bundle["entry"][0]["resource"]
    assert release["copyright"] == licence_statement() and release["copyrightLabel"] == DATA_LICENCE_NAME
    assert licence_statement() in (built.public / "releases.atom").read_text(encoding="utf-8")
    downloads = built.page("downloads")
    assert ("a", DATA_LICENCE_URL) in downloads.links and "quotations remain those of the cited publications" \
        in downloads.text
    assert json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))["license"] == DATA_LICENCE.lower()
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["license"] == DATA_LICENCE


def _releases_corpus(corpus: Path, entry: str) -> Path:
    (corpus / "releases.yaml").write_text(f"# Releases.\nreleases:\n{entry}", encoding="utf-8")
    return corpus


def test_bad_release_metadata_is_a_located_error_and_nothing_is_written(corpus: Path, runner: CliRunner) -> None:
    good = '  - {version: "2026.12", date: "2026-12-01", studies: 1, results: 3, comparisons: 2, adverse_events: 2}\n'
    db = corpus / "her2db.sqlite"
    assert runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    bad = ('  - version: "2026.13"\n    date: "2026-02-30"\n    studies: 1\n    results: 3\n    comparisons: 2\n'
           '    adverse_events: 2\n    doi: https://doi.org/10.5281/zenodo.1\n')
    _releases_corpus(corpus, good + bad)
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "releases.yaml:4: error: releases › releases[1] › version" in result.output
    assert "a release version YYYY.MM with a month from 01 to 12" in result.output
    assert "releases.yaml:5: error: releases › releases[1] › date: input should be a date written YYYY-MM-DD " \
           "that exists" in result.output
    assert "releases.yaml:10: error: releases › releases[1] › doi" in result.output
    assert "without https://doi.org/" in result.output
    assert db.read_bytes() == before  # the database was not touched


def test_the_releases_page_shows_a_recorded_doi_and_the_release_citations() -> None:
    releases = [{"version": "2026.12", "date": "2026-12-01", "studies": 1, "results": 3, "comparisons": 2,
                 "adverse_events": 2, "notes": None, "changes_since": None, "doi": "10.5281/zenodo.1234567",
                 "changes": {"removed": [], "added": [], "changed": []}}]
    text = render.render("releases.md", releases=releases, root="", html_root="../", cited={}, others={},
                         cite_of=lambda r: {"bibtex": f"cite/her2db-{r['version']}.bib",
                                            "ris": f"cite/her2db-{r['version']}.ris",
                                            "csl": f"cite/her2db-{r['version']}.csl.json"})
    assert 'DOI: <a href="https://doi.org/10.5281/zenodo.1234567">10.5281/zenodo.1234567</a>' in text
    assert "[BibTeX](cite/her2db-2026.12.bib)" in text
    del releases[0]["doi"]
    assert "DOI:" not in render.render("releases.md", releases=[{**releases[0], "doi": None}], root="",
                                       html_root="../", cited={}, others={}, cite_of=lambda r: {
                                           "bibtex": "a.bib", "ris": "a.ris", "csl": "a.json"})
