"""Runs one unit of sync work as a `logikal.sync.run` row that is finished in every path.

A run opens one LogiKal session, lets a `work(engine)` callable walk what it covers, and records the
outcome: done, partial (some items failed), failed (the session or the server gave up), or left running
when the time budget ran out (the scheduler resumes it).
"""

import logging
import time

from odoo import fields
from odoo.exceptions import UserError
from psycopg2.errors import TransactionRollbackError

from ..logikal import CallStats, LogikalAuthError, LogikalBudgetSpent, LogikalError
from .counts import RunCounts
from .engine import SyncEngine
from .progress import RunProgress
from .store import RecordStore
from .transaction import UnitOfWork

_logger = logging.getLogger(__name__)


class RunOutcome:
    def __init__(self, run, state, message=""):
        self.run = run
        self.state = state
        self.message = message

    @property
    def resumable(self):
        return self.state == "running"


class SyncRunner:
    def __init__(self, env, backend, *, transaction=None, deadline=None, on_heartbeat=None):
        """`transaction` commits each unit on the cron path (CronUnitOfWork); by default nothing is committed
        (tests, UI).

        `on_heartbeat()` is called each time the run's heartbeat is written (the cron reports its progress there).
        """
        self.env = env
        self.backend = backend.sudo()
        self.transaction = transaction or UnitOfWork()
        self.deadline = deadline
        self._on_heartbeat = on_heartbeat or (lambda: None)

    def start(self, trigger, scope, object_types, requested_by=None, values=None):
        run = (
            self.env["logikal.sync.run"]
            .sudo()
            .create(
                dict(
                    {
                        "backend_id": self.backend.id,
                        "trigger": trigger,
                        "scope": scope,
                        "object_types": ",".join(object_types),
                        "requested_by_id": requested_by.id if requested_by else False,
                        "heartbeat": fields.Datetime.now(),
                    },
                    **(values or {}),
                )
            )
        )
        self.transaction.commit_unit()
        return run

    def execute(self, run, work, *, resumable=True):
        """Run `work(engine)`; returns a RunOutcome. Never raises for LogiKal trouble.

        When the time budget runs out the run stays 'running' to be resumed, unless `resumable` is False
        (helper runs): then it ends with what it did.
        """
        counts, stats = RunCounts(), CallStats()
        progress = RunProgress(self.env, run, counts)
        started = time.monotonic()
        engine = None
        try:
            with self.backend._session(stats) as session:
                session.client.deadline = self.deadline  # no call (or retry) may hang past the budget
                engine = SyncEngine(
                    self.env,
                    self.backend,
                    session,
                    RecordStore(self.env, self.backend, counts),
                    deadline=self.deadline,
                    transaction=self.transaction,
                    heartbeat=lambda: self._write_heartbeat(run),
                    progress=progress,
                )
                engine.retry_now = run.trigger == "force"  # Force Sync means now, whatever the backoff
                engine.parts_lists_first = _parts_lists_first(self.env)
                work(engine)
            state, message = _ended(counts), ""
        except LogikalBudgetSpent:  # a call not sent, or the engine between two units: resumable
            state, message = "running", "time budget spent; resumes on the next tick"
            if not resumable:
                state, message = _ended(counts), "time budget spent"
        except UserError as error:  # the connection cannot be used as configured (e.g. no password)
            state, message = "failed", str(error)
        except LogikalAuthError as error:
            state, message = "failed", self._auth_message(error, engine)
        except LogikalError as error:
            state, message = "failed", str(error)
        except TransactionRollbackError as error:  # another worker wrote the same rows: redo the unit later
            _logger.info("LogiKal sync run %s met a concurrent update (%s); it resumes", run.id, error.pgcode)
            self.transaction.rollback()
            state, message = (
                ("running", "")
                if resumable
                else ("partial" if counts.failures() else "done", "stopped by a concurrent update; the rest resumes")
            )
        except Exception as error:
            _logger.exception("LogiKal sync run %s crashed", run.id)
            self.transaction.rollback()
            state, message = "failed", f"internal error: {error.__class__.__name__}: {error}"
        self._finish(run, state, message, counts, stats, engine, time.monotonic() - started, progress)
        return RunOutcome(run, state, message)

    def _auth_message(self, error, engine):
        if engine is None:  # refused at login: the credentials, not the session
            return self.env._(
                "LogiKal refused the login of user %(user)s on connection %(name)s: check the user name and "
                "password (%(status)s).",
                user=self.backend.username,
                name=self.backend.name,
                status=error.status or error,
            )
        return str(error)

    def _write_heartbeat(self, run):
        run.write({"heartbeat": fields.Datetime.now()})
        self._on_heartbeat()

    def _finish(self, run, state, message, counts, stats, engine, seconds, progress):
        errors = counts.errors[:50] + ([message] if message and state != "running" else [])
        vals = _add_counts(run, counts.as_vals())
        vals.update(
            {
                "api_calls": run.api_calls + stats.total_calls,
                "logins": run.logins + stats.logins,
                "bytes_downloaded": run.bytes_downloaded + stats.bytes_in,
                "parts_downloads": run.parts_downloads + (engine.parts_lists if engine else 0),
                "thumbnail_downloads": run.thumbnail_downloads + (engine.thumbnails if engine else 0),
                "relogin_reasons": "\n".join(filter(None, [run.relogin_reasons, *stats.relogins])) or False,
                "calls_by_endpoint": _merge_calls(run.calls_by_endpoint, stats.calls),
                "error_summary": "\n".join(filter(None, [run.error_summary, *errors])) or False,
                "heartbeat": fields.Datetime.now(),
                "duration": run.duration + seconds,
            }
        )
        if state != "running":
            vals.update({"state": state, "end_date": fields.Datetime.now()})
            self._note_on_connection(state, message)
        if state == "partial":
            vals["error_summary"] = "\n".join(filter(None, [_partial_line(self.env, counts), vals["error_summary"]]))
        run.write(vals)
        progress.finish(state, message)  # final figures; a scheduled pass's result and alerts
        self.transaction.commit_unit()

    def _note_on_connection(self, state, message):
        """A failed run says why on its connection too; a run that worked clears it."""
        error = message[:250] if state == "failed" else False
        if self.backend.last_sync_error != error:
            self.backend.write({"last_sync_error": error})


def _ended(counts):
    """done only when every item of the scope synced; else partial."""
    return "partial" if counts.unsynced() else "done"


def _partial_line(env, counts):
    failed, waiting = counts.failures(), counts.waiting
    text = env._("%(count)s items failed", count=failed) if failed else ""
    if waiting:
        text = ", ".join(filter(None, [text, env._("%(count)s wait for their retry", count=waiting)]))
    return text + "."


def _parts_lists_first(env):
    """Whether parts lists outrank thumbnails (the elevation type) by priority in Sync Intervals."""
    priority = {
        c.object_type: c.priority
        for c in env["logikal.sync.config"].sudo().search([("object_type", "in", ("elevation", "parts_list"))])
    }
    return priority.get("parts_list", 0) < priority.get("elevation", 0)


def _add_counts(run, vals):
    return {name: run[name] + value for name, value in vals.items()}


def _merge_calls(previous, calls):
    merged = dict(previous or {})
    for endpoint, count in calls.items():
        merged[endpoint] = merged.get(endpoint, 0) + count
    return merged
