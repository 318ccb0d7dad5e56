"""The prebuilt validators validate as pydantic does, and stand aside when out of date."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from her2db_testing import ROOT
from pydantic import ValidationError

from her2db.curate.yamlfile import read_document
from her2db.model import curated, prebuilt
from her2db.model.numbers import Printed

STUDIES = sorted((ROOT / "db" / "studies").glob("*.yaml"))


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of ``validators.json`` the test may spoil, read afresh."""
    copy_path = tmp_path / "validators.json"
    copy_path.write_text(prebuilt.VALIDATORS_JSON.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(prebuilt, "VALIDATORS_JSON", copy_path)
    _forget()
    yield copy_path
    _forget()


def _forget() -> None:
    prebuilt._current.cache_clear()
    prebuilt._validator.cache_clear()


def _prebuilt() -> list[str]:
    """The models that have a prebuilt validator."""
    return [model.__name__ for model in prebuilt.file_models() if prebuilt._validator(model.__name__)]


def _errors(model: type[Any], data: Any, prebuilt_too: bool) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        prebuilt.validate(model, data) if prebuilt_too else model.model_validate(data)
    return caught.value.errors(include_url=False)


def test_every_file_model_is_prebuilt(fresh: Path) -> None:
    assert _prebuilt() == [m.__name__ for m in prebuilt.file_models()]
    assert {"StudyFile", "SourcesFile", "ReleasesFile"} <= set(_prebuilt())


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.stem)
def test_a_study_validates_to_the_same_model(fresh: Path, path: Path) -> None:
    data = read_document(path).data
    ours = prebuilt.validate(curated.StudyFile, data)
    assert type(ours) is curated.StudyFile and all(type(r) is curated.ArmResult for r in ours.results)
    assert ours == curated.StudyFile.model_validate(data)
    assert ours.model_fields_set == curated.StudyFile.model_validate(data).model_fields_set


def test_bad_data_gets_pydantic_s_own_errors(fresh: Path) -> None:
    data = read_document(ROOT / "db" / "studies" / "cleopatra.yaml").data
    bad = copy.deepcopy(data)
    bad["results"][0]["value"] = "a lot"  # a number that is not one: our own validating function
    bad["results"][1]["arm"] = 3
    bad["arms"][0]["colour"] = "blue"  # extra fields are forbidden
    bad["kind"] = "trial"  # not in the vocabulary
    del bad["title"]
    got = _errors(curated.StudyFile, bad, prebuilt_too=True)
    assert got == _errors(curated.StudyFile, bad, prebuilt_too=False)
    assert {("results", 0, "value"), ("results", 1, "arm"), ("arms", 0, "colour"), ("kind",), ("title",)} \
        <= {error["loc"] for error in got}


def test_an_edited_model_module_sets_the_file_aside(fresh: Path) -> None:
    record = json.loads(fresh.read_text(encoding="utf-8"))
    record["modules"]["her2db.model.curated"] = "0" * 64  # as if curated.py changed since `her2db schema`
    fresh.write_text(json.dumps(record), encoding="utf-8")
    assert _prebuilt() == []
    data = read_document(ROOT / "db" / "studies" / "cleopatra.yaml").data
    assert prebuilt.validate(curated.StudyFile, data) == curated.StudyFile.model_validate(data)


@pytest.mark.parametrize("spoil", [
    lambda r: r.update(pydantic_core="0.0.1"),
    lambda r: r.update(pydantic="2.0.0"),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "her2db.model.curated:BaseModel"}),
    lambda r: r.update(format="something else"),
    lambda r: r["modules"].update({"os": "0" * 64}),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "her2db.model.curated:nothing_here"}),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "builtins:eval"}),
    lambda r: r["models"]["StudyFile"].update(type="no such schema"),
], ids=["other pydantic-core", "other pydantic", "a module the schema module imports", "other format", "a module outside the package", "a name not in the module",
        "a builtin other than list and dict", "a schema pydantic-core refuses"])
def test_a_spoilt_file_is_not_used(fresh: Path, spoil: Any) -> None:
    record = json.loads(fresh.read_text(encoding="utf-8"))
    spoil(record)
    fresh.write_text(json.dumps(record), encoding="utf-8")
    assert "StudyFile" not in _prebuilt()
    data = read_document(ROOT / "db" / "studies" / "cleopatra.yaml").data
    assert prebuilt.validate(curated.StudyFile, data) == curated.StudyFile.model_validate(data)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": 1}'])
def test_an_unreadable_file_is_not_used(fresh: Path, text: str) -> None:
    fresh.write_text(text, encoding="utf-8")
    assert _prebuilt() == []


def test_an_object_without_a_name_cannot_be_prebuilt() -> None:
    with pytest.raises(TypeError, match="cannot name"):
        prebuilt._encode({"type": "function-plain", "function": lambda value: value}, {})


def test_two_definitions_of_one_name_cannot_be_prebuilt() -> None:
    with pytest.raises(TypeError, match="two definitions named a.B"):
        prebuilt._encode({"ref": "a.B:1", "schema": {"ref": "a.B:2"}}, {})


def test_every_form_of_import_is_followed_into_the_digests() -> None:
    """A change to any model module the schema reads sets the file aside, however it is
    imported: registry.py has ``from . import curated`` and ``from .numbers import Printed``."""
    assert {"her2db.model.curated", "her2db.model.numbers", "her2db.model.dates"} <= \
        set(prebuilt._module_names("her2db.model.registry"))
    assert set(json.loads(prebuilt.VALIDATORS_JSON.read_text(encoding="utf-8"))["modules"]) == \
        set(prebuilt._module_names())


def test_the_check_compares_schemas_not_versions() -> None:
    """A new pydantic that generates the same schemas leaves the committed file current (CI
    does not turn red on a release); any other difference does not."""
    text = prebuilt.VALIDATORS_JSON.read_text(encoding="utf-8")
    record = json.loads(text)
    assert prebuilt.same_schemas(text, json.dumps({**record, "pydantic": "9.9.9", "pydantic_core": "9.9.9"}))
    record["models"]["StudyFile"]["schema"]["fields"].pop("title")
    assert not prebuilt.same_schemas(text, json.dumps(record)) and not prebuilt.same_schemas(text, "not json")


@pytest.mark.parametrize("value", [{"type": "default", "default": Printed(95.0, "95.0")},
                                   {"type": "x", "$object": "her2db.model.curated:os"}],
                         ids=["a subclass of float", "a dict that looks like a reference"])
def test_what_json_cannot_hold_faithfully_cannot_be_prebuilt(value: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        prebuilt._encode(value, {})
