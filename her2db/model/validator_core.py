"""pydantic-core's compiled validator, loaded without the rest of its package.

``import pydantic_core`` runs the package's ``__init__``, which defines the core schema's types
for type checkers (``core_schema.py``, through typing_extensions): some 25 ms of every run,
where the compiled module that does the validating loads in about 4 ms. A run needs only that
module, so it is loaded by itself and registered under its own name (``pydantic_core.
_pydantic_core``): a later ``import pydantic_core`` (pydantic's models when validators.json is
out of date, a test) finds it there and shares it, classes and all. If the package is imported
already, or its compiled module is not where this package's layout puts it, the package is
imported as usual. (One difference remains once the package is imported after it: the
package has no attribute ``_pydantic_core``, which Python sets only when it loads the module
itself; ``from pydantic_core._pydantic_core import X``, which pydantic uses, works.)
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

COMPILED = "pydantic_core._pydantic_core"


def _compiled() -> ModuleType:
    if "pydantic_core" not in sys.modules and COMPILED not in sys.modules:
        spec = importlib.util.find_spec("pydantic_core")  # finds the package, imports nothing
        for folder in (spec and spec.submodule_search_locations) or []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = Path(folder, f"_pydantic_core{suffix}")
                found = importlib.util.spec_from_file_location(COMPILED, path) if path.is_file() else None
                if found is None or found.loader is None:
                    continue
                try:
                    module = importlib.util.module_from_spec(found)  # the module's own set-up runs here
                    sys.modules[COMPILED] = module
                    found.loader.exec_module(module)
                    return module
                except ImportError:
                    sys.modules.pop(COMPILED, None)
    if COMPILED in sys.modules:
        return sys.modules[COMPILED]
    import pydantic_core

    return pydantic_core


_core = _compiled()
VERSION: str = _core.__version__
if TYPE_CHECKING:
    from pydantic_core import PydanticCustomError as PydanticCustomError
    from pydantic_core import SchemaError as SchemaError
    from pydantic_core import SchemaValidator as SchemaValidator
    from pydantic_core import ValidationError as ValidationError
else:
    PydanticCustomError, SchemaError = _core.PydanticCustomError, _core.SchemaError
    SchemaValidator, ValidationError = _core.SchemaValidator, _core.ValidationError
