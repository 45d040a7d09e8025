"""Project-level change detection: when an unchanged project listing may stand for the project's content.

LogiKal lists each project with its `changedDate`. Whether an elevation edit bumps its project's date is
not documented (logikal-api.md §4.9), so the connector learns it per connection:
- every complete read of a project (first sync, Force Sync, verification) checks the invariant "no
  elevation is newer than its project"; the first violation proves the server does not bump: the
  connection stops trusting project dates (`project_dates_state = distrusted`, the reason in
  `project_dates_note`) and the pass reads every project again;
- a project may be skipped only after a complete read of its own (`descended_fingerprint` holds its listing
  data of then) and only while its listing, read again in this pass, still has that fingerprint;
- even then each project is read in full once per verification period, a few per pass (`rotation_share`).
The connection's `project_trust` forces either way (always / never); `auto` is the rule above.

A *descent* is a complete read of a project (phases, elevations and, for a full one, parts lists); the
project fields `descended_fingerprint` and `last_descent_date` keep the last full one.
"""

import hashlib
import logging

from odoo import fields

from ..logikal import planning

_logger = logging.getLogger(__name__)


def fingerprint(project):
    """The listing data of a stored project that must not move for it to be skipped."""
    parts = (
        fields.Datetime.to_string(project.logikal_changed_date) or "",
        project.name or "",
        project.job_number or "",
        project.offer_number or "",
        "deleted" if project.is_deleted else "",
    )
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def may_skip(backend):
    return planning.may_skip_projects(backend.project_trust, backend.project_dates_state == "distrusted")


def record_complete_read(project, *, full):
    """A complete read of `project`: a full one (elevations and parts lists) records its fingerprint."""
    project.write(
        {
            "descended_fingerprint": fingerprint(project) if full else False,
            "last_descent_date": fields.Datetime.now() if full else project.last_descent_date,
        }
    )


def record_violation(backend, project, elevation_date):
    """The server does not bump project dates: say so on the connection (once); True when it is news."""
    if backend.project_dates_state == "distrusted":
        return False
    note = backend.env._(
        "Project %(project)s is dated %(project_date)s but an elevation inside it changed on %(elevation_date)s "
        "(UTC): this server does not date projects by their elevations, so every project is read on every pass.",
        project=project.display_name,
        project_date=fields.Datetime.to_string(project.logikal_changed_date),
        elevation_date=fields.Datetime.to_string(elevation_date),
    )
    backend.sudo().write({"project_dates_state": "distrusted", "project_dates_note": note})
    _logger.warning("LogiKal connection %s: %s", backend.name, note)
    return True


def record_consistent(backend, project):
    """A complete read that kept the invariant: a connection never checked before learns to trust."""
    if backend.project_dates_state != "unknown":
        return
    note = backend.env._(
        "No elevation was newer than its project so far (first checked on %(project)s); every complete read "
        "checks it again.",
        project=project.display_name,
    )
    backend.sudo().write({"project_dates_state": "trusted", "project_dates_note": note})
