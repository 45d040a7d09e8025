import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..logikal import LogikalClient, LogikalError, LogikalSession
from ..logikal.client import base_url_problem
from ..logikal.session import shared_rules

_logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
MAX_USERNAME_LENGTH = 256
MAX_PASSWORD_LENGTH = 1024
# field: (lowest, highest, lowest allowed?) -- the timeouts must be strictly positive
LIMITS = {
    "connect_timeout": (0, 300, False),
    "read_timeout": (0, 3600, False),
    "parts_timeout": (0, 3600, False),
    "max_retries": (0, 10, True),
    "max_parts_mb": (1, 500, True),
    "parallel_sessions": (1, 8, True),
    "retry_delay_minutes": (1, 10080, True),
    "max_attempts": (1, 100, True),
    "verification_hours": (1, 8760, True),
}
PROJECT_TRUST = [
    ("auto", "Automatic"),
    ("always", "Always"),
    ("never", "Never"),
]
PROJECT_DATES_STATES = [
    ("unknown", "Not checked yet"),
    ("trusted", "Trusted"),
    ("distrusted", "Not trusted"),
]


class LogikalBackend(models.Model):
    """One LogiKal (MBIOE) server connection."""

    _name = "logikal.backend"
    _description = "LogiKal Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    url = fields.Char(
        "API URL",
        required=True,
        tracking=True,
        help="Base URL of the MBIOE service including /api/v3, e.g. http://server/MbioeService.svc/api/v3",
    )
    username = fields.Char(required=True, tracking=True)
    password = fields.Char("Stored password", groups="base.group_system", copy=False, prefetch=False)
    password_input = fields.Char(
        "Password",
        compute="_compute_password_input",
        inverse="_inverse_password_input",
        help="Write-only: the stored password is never shown again.",
    )
    has_password = fields.Boolean(compute="_compute_has_password")
    connect_timeout = fields.Float("Connect timeout (s)", default=5.0)
    read_timeout = fields.Float("Read timeout (s)", default=30.0)
    parts_timeout = fields.Float("Parts-list timeout (s)", default=120.0)
    max_retries = fields.Integer("Retries per call", default=3, help="Retries for server errors and timeouts.")
    max_parts_mb = fields.Integer("Parts-list size cap (MB)", default=20)
    parallel_sessions = fields.Integer(
        default=1, help="How many LogiKal sessions scheduled work may hold at once (one per cron worker)."
    )
    retry_delay_minutes = fields.Integer("Retry delay (min)", default=15, help="Wait before retrying a failed item.")
    max_attempts = fields.Integer("Attempts before parking", default=5)
    project_trust = fields.Selection(
        PROJECT_TRUST,
        "Skip unchanged projects",
        default="auto",
        required=True,
        tracking=True,
        help="Whether a scheduled pass may skip a project whose listing (change date, name, numbers, deleted "
        "flag) did not move since its last complete sync. Automatic: while no descent has shown an elevation "
        "newer than its project (which proves the server does not date projects by their elevations). "
        "Always: even then. Never: every pass descends into every project.",
    )
    verification_hours = fields.Integer(
        "Verification period (h)",
        default=24,
        help="Even skipped projects are fully read at least once in this period, a few per pass.",
    )
    project_dates_state = fields.Selection(
        PROJECT_DATES_STATES, "Project dates", default="unknown", readonly=True, copy=False
    )
    project_dates_note = fields.Char("Project dates evidence", readonly=True, copy=False)
    responsible_user_id = fields.Many2one(
        "res.users",
        "Responsible",
        default=lambda self: self.env.user,
        domain=lambda self: [("groups_id", "in", self.env.ref("logikal_connector.group_logikal_manager").ids)],
        help="Gets an activity when the scheduled sync of this connection keeps failing.",
    )
    sync_failure_streak = fields.Integer(
        "Failed passes in a row",
        readonly=True,
        help="Scheduled passes that failed or ended partial since the last clean one.",
    )
    last_test_date = fields.Datetime(readonly=True)
    last_test_result = fields.Char(readonly=True)
    last_sync_error = fields.Char(
        readonly=True, help="Why the last sync run of this connection failed (cleared by the next run that works)."
    )
    directory_ids = fields.One2many("logikal.directory", "backend_id")
    project_count = fields.Integer(compute="_compute_counts")
    elevation_count = fields.Integer(compute="_compute_counts")
    run_ids = fields.One2many("logikal.sync.run", "backend_id")

    def _compute_password_input(self):
        self.password_input = False

    def _inverse_password_input(self):
        for backend in self.filtered("password_input"):
            if len(backend.password_input) > MAX_PASSWORD_LENGTH:
                raise ValidationError(
                    self.env._("The password is too long (at most %(limit)s characters).", limit=MAX_PASSWORD_LENGTH)
                )
            backend.sudo().password = backend.password_input
        self.invalidate_recordset(["password_input"])  # the typed value must not be echoed back (web_save)

    def _compute_has_password(self):
        stored = {b.id: bool(b.password) for b in self.sudo()}
        for backend in self:
            backend.has_password = stored.get(backend.id, False)

    def _compute_counts(self):
        for backend in self:
            backend.project_count = self.env["logikal.project"].search_count([("backend_id", "=", backend.id)])
            backend.elevation_count = self.env["logikal.elevation"].search_count([("backend_id", "=", backend.id)])

    @api.constrains("url")
    def _check_url(self):
        for backend in self:
            problem = backend._url_problem(backend.url or "")
            if problem:
                raise ValidationError(  # the URL itself is not repeated: it may hold credentials
                    self.env._(
                        "The API URL is not usable: %(problem)s. Example: https://server/MbioeService.svc/api/v3",
                        problem=problem,
                    )
                )

    def _url_problem(self, url):
        """Why `url` cannot be a LogiKal API base URL (translated), or None when it can: the pure package's
        rule (base_url_problem), which the client applies too."""
        problem = base_url_problem(url, max_length=MAX_URL_LENGTH)
        if problem is None:
            return None
        return {
            "too_long": self.env._("it is longer than %(limit)s characters", limit=MAX_URL_LENGTH),
            "invalid": self.env._("it is not a valid URL"),
            "scheme": self.env._("it must start with http:// or https://"),
            "host": self.env._("it must name a host"),
            "credentials": self.env._("it must not contain a user or password (they have their own fields)"),
            "query": self.env._("it must not contain spaces, a query (?) or a fragment (#)"),
        }[problem]

    @api.constrains("username")
    def _check_username(self):
        for backend in self:
            if not (backend.username or "").strip() or len(backend.username) > MAX_USERNAME_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The LogiKal user name must be set and at most %(limit)s characters long.",
                        limit=MAX_USERNAME_LENGTH,
                    )
                )

    @api.constrains(*LIMITS)
    def _check_limits(self):
        for backend in self:
            for name, (low, high, low_included) in LIMITS.items():
                value = backend[name]
                if value > high or value < low or (value == low and not low_included):
                    raise ValidationError(backend._limit_message(name, low, high, low_included, value))

    def _limit_message(self, name, low, high, low_included, value):
        label = self._fields[name]._description_string(self.env)
        if low_included:
            return self.env._(
                "%(field)s must be between %(low)s and %(high)s (got %(value)s).",
                field=label,
                low=low,
                high=high,
                value=value,
            )
        return self.env._(
            "%(field)s must be greater than %(low)s and at most %(high)s (got %(value)s).",
            field=label,
            low=low,
            high=high,
            value=value,
        )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalise_vals(vals) for vals in vals_list])

    def write(self, vals):
        if "project_trust" in vals:
            self._restart_project_evidence(vals["project_trust"])
        return super().write(self._normalise_vals(vals))

    def _restart_project_evidence(self, trust):
        """A new skip mode starts the evidence afresh: projects are read in full again before any is skipped."""
        changed = self.filtered(lambda b: b.project_trust != trust)
        if not changed:
            return
        self.env.cr.execute(
            "UPDATE logikal_project SET descended_fingerprint = NULL WHERE backend_id IN %s", (tuple(changed.ids),)
        )
        self.env["logikal.project"].invalidate_model(["descended_fingerprint"])
        super(LogikalBackend, changed).write({"project_dates_state": "unknown", "project_dates_note": False})

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        # export_data reads values without the field-level check that read() does: keep `password` system-only
        self.check_field_access_rights("read", list({path[0] for path in fields if path}))
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    @staticmethod
    def _normalise_vals(vals):
        if vals.get("url"):
            vals = dict(vals, url=vals["url"].strip().rstrip("/"))
        if vals.get("username"):
            vals = dict(vals, username=vals["username"].strip())
        return vals

    # ------------------------------------------------------------------ client
    def _client(self, stats=None):
        self.ensure_one()
        return LogikalClient(
            self.url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            parts_timeout=self.parts_timeout,
            max_retries=self.max_retries,
            max_parts_bytes=self.max_parts_mb * 1024 * 1024,
            stats=stats,
        )

    def _session(self, stats=None):
        """A LogiKal session (context manager) for this connection: login on enter, logout on exit."""
        self.ensure_one()
        password = self.sudo().password
        if not password:
            raise UserError(self.env._("Connection %(name)s has no password.", name=self.name))
        client = self._client(stats)
        return LogikalSession(client, self.username, password, rules=shared_rules(client.base_url, self.username))

    # ------------------------------------------------------------------ actions
    def action_test_connection(self):
        self.ensure_one()
        self.check_access("write")  # logs in to LogiKal: connection managers only
        try:
            version = self._client().version()
            with self._session() as session:
                roots = session.list_root_directories()
        except (LogikalError, UserError) as error:
            return self._test_result(False, self.env._("Connection failed: %(error)s", error=error))
        label = _version_label(version)
        return self._test_result(
            True, self.env._("Connected to %(server)s: %(count)s root directories.", server=label, count=len(roots))
        )

    def _test_result(self, success, message):
        self.sudo().write({"last_test_date": fields.Datetime.now(), "last_test_result": message})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if success else "danger",
                "title": self.env._("Test Connection"),
                "message": message,
                "sticky": not success,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_force_sync(self):
        """Sync everything this connection reaches (queued for the scheduler)."""
        self.check_access("read")
        requests = self.env["logikal.sync.request"]
        for backend in self:
            requests |= requests._request("backend", {"backend_id": backend.id})
        return requests._queued_action()

    def action_view_runs(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("logikal_connector.logikal_sync_run_action")
        action["domain"] = [("backend_id", "=", self.id)]
        return action


def _version_label(version):
    components = (version or {}).get("componentVersions") or []
    if components and isinstance(components[0], dict):
        first = components[0]
        return f"{first.get('name', 'MBIOE')} {first.get('version', '')}".strip()
    return "LogiKal"
