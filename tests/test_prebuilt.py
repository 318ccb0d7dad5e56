"""``validators.json`` is written from the models faithfully, or not at all (model/prebuilt.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from her2db.model import prebuilt
from her2db.model.numbers import Printed


def test_an_object_without_a_name_cannot_be_prebuilt() -> None:
    with pytest.raises(TypeError, match="cannot name"):
        prebuilt._encode({"type": "function-plain", "function": lambda value: value}, {})


def test_two_definitions_of_one_name_cannot_be_prebuilt() -> None:
    with pytest.raises(TypeError, match="two definitions named a.B"):
        prebuilt._encode({"ref": "a.B:1", "schema": {"ref": "a.B:2"}}, {})


def test_every_form_of_import_is_followed_into_the_digests() -> None:
    """A change to any model module the schema reads sets the file aside, however it is
    imported: facts.py has ``from . import curated`` and ``from .numbers import Printed``."""
    assert {"her2db.model.curated", "her2db.model.numbers", "her2db.model.dates", "her2db.model.values"} <= \
        set(prebuilt._module_names("her2db.model.facts"))
    assert set(json.loads(prebuilt.VALIDATORS_JSON.read_text(encoding="utf-8"))["modules"]) == \
        set(prebuilt._module_names())


def test_the_check_compares_schemas_not_versions() -> None:
    """A new pydantic that generates the same schemas leaves the committed file current (CI
    does not turn red on a release); any other difference does not."""
    text = prebuilt.VALIDATORS_JSON.read_text(encoding="utf-8")
    record = json.loads(text)
    assert prebuilt.same_schemas(text, json.dumps({**record, "pydantic": "9.9.9", "pydantic_core": "9.9.9"}))
    changed = json.loads(text)
    changed["models"]["StudyFile"]["schema"]["fields"].pop("title")
    described = json.loads(text)
    described["fields"]["ArmResult"][0][5] = "another description"
    assert not prebuilt.same_schemas(text, json.dumps(changed)) and not prebuilt.same_schemas(text, "not json")
    assert not prebuilt.same_schemas(text, json.dumps(described))


@pytest.mark.parametrize("value", [{"type": "default", "default": Printed(95.0, "95.0")},
                                   {"type": "x", "$object": "her2db.model.curated:os"}],
                         ids=["a subclass of float", "a dict that looks like a reference"])
def test_what_json_cannot_hold_faithfully_cannot_be_prebuilt(value: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        prebuilt._encode(value, {})
