"""Directus's ``type`` of a column and its ``default_value``, from the column's introspection.

``get_local_type`` is ``api/src/utils/get-local-type.ts`` and ``get_default_value`` is
``api/src/utils/get-default-value.ts``: the type follows the field's specials first (``cast-json`` →
json, ``uuid``/``file`` → uuid, …), then the database type through Directus's map; the default is
cast to what the type holds (``Number()`` for numeric types, booleans, parsed JSON). Both are used by
the Directus-mode snapshot (with the field's ``meta``) and the plain-mode one (without).
"""

from __future__ import annotations

import math
from typing import Any

from drift.targets.database.values import js_json_parse, js_number

_LOCAL_TYPES: dict[str, str] = {
    "boolean": "boolean", "tinyint": "integer", "smallint": "integer", "mediumint": "integer",
    "int": "integer", "integer": "integer", "serial": "integer", "bigint": "bigInteger",
    "bigserial": "bigInteger", "clob": "text", "tinytext": "text", "mediumtext": "text",
    "longtext": "text", "text": "text", "varchar": "string", "longvarchar": "string",
    "varchar2": "string", "nvarchar": "string", "image": "binary", "ntext": "text",
    "char": "string", "date": "date", "datetime": "dateTime", "dateTime": "dateTime",
    "timestamp": "timestamp", "time": "time", "float": "float", "double": "float",
    "double precision": "float", "real": "float", "decimal": "decimal", "numeric": "integer",
    "geometry": "geometry", "point": "geometry.Point", "linestring": "geometry.LineString",
    "polygon": "geometry.Polygon", "multipoint": "geometry.MultiPoint",
    "multilinestring": "geometry.MultiLineString", "multipolygon": "geometry.MultiPolygon",
    "string": "text", "year": "integer", "blob": "binary", "mediumblob": "binary",
    "int unsigned": "integer", "tinyint unsigned": "integer", "smallint unsigned": "integer",
    "mediumint unsigned": "integer", "bigint unsigned": "integer", "bit": "boolean",
    "smallmoney": "float", "money": "float", "datetimeoffset": "timestamp",
    "datetime2": "dateTime", "smalldatetime": "dateTime", "nchar": "text", "binary": "binary",
    "varbinary": "binary", "uniqueidentifier": "uuid", "json": "json", "jsonb": "json",
    "uuid": "uuid", "int2": "integer", "serial4": "integer", "int4": "integer",
    "serial8": "bigInteger", "int8": "bigInteger", "bool": "boolean",
    "character varying": "string", "character": "string", "interval": "string",
    "_varchar": "string", "bpchar": "string", "timestamptz": "timestamp",
    "timestamp with time zone": "timestamp", "timestamp with local time zone": "timestamp",
    "timestamp without time zone": "dateTime", "timestamp without local time zone": "dateTime",
    "timetz": "time", "time with time zone": "time", "time without time zone": "time",
    "float4": "float", "float8": "float", "citext": "text", "number": "integer",
    "sdo_geometry": "geometry", "integerfirst": "integer",
}  # fmt: skip


# data_type -> (lowercased, Directus's type from the map)
_TYPE_CACHE: dict[str, tuple[str, str | None]] = {}


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness (an empty list or dict is truthy, NaN is not)."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return not math.isnan(value) and value != 0
    if isinstance(value, str):
        return value != ""
    return True


def js_includes(container: Any, item: str) -> bool:
    """``container.includes(item)`` for an array or a string (substring, as in JavaScript)."""
    if isinstance(container, list):
        return item in container
    if isinstance(container, str):
        return item in container
    return False


def get_local_type(
    column: dict[str, Any] | None, meta: dict[str, Any] | None = None
) -> str:
    """``getLocalType(column, field)``."""
    if not column:
        return "alias"
    raw_type = column["data_type"]
    try:
        data_type, local = _TYPE_CACHE[raw_type]
    except (KeyError, TypeError):
        data_type = str(raw_type).lower()
        local = _LOCAL_TYPES.get(data_type.split("(")[0])
        if type(raw_type) is str and len(_TYPE_CACHE) < 10000:
            _TYPE_CACHE[raw_type] = (data_type, local)
    special = meta.get("special") if isinstance(meta, dict) else None
    if special is not None and js_truthy(special):
        if isinstance(special, (list, str)):  # js_includes: an element, or a substring
            has = special.__contains__
            if has("cast-json"):
                return "json"
            if has("hash"):
                return "hash"
            if has("cast-csv"):
                return "csv"
            if has("uuid") or has("file"):
                return "uuid"
            if has("cast-timestamp"):
                return "timestamp"
            if has("cast-datetime"):
                return "dateTime"
        if local is not None and local.startswith("geometry"):
            first = special[0] if len(special) > 0 else None
            return first if js_truthy(first) else "geometry"
    if (
        data_type == "numeric"
        and column.get("numeric_precision") is not None
        and column.get("numeric_scale") is not None
    ):
        return "decimal"
    if column["data_type"] in ("nvarchar", "varchar") and column.get("max_length") in (
        -1,
        None,
    ):
        return "text"
    if data_type in ("integer", "int") and column.get("numeric_precision") == 64:
        return "bigInteger"
    return local or "unknown"


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("0", "false") or (isinstance(value, (int, float)) and value == 0):
        return False
    if value in ("1", "true") or (isinstance(value, (int, float)) and value == 1):
        return True
    return js_truthy(value)


def _to_object(value: Any) -> Any:
    if not js_truthy(value):
        return value
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        try:
            return js_json_parse(value)
        except ValueError:
            return value
    return {}


def get_default_value(
    column: dict[str, Any], meta: dict[str, Any] | None = None, local: str | None = None
) -> Any:
    """``getDefaultValue(column, field)``; ``local`` is ``get_local_type(column, meta)`` when the
    caller has it already."""
    default = column.get("default_value")
    if default is None or default == "0000-00-00 00:00:00":
        return None
    if local is None:
        local = get_local_type(column, meta)
    if local in ("bigInteger", "integer", "decimal", "float"):
        if isinstance(default, str):
            number = js_number(default)
            return (
                default if isinstance(number, float) and math.isnan(number) else number
            )
        return default
    if local == "boolean":
        return _to_boolean(default)
    if local == "json":
        return _to_object(default)
    return default
