"""The cron tick: Force Sync requests first, then the object types that are due, within a time budget."""

import logging
import time

from odoo import fields

from ..models.res_config_settings import background_sync_enabled
from . import work
from .runner import SyncRunner

_logger = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 240


class Scheduler:
    def __init__(self, env, *, commit=None, rollback=None, budget=DEFAULT_BUDGET_SECONDS):
        self.env = env
        self._commit = commit or (lambda: None)
        self._rollback = rollback or (lambda: None)
        self.deadline = time.monotonic() + budget

    def time_left(self):
        return time.monotonic() < self.deadline

    def runner(self, backend):
        return SyncRunner(self.env, backend, commit=self._commit, rollback=self._rollback, deadline=self.deadline)

    # ------------------------------------------------------------------ Force Sync requests
    def process_requests(self):
        done = 0
        while self.time_left():
            request = self._claim_request()
            if not request:
                break
            self._process_request(request)
            done += 1
        return done

    def _claim_request(self):
        self.env.cr.execute("""
            SELECT id FROM logikal_sync_request
             WHERE state IN ('queued', 'running') ORDER BY state DESC, id
             LIMIT 1 FOR UPDATE SKIP LOCKED
        """)
        row = self.env.cr.fetchone()
        return self.env["logikal.sync.request"].sudo().browse(row[0]) if row else None

    def _process_request(self, request):
        group = request.search([("key", "=", request.key), ("state", "in", ("queued", "running"))])
        run = request.run_id or self.runner(request.backend_id).start(
            "force", _scope_label(request), work.ALL_TYPES, request.requested_by_id
        )
        group.write({"state": "running", "run_id": run.id})
        request._target().write({"sync_state": "running"})
        self._commit()
        outcome = self.runner(request.backend_id).execute(run, _request_work(run, request))
        if outcome.resumable:
            return
        success = outcome.state in ("done", "partial")
        group.write({"state": "done" if success else "failed", "done_date": fields.Datetime.now(),
                     "message": _outcome_message(run, outcome)})
        target = request._target()
        if target and not success:
            target.write({"sync_state": "failed", "sync_error": outcome.message})
        elif target and target.sync_state in ("queued", "running"):
            target.write({"sync_state": "done"})
        group._announce()
        self._commit()


def _request_work(run, request):
    if request.scope == "directory":
        return work.directory(run, request.directory_id)
    if request.scope == "project":
        return work.project(run, request.project_id)
    if request.scope == "elevation":
        return work.elevation(run, request.elevation_id)
    if request.scope == "types":
        return work.object_types(run, (request.object_types or "").split(","), cascade=True)
    return work.everything(run)


def _scope_label(request):
    if request.scope == "types":
        return f"types: {request.object_types}"
    target = request._target()
    return target.display_name if target else "everything"


def _outcome_message(run, outcome):
    text = (f"{run.scope}: {run.total_changes} changes, {run.total_failed} failures, "
            f"{run.api_calls} API calls, {run.logins} logins in {run.duration:.1f} s")
    return f"{text}. {outcome.message}" if outcome.message else text


def scheduled_enabled(env):
    return background_sync_enabled(env)


def due_types(env):
    """Enabled object types whose interval elapsed, plus the stale parents they depend on."""
    configs = env["logikal.sync.config"].sudo().search([("is_sync_enabled", "=", True)])
    due = configs.filtered("is_due")
    for config in due:
        parent = config.depends_on_id
        while parent and parent.is_sync_enabled and parent.is_stale:
            due |= parent
            parent = parent.depends_on_id
    return due.sorted("priority")


def run_due_types(scheduler):
    env = scheduler.env
    due = due_types(env)
    if not due:
        return None
    types = due.mapped("object_type")
    cascade = any(due.mapped("cascade_sync"))
    now = fields.Datetime.now()
    due.write({"last_attempt": now})
    outcomes = []
    for backend in env["logikal.backend"].sudo().search([]):
        runner = scheduler.runner(backend)
        run = runner.start("cron", "scheduled", types)
        outcomes.append(runner.execute(run, work.object_types(run, types, cascade=cascade)))
    finished = [o for o in outcomes if not o.resumable]
    if finished and len(finished) == len(outcomes):
        worst = "failed" if any(o.state == "failed" for o in outcomes) else (
            "partial" if any(o.state == "partial" for o in outcomes) else "done")
        vals = {"last_result": worst, "last_message": "; ".join(o.message for o in outcomes if o.message)[:250]}
        if worst != "failed":
            vals["last_sync"] = now
        due.write(vals)
    scheduler._commit()
    return outcomes
