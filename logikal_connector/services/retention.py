"""Retention: sync run rows and Force Sync request rows older than a configurable period are purged."""

from datetime import timedelta

from odoo import fields

RETENTION_PARAM = "logikal_connector.retention_days"
DEFAULT_RETENTION_DAYS = 90


def retention_days(env):
    """Days run and request rows are kept: the system parameter (a whole number >= 1), else 90."""
    value = env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETENTION_DAYS
    return days if days >= 1 else DEFAULT_RETENTION_DAYS


def purge(env):
    """Delete finished runs and requests older than the retention period. Returns (runs, requests) deleted."""
    limit = fields.Datetime.now() - timedelta(days=retention_days(env))
    Request = env["logikal.sync.request"].sudo().with_context(active_test=False)
    requests = Request.search([("create_date", "<", limit), ("state", "not in", ("queued", "running"))])
    Run = env["logikal.sync.run"].sudo().with_context(active_test=False)
    runs = Run.search([("start_date", "<", limit), ("state", "!=", "running")])
    counts = len(runs), len(requests)
    requests.unlink()
    runs.unlink()
    return counts
