"""The abstract models that declare, once, the fields every synced LogiKal model shares.

Binding (the word of OCA connector's `external.binding`): the Odoo record that stands for one LogiKal object
read through one connection (`logikal.backend`). Directories, projects, phases and elevations are bindings;
phases and elevations are also project content (`logikal.project.content`): archived and restored with it.

Only what means the same on every model that inherits it is declared here. What differs stays on the model:

- identity: a directory is its `path` (LogiKal gives directories no id), a project's `logikal_id` is unique per
  connection, a phase's per project, an elevation's per phase, each with its own SQL constraint;
- how `backend_id` is set: a directory and a project belong to a connection (required, deleted with it), a
  phase and an elevation to their project's (a related field); the company is always the connection's;
- help texts that speak of one kind of record (a project's `deleted_date`).
"""

from odoo import fields, models


class LogikalBinding(models.AbstractModel):
    """A record read from one LogiKal connection, archived (not deleted) when LogiKal no longer lists it."""

    _name = "logikal.binding"
    _description = "LogiKal binding"

    backend_id = fields.Many2one("logikal.backend", index=True, readonly=True)  # each model says how it is set
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    active = fields.Boolean(default=True, readonly=True)


class LogikalObjectBinding(models.AbstractModel):
    """A binding of a LogiKal object that has a GUID (projects, phases, elevations)."""

    _name = "logikal.object.binding"
    _inherit = ["logikal.binding"]
    _description = "LogiKal object binding"

    logikal_id = fields.Char("LogiKal ID", required=True, readonly=True)


class LogikalDatedBinding(models.AbstractModel):
    """An object binding whose LogiKal object carries dates (projects, elevations).

    `deleted_date` is when the sync archived the record (LogiKal deleted or recycled the object, or no longer
    lists it); it is cleared when the object comes back.
    """

    _name = "logikal.dated.binding"
    _inherit = ["logikal.object.binding"]
    _description = "LogiKal dated object binding"

    logikal_created_date = fields.Datetime("Created in LogiKal", readonly=True)
    logikal_changed_date = fields.Datetime("Changed in LogiKal", readonly=True)
    deleted_date = fields.Datetime("Archived on", readonly=True)


class LogikalProjectContent(models.AbstractModel):
    """Phases and elevations: read with their project, archived with it and restored with it."""

    _name = "logikal.project.content"
    _description = "LogiKal project content"

    archived_with_project = fields.Boolean(
        readonly=True, copy=False, help="Archived because its project was: it comes back with the project."
    )
