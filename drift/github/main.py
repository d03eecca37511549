"""``drift ci``: the GitHub Action's entry point, from the Actions environment to an exit code.

:func:`run_ci` reads the settings once, masks every secret before anything else is printed,
decides the activity from the event (:func:`drift.github.event.decide`) and runs it:

- a pull request: plan the target against the PR's schema file, post or update the sticky
  comment, write the job summary, outputs and annotations for destructive changes;
- a fork pull request (or no target configured): a file-only diff of the PR's schema file against
  the base branch's, in the job summary; never a failure for lack of secrets;
- a push to the default branch: find the merged pull request, read the reviewed hash and digest
  from drift's own comment, re-plan, and apply only if both still match and destructive changes
  have consent; then update the comment with the outcome and the convergence check;
- a schedule or manual dispatch: diff the target against the default branch's schema file and
  open, update or close the target's drift issue.

Planning and applying go through :mod:`drift.workflow` and the target protocol, so every target
works. The function returns the exit code (:mod:`drift.exits`); it never exits the process.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from drift import exits
from drift.errors import DestructiveBlocked, DriftError, InputError, StalePlan
from drift.github import comment as cm
from drift.github.api import GitHubAPI, GitHubError
from drift.github.event import APPLY, DRIFT, FILE_PLAN, PLAN, SKIP, Activity, decide
from drift.github.runtime import Runtime
from drift.github.settings import CONSENT_LABEL, Settings, input_env_name
from drift.secrets import redact

if TYPE_CHECKING:  # requests is imported when the GitHub API is first used, not at start-up
    import requests

SECRET_INPUTS = ("token", "github-token", "database-url")
SECRET_VARS = ("GITHUB_TOKEN", "DIRECTUS_TOKEN", "DRIFT_DATABASE_URL")
ANNOTATION_LIMIT = 10


def run_ci(env: Mapping[str, str], *, session: requests.Session | None = None,
           write: Callable[[str], None] | None = None, sleep: Callable[[float], None] | None = None) -> int:
    """Run the Action for the environment ``env``; returns the exit code."""
    rt = Runtime(env.get("GITHUB_OUTPUT", ""), env.get("GITHUB_STEP_SUMMARY", ""), write)
    _mask_secrets(env, rt)
    try:
        settings = Settings.from_env(env)
        activity = decide(settings)
        return Job(settings, rt, session=session, sleep=sleep).run(activity)
    except DriftError as exc:
        rt.error(exc.message)
        rt.summary(f"### drift\n\n❌ {_md(exc.message)}\n")
        return exc.exit_code
    except Exception as exc:  # the last line of defence: one line, no traceback
        if env.get("DRIFT_DEBUG"):
            raise
        rt.error(f"internal error: {type(exc).__name__}: {exc}")
        return exits.ERROR


def _mask_secrets(env: Mapping[str, str], rt: Runtime) -> None:
    values = [env.get(input_env_name(n), "") for n in SECRET_INPUTS] + [env.get(v, "") for v in SECRET_VARS]
    target = env.get(input_env_name("target"), "")
    if "@" in target and "://" in target:
        values.append(target)  # a database URL with its password inline
    for v in values:
        if v.strip():
            rt.mask(v.strip())


def _md(text: str) -> str:
    from drift.render.markdown import escape

    return escape(text)


class Job:
    """One run of the Action: settings, the runner channels and (lazily) the GitHub API."""

    def __init__(self, settings: Settings, rt: Runtime, *, session: requests.Session | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.s = settings
        self.inputs = settings.inputs
        self.rt = rt
        self._session = session
        self._sleep = sleep
        self._api: GitHubAPI | None = None
        self._identity: str | None = None

    # -- plumbing -------------------------------------------------------------------------
    @property
    def api(self) -> GitHubAPI:
        if self._api is None:
            if not self.inputs.github_token:
                raise InputError("input github-token is empty (its default is ${{ github.token }})")
            kw: dict[str, Any] = {}
            if self._sleep is not None:
                kw["sleep"] = self._sleep
            if self._session is None:
                import requests

                self._session = requests.Session()
            self._api = GitHubAPI(self.s.api_url, self.inputs.github_token, session=self._session, **kw)
        return self._api

    def identity(self) -> str:
        if self._identity is None:
            self._identity = self.api.identity()
        return self._identity

    @property
    def label(self) -> str:
        """How comments and issues name the target: the environment, else the redacted target."""
        return self.inputs.environment or redact(self.inputs.target_name)

    @property
    def comment_id(self) -> str:
        return cm.comment_id_for(self.inputs.environment, redact(self.inputs.target_name))

    def schema_path(self) -> str:
        if not self.inputs.schema_file:
            raise InputError("input schema-file is empty: name the schema file in the repository")
        p = Path(self.inputs.schema_file)
        return str(p if p.is_absolute() else Path(self.s.workspace) / p)

    def require_target(self) -> str:
        if not self.inputs.target_name:
            raise InputError("no target: set the input target (a Directus URL) or database-url")
        return self.inputs.target_name

    def target_env(self) -> dict[str, str]:
        """The environment targets read their credentials from, with the Action's token input."""
        env = dict(os.environ)
        if self.inputs.token:
            env["DIRECTUS_TOKEN"] = self.inputs.token
        return env

    def common(self) -> Any:
        from drift.cli import Common

        return Common(ignore=self.inputs.ignore)

    def console(self) -> Any:
        from drift.cli import Console

        def err(text: str) -> None:
            line = text.strip()
            if line:
                self.rt.warning(line.removeprefix("warning: "))

        return Console(color=False, quiet=True, out=self.rt.untrusted, err=err)

    def make_plan(self, current: str, desired: str) -> Any:
        from drift.workflow import make_plan

        return make_plan(current, desired, self.common(), self.console(), with_extras=True, env=self.target_env())

    def log_plan(self, plan: Any) -> None:
        from drift.render.text import render_text

        with self.rt.group(f"drift plan for {self.label}"):
            self.rt.untrusted(render_text(plan, color=False, schema_file=self.inputs.schema_file))

    def plan_outputs(self, plan: Any, *, with_hash: bool = True) -> None:
        self.rt.set_output("has-changes", "true" if plan.has_changes else "false")
        self.rt.set_output("destructive-count", str(len(plan.destructive)))
        self.rt.set_output("hash", plan.hash if with_hash else "")
        self.rt.set_output("plan-digest", plan.digest)

    def annotate(self, plan: Any, schema_path: str) -> None:
        """``::warning file=…,line=…::`` where each destructive change comes from in the schema file."""
        if not plan.destructive:
            return
        try:
            from drift.snapshot.locate import line_for, locate_file

            places = locate_file(schema_path)
        except ImportError:  # pragma: no cover - the locator ships with drift
            places, line_for = {}, None
        for change in plan.destructive[:ANNOTATION_LIMIT]:
            line = line_for(places, change.section, change.collection, change.field) if line_for else None
            why = "; ".join(change.reasons) or f"{change.action} {change.key}"
            self.rt.warning(f"destructive: {why}", file=self.inputs.schema_file, line=line,
                            title="drift: destructive change")
        if len(plan.destructive) > ANNOTATION_LIMIT:
            self.rt.warning(f"{len(plan.destructive) - ANNOTATION_LIMIT} more destructive changes (see the job summary)",
                            file=self.inputs.schema_file, title="drift: destructive change")

    # -- dispatch -------------------------------------------------------------------------
    def run(self, activity: Activity) -> int:
        if activity.kind == SKIP:
            self.rt.notice(f"drift: {activity.reason}")
            self.rt.summary(f"### drift\n\n{_md(activity.reason)}\n")
            self.rt.set_output("has-changes", "false")
            return exits.OK
        handler = {PLAN: self.plan_pr, FILE_PLAN: self.file_plan, APPLY: self.apply_merge, DRIFT: self.drift_check}
        return handler[activity.kind](activity)

    # -- pull request -----------------------------------------------------------------------
    def plan_pr(self, act: Activity) -> int:
        schema = self.schema_path()
        plan = self.make_plan(self.require_target(), schema)
        self.log_plan(plan)
        consent = self.inputs.allow_destructive or act.consent_label
        record = cm.Record(id=self.comment_id, environment=self.inputs.environment, hash=plan.hash,
                           digest=plan.digest, directus=plan.directus, vendor=plan.vendor,
                           destructive=len(plan.destructive), consent=consent, head_sha=act.head_sha)
        title = f"drift plan for {self.label}"
        body, record = cm.build_body(plan, record, title=title, status=cm.planned_status(record, plan.has_changes),
                                     foot=cm.footer(self.s.run_url, self.s.run_id, act.head_sha),
                                     schema_file=self.inputs.schema_file)
        full, _ = cm.plan_markdown(plan, title, None, self.inputs.schema_file)
        self.rt.summary(full)
        self.plan_outputs(plan)
        self.annotate(plan, schema)
        url = self.upsert_comment(act.pr_number, body)
        self.rt.set_output("comment-url", url)
        return exits.OK

    def upsert_comment(self, number: int | None, body: str) -> str:
        """Create or update the sticky comment; a token without write access only warns."""
        assert number is not None
        o, r = self.s.owner, self.s.repo
        try:
            own = cm.find_own(self.api.list_comments(o, r, number), self.identity(), self.comment_id)
            if own is not None and cm.same_content(str(own.get("body") or ""), body):
                self.rt.log(f"drift: the plan comment on #{number} is unchanged")
                return str(own.get("html_url", ""))
            if own is not None:
                done = self.api.update_comment(o, r, int(own["id"]), body)
                self.rt.log(f"drift: updated the plan comment on #{number}")
            else:
                done = self.api.create_comment(o, r, number, body)
                self.rt.log(f"drift: posted the plan comment on #{number}")
            return str((done or {}).get("html_url", ""))
        except GitHubError as exc:
            if exc.forbidden:
                self.rt.warning(f"could not write the pull request comment ({exc.message}); the plan is in the "
                                "job summary — does the workflow grant pull-requests: write?")
                return ""
            raise

    # -- fork pull request / no target ------------------------------------------------------
    def file_plan(self, act: Activity) -> int:
        schema = self.schema_path()
        self.rt.notice(f"drift: {act.reason}; comparing the schema file with the base branch's instead")
        base_text = self.file_at_ref(act.base_sha, act.base_ref)
        intro = (f"*{_md(act.reason[0].upper() + act.reason[1:])}: this is a file-only diff of "
                 f"`{_md(self.inputs.schema_file)}` against the base branch "
                 f"`{_md(act.base_ref)}`; the target was not contacted.*\n\n")
        if base_text is None:
            self.rt.summary("### drift (file-only)\n\n" + intro +
                            "The base branch has no such schema file; nothing to compare.\n")
            self.rt.set_output("has-changes", "false")
            return exits.OK
        with tempfile.TemporaryDirectory(prefix="drift-base-") as tmp:
            base_path = Path(tmp) / ("base" + Path(self.inputs.schema_file).suffix)
            base_path.write_text(base_text, encoding="utf-8")
            plan = self.make_plan(str(base_path), schema)
        plan.target = f"{act.base_ref}:{self.inputs.schema_file}"
        self.log_plan(plan)
        full, _ = cm.plan_markdown(plan, f"drift: schema file changes (file-only) for {self.label or 'this PR'}",
                                   None, self.inputs.schema_file)
        self.rt.summary(intro + full)
        self.plan_outputs(plan, with_hash=False)
        self.annotate(plan, schema)
        return exits.OK

    def file_at_ref(self, sha: str, ref: str) -> str | None:
        """The schema file's text on the base branch: from the checkout's git objects, else the API."""
        if Path(self.inputs.schema_file).is_absolute():
            return None
        rel = os.path.normpath(self.inputs.schema_file).replace(os.sep, "/")
        for rev in [r for r in (sha, f"origin/{ref}" if ref else "", ref) if r]:
            try:
                proc = subprocess.run(["git", "-c", "safe.directory=*", "-C", self.s.workspace, "show", f"{rev}:{rel}"],
                                      capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                break
            if proc.returncode == 0:
                return proc.stdout.decode("utf-8", "replace")
        if not ref:
            return None
        return self.api.file_at(self.s.owner, self.s.repo, rel, ref)

    # -- merge -----------------------------------------------------------------------------
    def find_merged_pr(self, act: Activity) -> tuple[int | None, tuple[str, ...]]:
        if act.pr_number is not None:
            return act.pr_number, act.labels
        for pr in self.api.commit_pulls(self.s.owner, self.s.repo, act.sha):
            if not pr.get("merged_at") or pr.get("merge_commit_sha") != act.sha:
                continue
            if act.default_branch and (pr.get("base") or {}).get("ref") != act.default_branch:
                continue
            labels = tuple(str(lb.get("name")) for lb in pr.get("labels") or [] if isinstance(lb, dict))
            return int(pr["number"]), labels
        return None, ()

    def apply_merge(self, act: Activity) -> int:
        schema = self.schema_path()
        target = self.require_target()
        number, labels = self.find_merged_pr(act)
        own: dict[str, Any] | None = None
        recorded: dict[str, Any] | None = None
        why = ""
        if number is None:
            why = f"no merged pull request found for commit {act.sha[:12]} (was it pushed directly?)"
        else:
            own = cm.find_own(self.api.list_comments(self.s.owner, self.s.repo, number), self.identity(),
                              self.comment_id)
            recorded = cm.parse_header(str(own.get("body") or "")) if own else None
            if recorded is None:
                why = f"pull request #{number} has no drift plan comment for {self.label} written by {self.identity()}"

        plan = self.make_plan(target, schema)
        self.log_plan(plan)
        self.plan_outputs(plan)
        title = f"drift apply for {self.label}"
        full, _ = cm.plan_markdown(plan, title, None, self.inputs.schema_file)
        if own is not None:
            self.rt.set_output("comment-url", str(own.get("html_url", "")))

        if recorded is None or own is None or number is None:
            if not plan.has_changes:
                self.rt.notice(f"drift: {why}; the target already matches the schema file, nothing to apply")
                self.rt.summary(f"### {_md(title)}\n\n{_md(why)}.\n\nThe target already matches the schema file.\n")
                return exits.OK
            msg = f"{why}; nothing was applied — the target differs from the schema file without a reviewed plan"
            self.rt.error(msg)
            self.rt.summary(f"### {_md(title)}\n\n❌ {_md(msg)}.\n\n{full}")
            return exits.ERROR

        def mark(status: str, text: str) -> None:
            body = cm.with_status(str(own.get("body") or ""), status, text)
            body = cm.with_footer(body, cm.footer(self.s.run_url, self.s.run_id, act.sha))
            try:
                self.api.update_comment(self.s.owner, self.s.repo, int(own["id"]), body)
            except GitHubError as exc:
                if not exc.forbidden:
                    raise
                self.rt.warning(f"could not update the plan comment ({exc.message})")

        if not plan.has_changes:
            text = f"✅ Merged in `{act.sha[:12]}`: the target already matches the schema file; nothing to apply."
            mark(cm.NOTHING, text)
            self.rt.summary(f"### {_md(title)}\n\n{text}\n")
            return exits.OK

        if recorded.get("hash") != plan.hash or recorded.get("digest") != plan.digest:
            what = "schema hash" if recorded.get("hash") != plan.hash else "planned diff"
            text = (f"⚠️ **Stale** — the target changed since review — re-run the check. Nothing was applied at "
                    f"merge `{act.sha[:12]}` (the {what} differs from the reviewed plan).")
            mark(cm.STALE, text)
            msg = f"the target changed since review (the {what} differs from the reviewed plan); nothing was applied — re-run the check"
            self.rt.error(msg)
            self.rt.summary(f"### {_md(title)}\n\n{text}\n\n{full}")
            return exits.STALE_PLAN

        consent = self.inputs.allow_destructive or CONSENT_LABEL in labels
        from drift.workflow import check_consent

        try:
            check_consent(plan, consent)
            result = self.apply(target, plan, consent)
        except StalePlan as exc:
            mark(cm.STALE, f"⚠️ **Stale** — the target changed since review — re-run the check. {_md(exc.message)}")
            self.rt.error(exc.message)
            return exits.STALE_PLAN
        except DestructiveBlocked as exc:
            text = (f"🛑 **Not applied** at merge `{act.sha[:12]}`: {len(plan.destructive)} destructive change(s) "
                    f"without consent. Add the label `{CONSENT_LABEL}` to this pull request or set "
                    "`allow-destructive: true`, then re-run the deployment.")
            mark(cm.BLOCKED, text)
            self.rt.error(exc.message)
            self.rt.summary(f"### {_md(title)}\n\n{text}\n\n{full}")
            return exits.DESTRUCTIVE_BLOCKED
        except DriftError as exc:
            mark(cm.FAILED, f"❌ **Apply failed** at merge `{act.sha[:12]}`: {_md(exc.message)}")
            raise

        after = self.make_plan(target, schema)
        converged = not after.has_changes
        note = ("the target now matches the schema file" if converged
                else f"but {len(after.changes)} difference(s) remain — the target does not match the schema file")
        text = f"✅ **Applied** at merge `{act.sha[:12]}` ({len(plan.changes)} change(s)); {note}."
        mark(cm.APPLIED, text)
        self.rt.summary(f"### {_md(title)}\n\n{text}\n\n{full}")
        self.rt.set_output("has-changes", "false" if converged else "true")
        if not converged:
            self.rt.error(f"applied, but {len(after.changes)} difference(s) remain")
            return exits.ERROR
        self.rt.log(f"drift: applied {len(plan.changes)} change(s); converged: {result.get('converged', converged)}")
        return exits.OK

    def apply(self, target_name: str, plan: Any, consent: bool) -> dict[str, Any]:
        from drift.targets import TargetOptions, open_target
        from drift.workflow import apply_on

        target = open_target(target_name, TargetOptions(env=self.target_env()))
        try:
            return apply_on(target, plan, allow_destructive=consent)
        finally:
            target.close()

    # -- schedule / dispatch -----------------------------------------------------------------
    def drift_check(self, act: Activity) -> int:
        from drift.github import issues

        target = self.require_target()
        schema = self.schema_path()
        tmp: tempfile.TemporaryDirectory[str] | None = None
        on_default = not act.default_branch or self.s.ref in ("", f"refs/heads/{act.default_branch}")
        if not on_default:
            text = self.file_at_ref("", act.default_branch)
            if text is None:
                raise InputError(f"{self.inputs.schema_file}: not found on the default branch {act.default_branch}")
            tmp = tempfile.TemporaryDirectory(prefix="drift-default-")
            schema = str(Path(tmp.name) / ("schema" + Path(self.inputs.schema_file).suffix))
            Path(schema).write_text(text, encoding="utf-8")
        try:
            plan = self.make_plan(target, schema)
        finally:
            if tmp is not None:
                tmp.cleanup()
        self.log_plan(plan)
        self.plan_outputs(plan)
        title = f"drift: {self.label} differs from {self.inputs.schema_file}"
        o, r = self.s.owner, self.s.repo
        if not plan.has_changes:
            note = (f"✅ {self.label} matches `{self.inputs.schema_file}` again"
                    + (f" ([drift run {self.s.run_id}]({self.s.run_url}))" if self.s.run_url else "") + "; closing.")
            try:
                outcome = issues.report_in_sync(self.api, o, r, self.identity(), self.comment_id, note)
            except GitHubError as exc:
                if not exc.forbidden:
                    raise
                self.rt.warning(f"could not close the drift issue ({exc.message}); does the workflow grant issues: write?")
                outcome = issues.IssueOutcome("none")
            self.rt.set_output("drift-issue-url", outcome.url)
            self.rt.summary(f"### drift check for {_md(self.label)}\n\n✅ In sync with `{_md(self.inputs.schema_file)}`."
                            + (f" Closed the drift issue #{outcome.number}." if outcome.action == "closed" else "") + "\n")
            return exits.OK

        body_md, _ = cm.plan_markdown(plan, f"drift check for {self.label}", 55_000, self.inputs.schema_file)
        who = self.who_changed(target)
        parts = [f"The target **{_md(self.label)}** no longer matches `{_md(self.inputs.schema_file)}` on the default "
                 "branch. Either bring the schema file up to date (a pull request with `drift snapshot`) or revert "
                 "the change on the target.", body_md.rstrip("\n")]
        if who:
            parts.append(who)
        parts.append(cm.footer(self.s.run_url, self.s.run_id, self.s.sha))
        body = "\n\n".join(parts)
        try:
            outcome = issues.report_drift(self.api, o, r, self.identity(), self.comment_id, title, body)
            self.rt.log(f"drift: drift issue {outcome.action}")
        except GitHubError as exc:
            if not exc.forbidden:
                raise
            self.rt.warning(f"could not write the drift issue ({exc.message}); does the workflow grant issues: write?")
            outcome = issues.IssueOutcome("none")
        self.rt.set_output("drift-issue-url", outcome.url)
        full, _ = cm.plan_markdown(plan, f"drift check for {self.label}", None, self.inputs.schema_file)
        self.rt.summary(full + (f"\n\n{who}\n" if who else ""))
        self.rt.warning(f"drift: {self.label} differs from {self.inputs.schema_file} ({len(plan.changes)} change(s))")
        return exits.CHANGES if self.inputs.fail_on_drift else exits.OK

    def who_changed(self, target_name: str) -> str:
        """The activity section of the drift issue, or "" when the target cannot tell."""
        from drift.github import issues
        from drift.targets import TargetOptions, open_target

        try:
            t = open_target(target_name, TargetOptions(env=self.target_env()))
            try:
                entries = issues.schema_activity(t)
            finally:
                t.close()
        except DriftError as exc:
            return f"*The activity log could not be read: {_md(exc.message)}*"
        return "" if entries is None else issues.activity_markdown(entries)
