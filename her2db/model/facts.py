"""The facts about the models' fields that code asks for, read from the pydantic models once:
what ``her2db schema`` stores beside the core schemas, and what a run computes itself when the
stored file no longer describes the models (``classes.py`` makes each a ``Field``)."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from . import curated
from .numbers import Printed

_TYPE_NAMES = {bool: "bool", int: "int", float: "float", Printed: "float", str: "str"}
FACTORIES = {list: "list", dict: "dict"}


def model_classes() -> dict[str, type[BaseModel]]:
    """Every model ``curated.py`` defines, bases before the classes built on them."""
    return {name: model for name, model in vars(curated).items()
            if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel
            and model.__module__ == curated.__name__}


def base_name(model: type[BaseModel]) -> str | None:
    """The model ``model`` is built on, if it is one of ours."""
    base = model.__bases__[0]
    return base.__name__ if base.__module__ == curated.__name__ else None


def fields_of(model: type[BaseModel]) -> list[tuple[Any, ...]]:
    """Each field of ``model`` as the values of a ``classes.Field``, in declaration order."""
    out = []
    for name, info in model.model_fields.items():
        kinds = list(types_in(info.annotation))
        found, choices = plain_types(kinds)
        item = typing.get_args(info.annotation)[0] if typing.get_origin(info.annotation) is list else None
        factory = FACTORIES.get(info.default_factory) if info.default_factory else None  # type: ignore[call-overload]
        if info.default_factory and factory is None:
            raise TypeError(f"{model.__name__}.{name}: a default factory classes.py cannot name")
        out.append((name, info.alias or name, info.is_required(),
                         None if info.is_required() or factory else info.default, factory,
                         info.description or "", Printed in kinds,
                         item.__name__ if isinstance(item, type) and issubclass(item, BaseModel) else None,
                         tuple(sorted(found)), choices))
    return out


def types_in(annotation: Any) -> Iterator[Any]:
    """The types a value of ``annotation`` may have, looking through unions and ``Annotated``
    (``Printed | None`` gives both); a list or a ``Literal`` is one type, given whole."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from types_in(typing.get_args(annotation)[0])
    elif origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            yield from types_in(arg)
    else:
        yield annotation


def plain_types(kinds: list[Any]) -> tuple[set[str], tuple[str, ...] | None]:
    """The plain types (and ``Literal`` choices) a field admits, as the command line coerces
    text to them; anything else is text."""
    found: set[str] = set()
    choices: tuple[str, ...] | None = None
    for kind in kinds:
        origin = typing.get_origin(kind)
        if origin is typing.Literal:
            found.add("str")
            choices = choices or tuple(str(a) for a in typing.get_args(kind))
        elif origin is list:
            found.add("list")
        elif kind is not type(None):
            found.add(_TYPE_NAMES.get(kind, "str"))
    return found, choices
