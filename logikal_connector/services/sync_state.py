"""Per-connection sync status of each object type (`logikal.sync.state`), as the scheduler records it.

The intervals are one setting per type (`logikal.sync.config`); what was synced when, with which result,
is kept per connection so one connection's failure is never hidden by another's success.
"""

from odoo import fields

from ..logikal import planning


def configs(env):
    return env["logikal.sync.config"].sudo().search([])


def states(env, backend, types):
    chosen = configs(env).filtered(lambda c: c.object_type in types)
    return env["logikal.sync.state"].sudo()._for(backend, chosen)


def plan(env, backend, now):
    """The object types due on `backend` now (its own last syncs), in order: a planning.Plan."""
    return planning.plan(configs(env)._planning_configs(backend), now)


def blocked(env, backend, types, now):
    """{type: parent} of `types` whose parent type is still stale on `backend` (noted on its status)."""
    rules = configs(env)._planning_configs(backend)
    found = {t: planning.blocked_by(rules, t, now, synced_with=types) for t in types}
    found = {t: parent for t, parent in found.items() if parent}
    for object_type, parent in found.items():
        states(env, backend, {object_type}).write(
            {"last_result": "skipped", "last_message": env._("waiting for %(parent)s: it is not fresh", parent=parent)}
        )
    return found


def note_attempt(env, backend, types):
    states(env, backend, types).write({"last_attempt": fields.Datetime.now()})


def note_synced(env, backend, types, counts, complete=True):
    """`types` were synced now on `backend` (written with the unit that completed them)."""
    if not types:
        return
    unsynced = counts.unsynced()
    states(env, backend, types).write(
        {
            "last_sync": fields.Datetime.now(),
            "last_result": "partial" if unsynced or not complete else "done",
            "last_message": env._("%(count)s items did not sync; they are retried", count=unsynced)
            if unsynced
            else False,
        }
    )


def note_failure(env, backend, types, message):
    states(env, backend, types).write({"last_result": "failed", "last_message": (message or "")[:250]})


def refuse_requests_of_archived_connections(env):
    """Fail the waiting Force Sync requests of archived connections: no worker serves them."""
    Request = env["logikal.sync.request"].sudo().with_context(active_test=False)
    waiting = Request.search([("state", "in", ("queued", "running")), ("backend_id.active", "=", False)])
    for request in waiting:
        request.write(
            {
                "state": "failed",
                "done_date": fields.Datetime.now(),
                "message": env._(
                    "Connection %(name)s is archived: it is not synced. Restore it to sync again.",
                    name=request.backend_id.name,
                ),
            }
        )
        target = request._target()
        if target and target.sync_state in ("queued", "running"):
            target.write({"sync_state": "failed", "sync_error": request.message})
    waiting._announce()
    return waiting
