"""Pydantic's validation errors in the words of the researchers who edit the YAML.

A message says what was expected and what was found ("expected a whole number, got 'three'"), suggests
the field or value probably meant ("did you mean 'homepage'?") and never echoes a secret; the loader
(config/loader.py) puts the file, line and field in front of it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

Loc = tuple[Any, ...]

_DATE = "expected a date such as 2024-05-01"
_MAPPING = "expected a mapping ('key: value' lines)"
_EXPECTED = {
    **dict.fromkeys(("string_type",), "expected text"),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "expected a whole number"),
    **dict.fromkeys(("float_type", "float_parsing"), "expected a number"),
    **dict.fromkeys(("bool_type", "bool_parsing"), "expected true or false"),
    **dict.fromkeys(("list_type",), "expected a list (lines starting with '- ')"),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), _MAPPING),
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), _DATE),
    "date_from_datetime_inexact": f"{_DATE}, without a time",
}
_LIMITS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def show(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "...'"


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f", did you mean '{close[0]}'?" if close else ""


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the value at `loc`, by walking the annotations from `root`."""
    t: Any = root
    for part in loc:
        t = _unwrap(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and part in t.model_fields:
            t = t.model_fields[part].annotation
        elif get_origin(t) is list and isinstance(part, int):
            t = get_args(t)[0]
        else:
            return None
    t = _unwrap(t)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def _unwrap(t: Any) -> Any:
    while True:
        args = [a for a in get_args(t) if a is not type(None)]
        if get_origin(t) is Union or type(t).__name__ == "UnionType":
            t = args[0]
        elif hasattr(t, "__metadata__"):  # Annotated
            t = get_args(t)[0]
        else:
            return t


def message(err: dict[str, Any], root: type[BaseModel]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        model = _model_at(root, err["loc"][:-1])
        options = list(model.model_fields) if model else []
        listing = f" (expected one of: {', '.join(options)})" if options else ""
        return f"unknown field '{name}'{_suggest(name, options)}{listing}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _suggest(str(value), options) if isinstance(value, str) else ""
        return f"expected one of: {', '.join(options)}; got {show(value)}{hint}"
    if kind in _EXPECTED:
        detail = f" ({ctx['error']})" if kind.startswith("date") and ctx.get("error") else ""
        return f"{_EXPECTED[kind]}, got {show(value)}{detail}"
    if kind == "string_too_short":
        shortest = ctx.get("min_length", 1)
        if shortest <= 1 or not value:
            return "must not be empty" + (f" (at least {shortest} characters)" if shortest > 1 else "")
        # The length only: the value may be a secret (web.token) and is not echoed.
        return f"must be at least {shortest} characters long, got {len(value)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind in _LIMITS:
        key, words = _LIMITS[kind]
        return f"must be {words} {ctx.get(key)}, got {show(value)}"
    return err["msg"]
