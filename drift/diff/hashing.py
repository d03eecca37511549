"""object-hash@3.0.0 (default options) for JSON values, and Directus's versioned snapshot hash.

``versioned_hash(snapshot, version)`` is ``objectHash({item: snapshot, version})``, the hash
``/schema/diff`` reports and ``/schema/apply`` checks (spec §3). object-hash feeds SHA-1 with its
own type-tagged serialisation: objects get three pseudo-keys (``prototype``, ``__proto__``,
``constructor``) and their keys sorted by UTF-16 code units; ``Object.prototype`` and ``Object``
are expanded the first time they are met and referenced as ``[CIRCULAR:n]`` afterwards; strings
carry their UTF-16 length; numbers are written as JavaScript prints them.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from typing import Any

from drift.snapshot.js import js_number_str

_UNDEFINED = object()
_PROTO = object()  # Object.prototype
_OBJECT = object()  # the Object constructor

# Key strings are met again and again (meta keys); cache whether Python's code-point order agrees
# with UTF-16 code-unit order for them (it does unless astral characters meet U+E000..U+FFFF).
_plain_key: dict[str, bool] = {}


def _needs_utf16(key: str) -> bool:
    r = _plain_key.get(key)
    if r is None:
        r = _plain_key[key] = not any(ord(ch) >= 0xE000 for ch in key)
    return not r


def _sorted_keys(obj: dict[str, Any]) -> list[str]:
    keys = sorted(obj)
    if any(_needs_utf16(k) for k in keys):
        keys.sort(key=lambda k: k.encode("utf-16-be"))
    return keys


def _js_len(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def _str(s: str) -> str:
    return f"string:{_js_len(s)}:{s}"


class _Serializer:
    """One object-hash run: the context list of every object and array met, in visit order."""

    def __init__(self) -> None:
        self.context: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps ids stable while hashing
        self.parts: list[str] = []
        self.proto_tail: str | None = None  # the __proto__ text once Object.prototype is known

    def _enter(self, obj: Any) -> int | None:
        """The object's context index if already met; else record it and return None."""
        key = id(obj)
        idx = self.context.get(key)
        if idx is not None:
            return idx
        self.context[key] = len(self.context)
        self.keep.append(obj)
        return None

    def _circular(self, idx: int) -> None:
        self.parts.append(_str(f"[CIRCULAR:{idx}]"))

    def dispatch(self, v: Any) -> None:
        w = self.parts.append
        t = type(v)
        if t is str:
            w(_str(v))
        elif v is None:
            w("Null")
        elif t is bool:
            w("bool:true" if v else "bool:false")
        elif t is int or t is float:
            w("number:" + js_number_str(v))
        elif t is dict:
            self._object(v)
        elif t is list:
            self._array(v)
        elif v is _UNDEFINED:
            w("Undefined")
        elif v is _PROTO:
            self._proto()
        elif v is _OBJECT:
            self._object_fn()
        elif isinstance(v, _dt.datetime):
            idx = self._enter(v)
            if idx is not None:
                self._circular(idx)
            else:
                w("date:" + _js_iso(v))
        elif isinstance(v, bool):
            w("bool:true" if v else "bool:false")
        elif isinstance(v, (int, float)):
            w("number:" + js_number_str(v))
        elif isinstance(v, str):
            w(_str(str(v)))
        elif isinstance(v, dict):
            self._object(v)
        elif isinstance(v, (list, tuple)):
            self._array(list(v))
        else:
            raise TypeError(f"cannot hash a {t.__name__}")

    def _proto(self) -> None:
        idx = self._enter(_PROTO)
        if idx is not None:
            self._circular(idx)
            return
        self.parts.append(
            "object:3:string:9:prototype:Undefined,string:9:__proto__:Null,string:11:constructor:"
        )
        self._object_fn()
        self.parts.append(",")

    def _object_fn(self) -> None:
        self.parts.append("fn:string:8:[native]string:20:function-name:Object")
        idx = self._enter(_OBJECT)
        if idx is not None:
            self._circular(idx)
        else:
            self.parts.append("object:0:")

    def _object(self, obj: dict[str, Any]) -> None:
        idx = self._enter(obj)
        if idx is not None:
            self._circular(idx)
            return
        w = self.parts.append
        keys = _sorted_keys(obj)
        w(f"object:{len(keys) + 3}:string:9:prototype:")
        self.dispatch(obj.get("prototype", _UNDEFINED))
        w(",string:9:__proto__:")
        self.dispatch(obj["__proto__"] if "__proto__" in obj else _PROTO)
        w(",string:11:constructor:")
        self.dispatch(obj["constructor"] if "constructor" in obj else _OBJECT)
        w(",")
        dispatch = self.dispatch
        for k in keys:
            w(_str(k))
            w(":")
            dispatch(obj[k])
            w(",")

    def _array(self, arr: list[Any]) -> None:
        idx = self._enter(arr)
        if idx is not None:
            self._circular(idx)
            return
        self.parts.append(f"array:{len(arr)}:")
        for v in arr:
            self.dispatch(v)


def _js_iso(d: _dt.datetime) -> str:
    if d.tzinfo is not None:
        d = d.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def serialize(value: Any) -> str:
    """object-hash's serialisation (what its ``passthrough`` algorithm returns)."""
    if type(value) is dict and not _SPECIAL_KEYS.intersection(value):
        return _serialize_object_root(value)
    s = _Serializer()
    s.dispatch(value)
    return "".join(s.parts)


_SPECIAL_KEYS = frozenset(("prototype", "__proto__", "constructor"))
# Once the root object has put Object.prototype (context 1) and Object (context 2) into the
# context, every further plain object starts with the same pseudo-keys.
_NESTED_PSEUDO = (
    ":string:9:prototype:Undefined,string:9:__proto__:string:12:[CIRCULAR:1],"
    "string:11:constructor:fn:string:8:[native]string:20:function-name:Objectstring:12:[CIRCULAR:2],"
)
_ROOT_PSEUDO = (
    ":string:9:prototype:Undefined,string:9:__proto__:object:3:string:9:prototype:Undefined,"
    "string:9:__proto__:Null,string:11:constructor:fn:string:8:[native]string:20:function-name:Object"
    "object:0:,,string:11:constructor:fn:string:8:[native]string:20:function-name:Objectstring:12:[CIRCULAR:2],"
)
_KEY_LAYOUT: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}


def _layout(keys: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Sorted keys and their ``string:<len>:<key>:`` prefixes, cached per key set."""
    got = _KEY_LAYOUT.get(keys)
    if got is None:
        ordered = sorted(keys)
        if any(_needs_utf16(k) for k in ordered):
            ordered.sort(key=lambda k: k.encode("utf-16-be"))
        got = (ordered, [f"string:{_js_len(k)}:{k}:" for k in ordered])
        if len(_KEY_LAYOUT) < 20000:
            _KEY_LAYOUT[keys] = got
    return got


def _serialize_object_root(root: dict[str, Any], sink: Any = None) -> str:
    """The fast path for a plain-object root (always the case for snapshot hashes). With a
    ``sink`` (a hashlib object), the text is fed to it in chunks and "" is returned."""
    seen: dict[int, int] = {id(root): 0}
    seen[id(_PROTO)] = 1
    seen[id(_OBJECT)] = 2
    parts: list[str] = []
    w = parts.append

    def flush() -> None:
        if sink is not None:
            sink.update("".join(parts).encode("utf-8", "replace"))
            parts.clear()

    def value(v: Any) -> None:
        t = type(v)
        if t is str:
            w(f"string:{len(v) if v.isascii() else _js_len(v)}:{v}")
        elif v is None:
            w("Null")
        elif t is bool:
            w("bool:true" if v else "bool:false")
        elif t is int:
            w(f"number:{v}" if -(2**53) <= v <= 2**53 else "number:" + js_number_str(v))
        elif t is dict:
            key = id(v)
            if key in seen:
                w(_str(f"[CIRCULAR:{seen[key]}]"))
            elif "__proto__" in v or "constructor" in v or "prototype" in v:
                _generic(v)
            else:
                seen[key] = len(seen)
                obj(v)
        elif t is list:
            key = id(v)
            if key in seen:
                w(_str(f"[CIRCULAR:{seen[key]}]"))
                return
            seen[key] = len(seen)
            w(f"array:{len(v)}:")
            for item in v:
                if type(item) is dict and id(item) not in seen and not (
                    "__proto__" in item or "constructor" in item or "prototype" in item
                ):
                    seen[id(item)] = len(seen)
                    obj(item)  # the entities of a snapshot list: straight to the object writer
                else:
                    value(item)
                if len(parts) > 65536:
                    flush()
        else:
            _generic(v)

    def obj(d: dict[str, Any]) -> None:
        ordered, prefixes = _layout(tuple(d))
        w(f"object:{len(ordered) + 3}{_NESTED_PSEUDO}")
        for k, prefix in zip(ordered, prefixes):
            v = d[k]
            t = type(v)
            # the common leaf values inline: one append, no call
            if t is str:
                w(f"{prefix}string:{len(v) if v.isascii() else _js_len(v)}:{v},")
            elif v is None:
                w(prefix + "Null,")
            elif t is bool:
                w(prefix + ("bool:true," if v else "bool:false,"))
            elif t is dict and id(v) not in seen and not ("__proto__" in v or "constructor" in v or "prototype" in v):
                seen[id(v)] = len(seen)
                w(prefix)
                obj(v)
                w(",")
            else:
                w(prefix)
                value(v)
                w(",")

    def _generic(v: Any) -> None:
        # anything unusual (floats, dates, objects with pseudo-key names): the general serializer,
        # sharing this run's context
        g = _Serializer()
        g.context = seen
        g.keep = []
        g.parts = parts
        g.dispatch(v)

    ordered, prefixes = _layout(tuple(root))
    w(f"object:{len(ordered) + 3}{_ROOT_PSEUDO}")
    for k, prefix in zip(ordered, prefixes):
        w(prefix)
        value(root[k])
        w(",")
    if sink is not None:
        sink.update("".join(parts).encode("utf-8", "replace"))
        return ""
    return "".join(parts)


def object_hash(value: Any) -> str:
    """``objectHash(value)`` with default options: SHA-1, lowercase hex."""
    if type(value) is dict and not _SPECIAL_KEYS.intersection(value):
        h = hashlib.sha1()
        _serialize_object_root(value, h)
        return h.hexdigest()
    text = serialize(value)
    # Node writes lone surrogates as U+FFFD
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def versioned_hash(snapshot: dict[str, Any], version: str) -> str:
    """Directus's ``getVersionedHash``: ``objectHash({item: snapshot, version})``."""
    return object_hash({"item": snapshot, "version": version})


def versioned_hash_later(snapshot: dict[str, Any], version: str) -> Any:
    """Start :func:`versioned_hash` and return a function that gives its result.

    For a large snapshot on a platform with ``fork`` and no other threads running, the hash is
    computed by a forked child (copy-on-write, nothing pickled) while this process goes on with
    the diff; on two or more cores that takes the hash off the critical path. Otherwise, or if
    the child fails, the hash is computed here when asked for. ``DRIFT_NO_FORK=1`` turns it off.
    """
    import os
    import threading

    big = len(snapshot.get("fields") or ()) >= 5000
    if not big or not hasattr(os, "fork") or threading.active_count() > 1 or os.environ.get("DRIFT_NO_FORK"):
        return lambda: versioned_hash(snapshot, version)
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return lambda: versioned_hash(snapshot, version)
    if pid == 0:  # the child: hash, hand it over, leave without any clean-up of the parent's state
        code = 0
        try:
            os.close(read_fd)
            os.write(write_fd, versioned_hash(snapshot, version).encode("ascii"))
        except BaseException:  # noqa: BLE001 - the parent computes the hash itself then
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)

    def result() -> str:
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                text = pipe.read().decode("ascii", "replace")
        finally:
            os.waitpid(pid, 0)
        return text if len(text) == 40 else versioned_hash(snapshot, version)

    return result
