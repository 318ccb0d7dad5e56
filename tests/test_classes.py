"""The records a run holds (model/classes.py): plain classes that validate as pydantic's models
do, without importing pydantic; pydantic's own models when validators.json is out of date."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from her2db_testing import ROOT
from pydantic_core import ValidationError

from her2db.curate.yamlfile import read_document
from her2db.model import classes, curated, facts
from her2db.model.numbers import Printed

STUDIES = sorted((ROOT / "db" / "studies").glob("*.yaml"))
CLEOPATRA = ROOT / "db" / "studies" / "cleopatra.yaml"


def _tree(value: Any) -> Any:
    """A record as (model name, fields set, {field: value}), all the way down, with each
    printed number's text: what must be the same whichever classes validated it."""
    if isinstance(value, list):
        return [_tree(item) for item in value]
    if isinstance(value, dict):
        return {key: _tree(item) for key, item in value.items()}
    if isinstance(value, Printed):
        return ("Printed", float(value), value.text)
    if hasattr(value, "__pydantic_fields_set__"):
        return (type(value).__name__, sorted(value.__pydantic_fields_set__),
                {key: _tree(item) for key, item in value.__dict__.items()})
    return (type(value).__name__, value)


def _errors(model: type[Any], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        classes.validate(model, data) if model.__module__ == classes.__name__ else model.model_validate(data)
    return caught.value.errors(include_url=False)


def test_the_committed_file_gives_plain_classes_for_every_model() -> None:
    assert classes._models().schemas, "validators.json is out of date: run `her2db schema`"
    assert set(classes._models().classes) == set(facts.model_classes())
    assert classes.StudyFile.__module__ == classes.__name__ and classes.StudyFile is not curated.StudyFile
    assert issubclass(classes.ArmResult, classes.Provenance) and issubclass(classes.Provenance, classes.Record)


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.stem)
def test_a_study_validates_to_what_pydantic_gives(path: Path) -> None:
    data = read_document(path).data
    ours = classes.validate(classes.StudyFile, data)
    assert all(type(r) is classes.ArmResult for r in ours.results)
    assert _tree(ours) == _tree(curated.StudyFile.model_validate(data))
    assert ours == classes.validate(classes.StudyFile, copy.deepcopy(data)) and list(ours)[0] == ("id", ours.id)


def test_bad_data_gets_pydantic_s_own_errors() -> None:
    bad = copy.deepcopy(read_document(CLEOPATRA).data)
    bad["results"][0]["value"] = "a lot"  # a number that is not one: our own validating function
    bad["results"][1]["arm"] = 3
    bad["arms"][0]["colour"] = "blue"  # extra fields are forbidden
    bad["kind"] = "trial"  # not in the vocabulary
    bad["analyses"][0]["checked_on"] = "2026-02-30"  # no such day: the other validating function
    del bad["title"]
    got = _errors(classes.StudyFile, bad)
    assert got == _errors(curated.StudyFile, bad)
    assert {("results", 0, "value"), ("results", 1, "arm"), ("arms", 0, "colour"), ("kind",), ("title",),
            ("analyses", 0, "checked_on")} <= {error["loc"] for error in got}


def test_a_record_of_a_file_validates_alone_as_its_model_does() -> None:
    """What a file with errors keeps of its valid records is validated one record at a time."""
    result = read_document(CLEOPATRA).data["results"][0]
    assert _tree(classes.validate(classes.ArmResult, result)) == _tree(curated.ArmResult.model_validate(result))
    assert _errors(classes.ArmResult, {**result, "n": -1}) == _errors(curated.ArmResult, {**result, "n": -1})
    source = {"id": "x", "kind": "article", "citation": "A. 2026.", "year": 2026}
    assert _tree(classes.validate(classes.Source, source)) == _tree(curated.Source.model_validate(source))


def test_a_record_made_of_what_is_left_has_the_defaults_pydantic_gives() -> None:
    ours = classes.construct(classes.StudyFile, id="x")
    theirs = curated.StudyFile.model_construct(id="x")
    assert _tree(ours) == _tree(theirs)
    assert ours.results == [] and ours.results is not classes.construct(classes.StudyFile).results


def test_stored_field_facts_are_read_from_the_models() -> None:
    for name, model in facts.model_classes().items():
        assert classes.fields(getattr(classes, name)) == tuple(classes.Field(*f) for f in facts.fields_of(model))
    drug = {f.name: f for f in classes.fields(classes.DrugTerm)}["drug_class"]
    assert drug.alias == "class" and drug.choices and "ADC" in drug.choices
    assert {f.name for f in classes.fields(classes.ArmResult) if f.printed} >= {"value", "ci_low", "ci_high"}
    assert classes.fields(dict) == ()


@pytest.mark.parametrize("spoil", [
    lambda r: r.update(pydantic_core="0.0.1"),
    lambda r: r.update(pydantic="2.0.0"),
    lambda r: r["modules"].update({"her2db.model.values": "0" * 64}),
    lambda r: r.update(format="something else"),
    lambda r: r["modules"].update({"os": "0" * 64}),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "her2db.model.numbers:nothing_here"}),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "her2db.model.numbers:Decimal"}),
    lambda r: r["models"]["StudyFile"].update(cls={"$object": "builtins:eval"}),
    lambda r: r["classes"].update(Strict="NoSuchBase"),
    lambda r: r.pop("fields"),
    lambda r: r["fields"].pop("Source"),
    lambda r: r["models"]["StudyFile"].update(type="no such schema"),
], ids=["other pydantic-core", "other pydantic", "an edited model module", "other format",
        "a module outside the package", "a name not in the module", "a name the module only imports",
        "a builtin other than list and dict", "a class tree that does not hold", "no field facts",
        "a class without its fields", "a schema pydantic-core refuses"])
def test_a_spoilt_file_is_not_used(tmp_path: Path, spoil: Any) -> None:
    record = json.loads(classes.VALIDATORS_JSON.read_text(encoding="utf-8"))
    assert classes.build(classes.VALIDATORS_JSON).schemas
    spoil(record)
    (tmp_path / "validators.json").write_text(json.dumps(record), encoding="utf-8")
    models = classes.build(tmp_path / "validators.json")
    assert models.schemas == {} and models.classes["StudyFile"] is curated.StudyFile
    assert models.fields["DrugTerm"] == classes.fields(classes.DrugTerm)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": 1}'])
def test_an_unreadable_file_is_not_used(tmp_path: Path, text: str) -> None:
    (tmp_path / "validators.json").write_text(text, encoding="utf-8")
    assert classes.build(tmp_path / "validators.json").schemas == {}


_VALIDATE_WITH = """
import sys
from pathlib import Path
from her2db.model import classes
classes.VALIDATORS_JSON = Path(sys.argv[1])
from her2db.cli import main
sys.argv = ["her2db", "validate", "--sources", sys.argv[2]]
main()
"""


def test_with_the_file_out_of_date_a_run_validates_with_pydantic_alike(corpus: Path, tmp_path: Path) -> None:
    """The whole way through a command: a study with errors (salvaged record by record) is
    reported the same with pydantic's models as with the plain classes."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("n: 80", "n: -80", 1)
                     .replace("role: control", "role: comparator", 1), encoding="utf-8")
    stale = tmp_path / "validators.json"
    stale.write_text(classes.VALIDATORS_JSON.read_text(encoding="utf-8").replace('"format": "', '"format": "old '),
                     encoding="utf-8")
    runs = [subprocess.run([sys.executable, "-c", _VALIDATE_WITH, str(path), str(corpus)], capture_output=True,
                           text=True) for path in (classes.VALIDATORS_JSON, stale)]
    assert runs[0].returncode == runs[1].returncode == 1 and runs[0].stderr == runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "comparator" in runs[0].stdout + runs[0].stderr


PYDANTIC_SIDE = {"model/curated.py", "model/facts.py", "model/prebuilt.py", "model/classes.py", "store/schema.py",
                 "read/release.py", "read/fhir.py"}
"""The modules that work with the pydantic models themselves (or FHIR's; classes.py for its
fallback): the others receive
plain records, which have no ``model_dump``, ``model_validate``, ... (mypy, told they are
pydantic's, cannot see that)."""


def test_code_that_holds_plain_records_asks_them_nothing_only_pydantic_answers() -> None:
    package = ROOT / "her2db"
    found = [f"{path.relative_to(package)}:{number}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if str(path.relative_to(package)) not in PYDANTIC_SIDE
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if re.search(r"\.(model_[a-z_]+|__pydantic_[a-z_]+__)\b|\bBaseModel\b|^\s*(from|import) pydantic\b", line)
             and not line.strip().startswith("#")]
    assert found == []


def test_refused_data_imports_no_pydantic_either(corpus: Path) -> None:
    """The errors of a file with shape errors are read without their links, which pydantic-core
    builds by importing pydantic."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("n: 80", "n: -80", 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom her2db.cli import main\n"
                           "sys.argv = ['her2db', 'validate', '--sources', sys.argv[1]]\n"
                           "try:\n    main()\nexcept SystemExit:\n    print('pydantic' in sys.modules)",
                           str(corpus)], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "False" and "error" in done.stdout + done.stderr
