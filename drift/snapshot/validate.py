"""Snapshot validation: Directus's Joi rules for uploaded snapshots, as a JSON Schema.

``validateSnapshot`` (``api/src/utils/schema/validate-snapshot.ts``) checks a Joi schema; this
module states the same rules as JSON Schema and checks them with ``jsonschema``. Like Joi, unknown
keys are errors (except inside a field's ``schema``), only the first problem in document order is
reported, and empty strings are refused where Joi wants a string. Unlike Directus, missing
``collections``/``fields``/``relations`` lists are refused here with a clear message instead of
crashing later. The message names the place: ``fields[3].schema.is_nullable must be a boolean``.
"""

from __future__ import annotations

from typing import Any, Iterable

import copy
import functools

import fastjsonschema

from drift.errors import ValidationError

VENDORS = ["mysql", "postgres", "cockroachdb", "sqlite", "oracle", "mssql", "redshift"]
TYPES = [
    "bigInteger", "boolean", "date", "dateTime", "decimal", "float", "integer", "json", "string",
    "text", "time", "timestamp", "binary", "uuid", "alias", "hash", "csv", "geometry",
    "geometry.Point", "geometry.LineString", "geometry.Polygon", "geometry.MultiPoint",
    "geometry.MultiLineString", "geometry.MultiPolygon", "unknown",
]
ALIAS_TYPES = ["alias", "o2m", "m2m", "m2a", "o2a", "files", "translations"]

_STRING = {"type": "string", "minLength": 1}
# Joi.bool() with conversion also takes the strings "true" / "false" (any case)
_BOOL = {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^(?i:true|false)$"}]}
_ANY: dict[str, Any] = {}


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with only these keys (Joi's default: unknown keys are errors)."""
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _list_of(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": _closed(properties)}


SNAPSHOT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "directus", "collections", "fields", "relations"],
    "properties": {
        "version": {"anyOf": [{"enum": [1, 2]}, {"type": "string", "pattern": r"^\s*[12]\s*$"}]},
        "directus": _STRING,
        "vendor": {"enum": VENDORS},
        "collections": _list_of({"collection": _STRING, "meta": _ANY, "schema": _closed({"name": _STRING})}),
        "fields": _list_of(
            {
                "collection": _STRING,
                "field": _STRING,
                "meta": _ANY,
                # Joi allows unknown keys inside a field's schema
                "schema": {
                    "type": ["object", "null"],
                    "properties": {
                        "default_value": _ANY,
                        "max_length": {"type": ["number", "string", "null"]},
                        "is_nullable": _BOOL,
                    },
                },
                "type": {"enum": TYPES + ALIAS_TYPES[1:] + [None]},
            }
        ),
        "systemFields": _list_of({"collection": _STRING, "field": _STRING, "schema": _closed({"is_indexed": _BOOL})}),
        "relations": _list_of(
            {"collection": _STRING, "field": _STRING, "meta": _ANY, "related_collection": _ANY, "schema": _ANY}
        ),
    },
}

@functools.lru_cache(maxsize=1)
def _explainer() -> Any:
    # imported only to word a problem: a valid file never pays for it
    import jsonschema

    return jsonschema.Draft202012Validator(SNAPSHOT_SCHEMA)


@functools.lru_cache(maxsize=1)
def _fast_validator() -> Any:
    # fastjsonschema compiles the same schema to Python code: a ~30x faster yes/no answer for
    # large snapshots. jsonschema then explains the first problem when there is one.
    schema = copy.deepcopy(SNAPSHOT_SCHEMA)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)

_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _key_text(key: Any) -> str:
    text = str(key)
    if len(text) > 60:
        text = text[:57] + "…"
    if not text.isprintable() or not text:
        text = repr(text)
    return text


def format_path(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + _key_text(p)
    return out


def _doc_order(error: Any, instance: Any) -> tuple[Any, ...]:
    key: list[Any] = []
    node = instance
    for p in error.absolute_path:
        if isinstance(node, dict):
            keys = list(node)
            key.append(keys.index(p) if p in node else len(keys))
        else:
            key.append(p if isinstance(p, int) else 0)
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            node = None
    return (*key, len(key))


def _describe(error: Any) -> str:
    where = format_path(error.absolute_path)
    v = error.validator
    if v == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        return f"{format_path([*error.absolute_path, key])} is not allowed"
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{format_path([*error.absolute_path, missing])} is required"
    if v == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return f"{where or 'the snapshot'} must be {words}"
    if v == "minLength":
        return f"{where} is not allowed to be empty"
    if v == "enum":
        allowed = ", ".join("null" if x is None else str(x) for x in error.validator_value)
        return f"{where} must be one of [{allowed}]"
    if v == "anyOf":
        if error.schema is _BOOL:
            return f"{where} must be a boolean"
        if where == "version":
            return "version must be one of [1, 2]"
    return f"{where}: {error.message}"


def snapshot_problem(data: Any) -> str | None:
    """The first problem with ``data`` as an uploaded snapshot, or None when it is valid."""
    if not isinstance(data, dict):
        return "the snapshot must be an object"
    if "data" in data and "version" not in data and isinstance(data.get("data"), dict):
        return (
            "version is required (this looks like a GET /schema/snapshot response: "
            "use the object inside \"data\")"
        )
    try:
        _fast_validator()(data)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    errors = list(_explainer().iter_errors(data))
    if not errors:
        return None
    first = min(errors, key=lambda e: _doc_order(e, data))
    return _describe(first)


def validate_snapshot(data: Any, source: str) -> None:
    """Raise :class:`ValidationError` naming ``source`` and the place when ``data`` is invalid."""
    problem = snapshot_problem(data)
    if problem:
        raise ValidationError(f"{source}: {problem}")
