"""Live progress of sync runs on Odoo's bus, and the alerts of scheduled passes that fail.

A `RunProgress` follows one `execute` of a run: the engine tells it which project it starts and calls
`report()` before each commit; at most one `logikal_sync_progress` message per run every
`MIN_INTERVAL` seconds goes to the people who asked for the run (the requesters of its Force Sync / Sync
now requests), or, for a scheduled pass nobody asked for, to the LogiKal managers who are online (Odoo's
bus presence). Nobody to tell: no message. The run's `progress_*` fields are written with each message,
so an open run form reads the same figures.

The end of a run is one more message: `announce_requests` for requested runs (the scheduler calls it once
the requests and their records are written), `RunProgress.finish` for scheduled passes. A scheduled pass
that fails or ends partial starts a *failure streak* of its connection: the managers are alerted once
(bus + a note on the connection), the connection's responsible gets an activity after
`ACTIVITY_AFTER` failed passes in a row, and the first clean pass ends the streak.
"""

import time
from datetime import timedelta

from odoo import fields

PROGRESS = "logikal_sync_progress"
ALERT = "logikal_sync_alert"
MIN_INTERVAL = 2.0  # seconds between two progress messages of one run
ONLINE_WINDOW = timedelta(minutes=5)  # a presence older than this is a browser that went away uncleanly
ACTIVITY_AFTER = 3  # failed scheduled passes in a row before the responsible gets an activity
MANAGER_GROUP = "logikal_connector.group_logikal_manager"
ACTIVITY_TYPE = "mail.mail_activity_data_warning"
FINAL_STATES = ("done", "partial", "failed", "aborted")


class NoProgress:
    """What an engine reports to when nobody follows it."""

    def expect(self, total):
        pass

    def project_started(self, project):
        pass

    def report(self):
        pass


class RunProgress(NoProgress):
    def __init__(self, env, run, counts, *, clock=time.monotonic):
        self.env = env
        self.run = run
        self.counts = counts
        self._clock = clock
        self.done = run.progress_done
        self.total = run.progress_total
        self.current = run.current_project_id
        # a resumed run already told its people something a moment ago: wait one interval
        self._last_sent = clock() if run.duration else None

    # ------------------------------------------------------------------ engine hooks
    def expect(self, total):
        """The run covers `total` projects (a Force Sync, once its directories are listed)."""
        self.total = total

    def project_started(self, project):
        """The engine starts `project`: the one before it is done."""
        if self.current and self.current != project:
            self.done += 1
        self.current = project

    def report(self):
        """Before a commit: write the run's progress and send it, when the last message is MIN_INTERVAL old."""
        now = self._clock()
        if self._last_sent is not None and now - self._last_sent < MIN_INTERVAL:
            return
        self._last_sent = now
        self._write()
        partners = self._recipients()
        if partners:
            self._send(partners, PROGRESS, self.payload())

    # ------------------------------------------------------------------ figures
    def _total(self):
        """The projects of a scheduled pass once its tree is listed, else what `expect` said (0: unknown)."""
        return len(self.run.planned_project_ids) or self.total

    def _done(self):
        done = self.done + sum(self.run.helper_ids.mapped("progress_done"))
        total = self._total()
        return min(done, total) if total else done

    def _elevations(self):
        stored = sum(self.run[f"elevation_{outcome}"] for outcome in ("created", "updated", "unchanged"))
        live = sum(self.counts.by_type["elevation"][o] for o in ("created", "updated", "unchanged"))
        return stored + live

    def _write(self, final=False):
        values = {
            "progress_done": self._done(),
            "progress_total": self._total(),
            "current_project_id": False if final else self.current.id or False,
        }
        run = self.run
        if values != {
            "progress_done": run.progress_done,
            "progress_total": run.progress_total,
            "current_project_id": run.current_project_id.id or False,
        }:
            run.write(values)

    def payload(self, state="running"):
        payload = run_payload(self.run, state, done=self._done(), total=self._total(), current=self.current.name or "")
        if state == "running":  # the run's own counts are written when it ends
            payload.update(elevations=self._elevations(), failures=self.run.total_failed + self.counts.failures())
        return payload

    # ------------------------------------------------------------------ who hears it
    def _recipients(self):
        requesters = requesters_of(self.env, self.run)
        if requesters:
            return requesters.partner_id
        if self.run.trigger == "cron" and not self.run.parent_id:
            return online_managers(self.env).partner_id
        return self.env["res.partner"]

    def _send(self, partners, kind, payload):
        for partner in partners:
            self.env["bus.bus"]._sendone(partner, kind, payload)

    # ------------------------------------------------------------------ the end
    def finish(self, state, message):
        """The run ended in `state` (or stays 'running' to resume): final figures; a pass's result/alerts."""
        if state not in FINAL_STATES:
            self._write()
            return
        if self.current:
            self.done += 1
            self.current = self.env["logikal.project"]
        self._write(final=True)
        if self.run.trigger != "cron" or self.run.parent_id:
            return  # requested runs are announced with their requests; helper runs by their lead
        payload = dict(self.payload(state), final=True, message=message or "", title=result_title(self.env, self.run))
        self._send(online_managers(self.env).partner_id, PROGRESS, payload)
        FailureStreak(self.env, self.run.backend_id).record(self.run, state, message)


def run_payload(run, state, *, done=None, total=None, current=""):
    """The JSON a progress message carries (the web client's `logikal_sync_progress` listener reads it)."""
    return {
        "run_id": run.id,
        "backend_id": run.backend_id.id,
        "trigger": run.trigger,
        "scope": run.scope or "",
        "state": state,
        "done": run.progress_done if done is None else done,
        "total": run.progress_total if total is None else total,
        "elevations": sum(run[f"elevation_{o}"] for o in ("created", "updated", "unchanged")),
        "failures": run.total_failed,
        "current": current,
        "final": False,
    }


def result_title(env, run):
    if run.state == "done":
        return env._("LogiKal sync done")
    if run.state == "partial":
        return env._("LogiKal sync partial: %(count)s failed", count=run.total_failed)
    return env._("LogiKal sync failed")


def requesters_of(env, run):
    """Users who asked for `run`: its requests' authors (coalesced requests share a run), else its own."""
    requests = env["logikal.sync.request"].sudo().search([("run_id", "=", run.id)])
    return (requests.requested_by_id | run.requested_by_id).filtered("active")


def online_managers(env):
    """LogiKal managers with a browser connected to the bus (online or away) recently."""
    group = env.ref(MANAGER_GROUP, raise_if_not_found=False)
    if not group:
        return env["res.users"]
    presences = (
        env["bus.presence"]
        .sudo()
        .search(
            [
                ("user_id", "in", group.sudo().users.ids),
                ("status", "!=", "offline"),
                ("last_poll", ">=", fields.Datetime.now() - ONLINE_WINDOW),
            ]
        )
    )
    return presences.user_id


def managers(env):
    group = env.ref(MANAGER_GROUP, raise_if_not_found=False)
    return group.sudo().users.filtered("active") if group else env["res.users"]


def announce_requests(requests):
    """The end of Force Sync / Sync now requests, one message per requester: the result, closing the progress."""
    for request in requests.filtered("requested_by_id"):
        run = request.run_id
        ended = run and request.state in ("done", "partial")  # partial: some items of the scope did not sync
        state = run.state if ended else "failed"
        payload = dict(
            run_payload(run, state) if run else {"run_id": False, "state": "failed"},
            final=True,
            title=result_title(request.env, run) if ended else request.env._("LogiKal sync failed"),
            message=request.message or "",
        )
        target = request._target()
        if target:
            payload.update(res_model=target._name, res_id=target.id)
        request.env["bus.bus"]._sendone(request.requested_by_id.partner_id, PROGRESS, payload)


class FailureStreak:
    """Scheduled passes of one connection that failed (or ended partial) in a row, and who was told."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend.sudo()

    def record(self, run, state, message):
        if state == "done":
            self._end()
            return
        if state not in ("failed", "partial"):
            return
        streak = self.backend.sync_failure_streak + 1
        self.backend.write({"sync_failure_streak": streak})
        reason = _reason(run, message)
        if streak == 1:
            self._alert(run, reason)
        if streak == ACTIVITY_AFTER:
            self._schedule_activity(run, reason, streak)

    def _alert(self, run, reason):
        env = self.env
        title = env._("LogiKal: scheduled sync of %(name)s failed", name=self.backend.name)
        if run.state == "partial":
            title = env._("LogiKal: scheduled sync of %(name)s ended partial", name=self.backend.name)
        payload = {
            "title": title,
            "message": reason,
            "run_id": run.id,
            "backend_id": self.backend.id,
            "state": run.state,
        }
        for partner in managers(env).partner_id:
            env["bus.bus"]._sendone(partner, ALERT, payload)
        self.backend.message_post(
            body=env._("%(title)s: %(reason)s", title=title, reason=reason), subtype_xmlid="mail.mt_note"
        )

    def _schedule_activity(self, run, reason, streak):
        user = self.backend.responsible_user_id
        if not user or not user.active:
            return
        self.backend.activity_schedule(
            ACTIVITY_TYPE,
            user_id=user.id,
            summary=self.env._("LogiKal sync keeps failing (%(count)s passes in a row)", count=streak),
            note=reason,
        )

    def _end(self):
        if self.backend.sync_failure_streak:
            self.backend.write({"sync_failure_streak": 0})
            self.backend.activity_feedback([ACTIVITY_TYPE], feedback=self.env._("The scheduled sync works again."))


def _reason(run, message):
    lines = (run.error_summary or "").splitlines()
    if run.state == "partial":
        return run.env._(
            "%(count)s items failed, first: %(first)s", count=run.total_failed, first=lines[0] if lines else "?"
        )
    return message or (lines[-1] if lines else "?")
