"""The Directus REST target: snapshot, diff, rows affected and the hash-guarded apply.

It owns what drift asks of a live Directus server through ``/schema/snapshot``, ``/schema/diff``
and ``/schema/apply``: checking up front that the token is an administrator's, partial snapshots,
the server's own diff and hash (``force`` only when asked), counting the rows destructive changes
would remove, and applying a plan exactly as recorded — re-snapshot, refuse a changed instance
(:class:`StalePlan`), send the recorded hash and diff without ``force``, never retry blindly when
the outcome is unknown, and re-diff afterwards to prove convergence. HTTP lives in
:mod:`drift.targets.directus.client`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from drift import exits, secrets
from drift.errors import (
    CompatibilityError,
    DestructiveBlocked,
    DriftError,
    InputError,
    StalePlan,
    TargetError,
    ValidationError,
)
from drift.targets import TargetOptions
from drift.targets.directus.client import (
    ApplyOutcomeUnknown,
    DirectusClient,
    DirectusHTTPError,
    RetryPolicy,
)

log = logging.getLogger("drift.targets.directus")

SECTIONS = ("collections", "fields", "systemFields", "relations")
MODES = ("mirror", "merge")
#: Directus's answers to an apply whose hash no longer matches (§4.2 of the reference): the generic
#: mismatch and the more specific plausibility messages all end in this sentence.
STALE_MARKERS = ("does not match the current instance's schema hash", "Please generate a new diff and try again")
COMPAT_MARKERS = ("does not match the current instance's version", "does not match the current instance's vendor",
                  'does not contain the "vendor" property')


def empty_diff() -> dict[str, list[Any]]:
    return {s: [] for s in SECTIONS}


def is_empty_diff(diff: Mapping[str, Any] | None) -> bool:
    return not diff or all(not diff.get(s) for s in SECTIONS)


def _first(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    records = entry.get("diff") or []
    return records[0] if records and isinstance(records[0], Mapping) else {}


def _drops_storage(entry: Mapping[str, Any]) -> bool:
    """An entry that removes stored data: a path-less delete, or a delete of ``schema``
    (table → folder, column → alias), which Directus's apply treats as a whole delete."""
    rec = _first(entry)
    return rec.get("kind") == "D" and (not rec.get("path") or list(rec.get("path") or []) == ["schema"])


def destructive_changes(diff: Mapping[str, Any]) -> list[str]:
    """Names of the collections and fields whose stored data the diff drops (``collection[.field]``)."""
    out: list[str] = []
    for entry in diff.get("collections") or []:
        if _drops_storage(entry):
            out.append(str(entry.get("collection")))
    for entry in diff.get("fields") or []:
        if _drops_storage(entry):
            out.append(f"{entry.get('collection')}.{entry.get('field')}")
    return out


def _plan_value(plan: Any, *names: str) -> Any:
    for name in names:
        if isinstance(plan, Mapping) and name in plan:
            return plan[name]
        if not isinstance(plan, Mapping) and hasattr(plan, name):
            return getattr(plan, name)
    return None


def _items_path(collection: str) -> str:
    # System collections are served by their own endpoints (/users, /files ...), not /items.
    if collection.startswith("directus_"):
        return "/" + quote(collection[len("directus_"):], safe="")
    return "/items/" + quote(collection, safe="")


class DirectusTarget:
    """A Directus server named by its URL; the admin token comes from ``DIRECTUS_TOKEN``."""

    kind = "directus"
    #: Reads (the admin check, snapshots) may run on another thread while the caller loads the
    #: desired side; ``make_plan`` overlaps them with that work.
    concurrent_reads = True

    def __init__(self, name: str, options: TargetOptions | None = None, *,
                 retry: RetryPolicy | None = None, settle_seconds: float = 10.0,
                 apply_timeout: float | None = None) -> None:
        self.options = options or TargetOptions()
        token = (self.options.env or {}).get("DIRECTUS_TOKEN", "")
        secrets.register(token)
        self.client = DirectusClient(name, token, timeout=self.options.timeout, retry=retry)
        self._has_token = bool(token)
        self._admin_checked = False
        self._info: dict[str, str] | None = None
        self.settle_seconds = settle_seconds
        # Directus applies synchronously; a big schema takes far longer than a read. Giving up
        # early only turns a success into an "unknown outcome", so the apply gets its own budget.
        self.apply_timeout = apply_timeout if apply_timeout is not None else max(self.options.timeout, 600.0)

    # ------------------------------------------------------------------ identity
    def describe(self) -> str:
        return self.client.display

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"DirectusTarget({self.describe()!r})"

    def identity(self) -> dict[str, str]:
        """``{"directus", "vendor"}`` of the instance, the snapshot's own top-level values."""
        info = self.info()
        return {"directus": info["version"], "vendor": info["vendor"]}

    def info(self) -> dict[str, str]:
        """``{"version", "vendor"}`` of the instance (from its snapshot)."""
        if self._info is None:
            # An empty partial snapshot is the cheapest answer that carries both values.
            snap = self._get_snapshot({"includeCollections": ""})
            self._info = {"version": str(snap.get("directus")), "vendor": str(snap.get("vendor"))}
        return dict(self._info)

    # ------------------------------------------------------------------ access
    def check_admin(self) -> None:
        """Fail clearly unless the token is an administrator's (asked once per target)."""
        if self._admin_checked:
            return
        if not self._has_token:
            raise TargetError(f"DIRECTUS_TOKEN is not set: drift needs an administrator's static token "
                              f"for {self.describe()}")
        try:
            globals_ = self.client.get_json("/policies/me/globals")
        except DirectusHTTPError as exc:
            if exc.status == 401:
                raise TargetError(f"Directus at {self.describe()} rejected the token in DIRECTUS_TOKEN "
                                  f"(401 {exc.code or 'INVALID_CREDENTIALS'}): wrong or expired static token") from None
            if exc.status in (403, 404):
                return  # an older Directus: the schema endpoints' own 403 will tell (see _non_admin)
            raise
        data = globals_.get("data") if isinstance(globals_, dict) else None
        if isinstance(data, dict) and data.get("admin_access") is not True:
            raise self._non_admin()
        self._admin_checked = True

    def _non_admin(self) -> TargetError:
        return TargetError(f"the token in DIRECTUS_TOKEN is not an administrator's on {self.describe()}: "
                           "Directus's schema endpoints need a user whose role or policies grant admin access")

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        self.check_admin()
        try:
            return fn(*args, **kw)
        except DirectusHTTPError as exc:
            if exc.status == 403 and exc.code == "FORBIDDEN":
                raise self._non_admin() from None
            raise

    # ------------------------------------------------------------------ snapshot
    def _snapshot_params(self, include: tuple[str, ...] | None, exclude: tuple[str, ...] | None) -> dict[str, str]:
        if include is not None and exclude is not None:
            raise InputError("--include and --exclude cannot be used together "
                             "(like Directus's includeCollections / excludeCollections)")
        params: dict[str, str] = {}
        if include is not None:
            params["includeCollections"] = ",".join(include)
        if exclude is not None:
            params["excludeCollections"] = ",".join(exclude)
        return params

    def _get_snapshot(self, params: Mapping[str, str]) -> dict[str, Any]:
        body = self._call(self.client.get_json, "/schema/snapshot", params or None)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or "collections" not in data:
            raise TargetError(f"Directus GET /schema/snapshot at {self.describe()} did not return a snapshot")
        return data

    def snapshot(self) -> dict[str, Any]:
        """The snapshot, partial (``version: 2``) when the options name collections."""
        data = self._get_snapshot(self._snapshot_params(self.options.include, self.options.exclude))
        if self.options.include is None and self.options.exclude is None and self._info is None:
            self._info = {"version": str(data.get("directus")), "vendor": str(data.get("vendor"))}
        return data

    def _full_snapshot(self) -> dict[str, Any]:
        data = self._get_snapshot({})
        self._info = {"version": str(data.get("directus")), "vendor": str(data.get("vendor"))}
        return data

    # ------------------------------------------------------------------ diff
    def server_diff(self, desired: dict[str, Any], mode: str = "mirror", force: bool = False) -> dict[str, Any]:
        """Directus's own ``{hash, diff}`` for making this instance look like ``desired``.

        An empty diff comes back as 204 without a hash; the hash is then computed from the
        current snapshot (the same value Directus would have sent)."""
        if mode not in MODES:
            raise InputError(f"diff mode must be mirror or merge, not {mode!r}")
        params: dict[str, str] = {}
        if mode != "mirror":
            params["mode"] = mode
        if force:
            # Directus reads presence (even ?force=false forces), so it is sent only when asked.
            params["force"] = "true"
            log.warning("--force: Directus at %s skips its version and vendor checks for this diff; "
                        "a cross-version or cross-vendor diff can hold changes nobody asked for", self.describe())
        try:
            body = self._call(self.client.post_json, "/schema/diff", desired, params or None)
        except DirectusHTTPError as exc:
            raise self._diff_error(exc) from None
        if body is None:
            try:
                current: str | None = self.current_hash()
            except ImportError:  # drift's local hashing is not installed: no hash to report
                current = None
            return {"hash": current, "diff": empty_diff()}
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or "hash" not in data or "diff" not in data:
            raise TargetError(f"Directus POST /schema/diff at {self.describe()} returned no {{hash, diff}}")
        return {"hash": data["hash"], "diff": data["diff"]}

    def _diff_error(self, exc: DirectusHTTPError) -> DriftError:
        if exc.status == 400 and any(m in exc.detail for m in COMPAT_MARKERS):
            detail = exc.detail.removeprefix("Invalid payload. ").split(" You can bypass")[0]
            return CompatibilityError(f"{self.describe()}: {detail} (use --force to diff anyway)")
        if exc.status == 400 and exc.code == "INVALID_PAYLOAD":
            return ValidationError(f"Directus at {self.describe()} rejected the desired snapshot: "
                                   f"{exc.detail.removeprefix('Invalid payload. ')}")
        return exc

    def local_diff(self, desired: dict[str, Any], mode: str = "mirror", force: bool = False) -> dict[str, Any]:
        """``{hash, diff}`` computed by drift from ``GET /schema/snapshot`` (``--engine local``)."""
        from drift.diff.engine import (
            snapshot_diff,  # the local engine; imported only when used
        )

        if mode not in MODES:
            raise InputError(f"diff mode must be mirror or merge, not {mode!r}")
        current = self._full_snapshot()
        if not force:
            self._check_compatible(desired, current)
        diff = snapshot_diff(current, desired, mode=mode)
        return {"hash": self._hash_of(current), "diff": diff}

    def _check_compatible(self, desired: Mapping[str, Any], current: Mapping[str, Any]) -> None:
        # The same checks, in the same order, as Directus's validateSnapshot without force.
        if desired.get("directus") != current.get("directus"):
            raise CompatibilityError(
                f"{self.describe()}: Provided snapshot's directus version {desired.get('directus')} does not "
                f"match the current instance's version {current.get('directus')} (use --force to diff anyway)")
        if "vendor" not in desired:
            raise CompatibilityError(f'{self.describe()}: Provided snapshot does not contain the "vendor" property '
                                     "(use --force to diff anyway)")
        if desired.get("vendor") != current.get("vendor"):
            raise CompatibilityError(
                f"{self.describe()}: Provided snapshot's vendor {desired.get('vendor')} does not match the current "
                f"instance's vendor {current.get('vendor')} (use --force to diff anyway)")

    def _hash_of(self, snapshot: dict[str, Any]) -> str:
        from drift.diff.hashing import versioned_hash

        return versioned_hash(snapshot, str(snapshot.get("directus")))

    def current_hash(self) -> str:
        """The hash of the instance's current full snapshot (what ``/schema/diff`` reports)."""
        return self._hash_of(self._full_snapshot())

    # ------------------------------------------------------------------ rows affected
    def rows_affected(self, plan: Any) -> dict[str, int | None]:
        """Rows a destructive change would remove: the item count of each dropped collection and
        the non-null count of each dropped field, keyed ``collection`` / ``collection.field``.
        A count the items API cannot give (e.g. no such endpoint) is ``None``."""
        diff = _plan_value(plan, "diff") if not _looks_like_diff(plan) else plan
        if not isinstance(diff, Mapping):
            return {}
        dropped_collections: list[str] = []
        for entry in diff.get("collections") or []:
            rec = _first(entry)
            if _drops_storage(entry):
                lhs = rec.get("lhs") if not rec.get("path") else {"schema": rec.get("lhs")}
                if isinstance(lhs, Mapping) and lhs.get("schema") is None:
                    continue  # a folder holds no rows
                dropped_collections.append(str(entry["collection"]))
        fields_by_collection: dict[str, list[str]] = {}
        for entry in diff.get("fields") or []:
            if not _drops_storage(entry) or entry.get("collection") in dropped_collections:
                continue
            rec = _first(entry)
            lhs = rec.get("lhs")
            if not rec.get("path") and isinstance(lhs, Mapping) and (lhs.get("schema") is None or lhs.get("type") == "alias"):
                continue  # alias fields have no column
            fields_by_collection.setdefault(str(entry["collection"]), []).append(str(entry["field"]))
        out: dict[str, int | None] = {}
        if self._admin_checked:
            # The counts are independent reads: with the token known to be an administrator's,
            # they are sent together, and each _count below takes its answer.
            self.client.read_ahead([(_items_path(c), _count_params(None)) for c in dropped_collections]
                                   + [(_items_path(c), _count_params(f)) for c, f in fields_by_collection.items()])
        for collection in dropped_collections:
            out[collection] = self._count(collection, None).get("*")
        for collection, fields in fields_by_collection.items():
            counts = self._count(collection, fields)
            for f in fields:
                out[f"{collection}.{f}"] = counts.get(f)
        return out

    def _count(self, collection: str, fields: list[str] | None) -> dict[str, int | None]:
        try:
            body = self._call(self.client.get_json, _items_path(collection), _count_params(fields))
        except DirectusHTTPError as exc:
            log.warning("cannot count rows of %s: %s", collection, exc.message)
            return {}
        row = body.get("data") if isinstance(body, dict) else None
        if isinstance(row, list):
            row = row[0] if row else {}
        count = row.get("count") if isinstance(row, dict) else None
        if fields is None:
            return {"*": _int(count)}
        if isinstance(count, Mapping):
            return {f: _int(count.get(f)) for f in fields}
        return {}

    # ------------------------------------------------------------------ apply
    def apply(self, plan: Any, *, allow_destructive: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """Apply a plan exactly as recorded, guarded by its hash.

        ``plan`` is a plan object or a dict with ``hash``, ``diff``, ``desired`` (the desired
        snapshot) and optionally ``mode`` and ``force`` (the diff's, used only to re-diff). Returns
        ``{"outcome", "applied", "converged", "hash_before", "hash_after", "remaining", "note",
        "exit_code"}``; a non-empty re-diff afterwards gives ``converged: False`` and exit code 1.
        Raises :class:`StalePlan` when the instance changed since the plan (before sending
        anything), :class:`DestructiveBlocked` for drops without consent, :class:`TargetError`
        when the outcome of the apply cannot be established."""
        recorded = _plan_value(plan, "hash")
        diff = _plan_value(plan, "diff")
        desired = _plan_value(plan, "desired", "desired_snapshot")
        mode = _plan_value(plan, "mode") or "mirror"
        force_diff = bool(_plan_value(plan, "force"))
        if not isinstance(diff, Mapping) or not all(isinstance(diff.get(s), list) for s in SECTIONS):
            raise InputError("the plan holds no Directus diff (collections, fields, systemFields, relations)")
        result: dict[str, Any] = {"outcome": "", "applied": False, "converged": None, "hash_before": None,
                                  "hash_after": None, "remaining": None, "note": "", "exit_code": exits.OK}
        if is_empty_diff(diff):
            result.update(outcome="nothing-to-do", converged=None, note="the plan holds no changes")
            return result
        if not isinstance(recorded, str) or not recorded:
            raise InputError("the plan holds no recorded hash")
        # The shared apply orchestration checks consent first, from the plan's risk grades; this is
        # the target's own last line, so that no caller can drop data without saying so.
        graded = _plan_value(plan, "destructive")
        if isinstance(graded, list):
            dropped = [str(getattr(c, "key", c)) for c in graded]
        else:
            dropped = destructive_changes(diff)
        if dropped and not allow_destructive and not dry_run:
            raise DestructiveBlocked(
                f"the plan drops {len(dropped)} item{'s' if len(dropped) != 1 else ''} "
                f"({', '.join(dropped[:5])}{', …' if len(dropped) > 5 else ''}); "
                "re-run with --allow-destructive to apply it")

        current = self._current_hash_for(desired, mode, force_diff)
        result["hash_before"] = current
        if current != recorded:
            raise StalePlan(f"{self.describe()} changed since the plan was made (schema hash {str(current)[:12]}…, "
                            f"plan recorded {recorded[:12]}…); nothing was applied — make a new plan")
        if dry_run:
            result.update(outcome="dry-run", note="hash matches; nothing was sent (dry run)")
            return result

        payload = {"hash": recorded, "diff": {s: diff[s] for s in SECTIONS}}
        try:
            self._call(self.client.post_json, "/schema/apply", payload, None, self.apply_timeout)
        except DirectusHTTPError as exc:
            if exc.status == 400 and any(m in exc.detail for m in STALE_MARKERS):
                raise StalePlan(f"{self.describe()} changed since the plan was made; Directus refused the apply: "
                                f"{exc.detail.removeprefix('Invalid payload. ')}") from None
            raise
        except ApplyOutcomeUnknown as exc:
            return self._after_unknown_outcome(exc, recorded, desired, mode, force_diff, result)
        result.update(outcome="applied", applied=True)
        return self._converge(desired, mode, force_diff, result)

    def _current_hash_for(self, desired: Any, mode: str, force: bool) -> str | None:
        try:
            return self.current_hash()
        except ImportError:
            # Without drift's local hashing, the server's own diff reports the current hash.
            if not isinstance(desired, dict):
                raise InputError("the plan holds no desired snapshot to check the hash with") from None
            return self.server_diff(desired, mode, force)["hash"]

    def _converge(self, desired: Any, mode: str, force: bool, result: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(desired, dict):
            result["note"] = "applied; the plan holds no desired snapshot, so convergence was not checked"
            return result
        again = self.server_diff(desired, mode, force)
        result["hash_after"] = again["hash"]
        result["remaining"] = again["diff"]
        result["converged"] = is_empty_diff(again["diff"])
        if not result["converged"]:
            n = sum(len(again["diff"].get(s) or []) for s in SECTIONS)
            result["exit_code"] = exits.ERROR
            result["note"] = (f"{self.describe()} still differs from the plan's desired snapshot "
                              f"({n} entr{'y' if n == 1 else 'ies'} left in a fresh diff)")
        return result

    def _after_unknown_outcome(self, exc: ApplyOutcomeUnknown, recorded: str, desired: Any, mode: str,
                               force: bool, result: dict[str, Any]) -> dict[str, Any]:
        """The apply left but no answer came: look, don't retry. Directus applies in a transaction,
        so the instance is watched for a few seconds before concluding it did not take effect."""
        deadline = time.monotonic() + self.settle_seconds
        while True:
            try:
                now = self._current_hash_for(desired, mode, force)
            except DriftError as again:
                raise TargetError(f"{exc.message}; checking the instance afterwards failed too "
                                  f"({again.message}) — do not re-apply before looking at it") from None
            if now != recorded or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        result["hash_after"] = now
        if now == recorded:
            raise TargetError(f"{exc.message}; the instance's schema hash is unchanged {self.settle_seconds:.0f}s "
                              "later, so the change has not taken effect (the server may still be working) — "
                              "check, then run the same apply again")
        if isinstance(desired, dict):
            again = self.server_diff(desired, mode, force)
            result["remaining"] = again["diff"]
            result["converged"] = is_empty_diff(again["diff"])
            if result["converged"]:
                result.update(outcome="applied-unconfirmed", applied=True,
                              note="no answer came back, but the instance now matches the desired snapshot")
                return result
        raise TargetError(f"{exc.message}; the instance changed but does not match the desired snapshot "
                          "(partly applied, or changed by someone else) — make a new plan")


def _count_params(fields: list[str] | None) -> dict[str, str]:
    """The items query counting a collection's rows (``None``) or these fields' non-null values."""
    return {"aggregate[count]": "*" if fields is None else ",".join(fields)}


def _looks_like_diff(value: Any) -> bool:
    return isinstance(value, Mapping) and any(s in value for s in SECTIONS) and "diff" not in value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def open_directus(name: str, options: TargetOptions) -> DirectusTarget:
    """The opener registered for ``http://`` and ``https://`` names."""
    return DirectusTarget(name, options)
