"""pydantic-core's compiled validator is loaded without its package, and shared with the
package when something imports it later (model/validator_core.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_LOAD_THEN_IMPORT = """
import sys
from her2db.model import validator_core
alone = "pydantic_core" not in sys.modules and "pydantic_core._pydantic_core" in sys.modules
import pydantic_core
from her2db.model import curated
from her2db.model import classes
shared = pydantic_core.SchemaValidator is validator_core.SchemaValidator \\
    and pydantic_core.ValidationError is validator_core.ValidationError
try:
    curated.Arm.model_validate({"key": "a", "label": "A", "role": "nobody", "source_id": "s", "locator": "t"})
except validator_core.ValidationError as exc:  # pydantic's own error is the one class
    caught = exc.errors(include_url=False)[0]["loc"] == ("role",)
print(alone, shared, caught, classes.StudyFile.__module__)
"""


def test_a_run_loads_the_compiled_core_alone_and_pydantic_shares_it_later() -> None:
    done = subprocess.run([sys.executable, "-c", _LOAD_THEN_IMPORT], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True", "her2db.model.classes"]


def test_a_value_refused_by_our_own_function_is_pydantic_s_error(corpus: Path) -> None:
    """The validating functions (model/values.py) raise the core's own error class, which the
    compiled validator reports as one of its errors, located like any other."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("    role: control\n", "    role: control\n    checked_on: '2026-02-30'\n", 1),
                     encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom her2db.cli import main\n"
                           "sys.argv = ['her2db', 'validate', '--sources', sys.argv[1]]\nmain()", str(corpus)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "studies/mini-trial.yaml" in done.stdout + done.stderr
    assert "a date written YYYY-MM-DD that exists" in done.stdout + done.stderr
