"""Access rights, the password and secrets: plain internal user, LogiKal user, LogiKal manager and system
administrator, through the ORM and through JSON-RPC; the password never in logs, run rows or chatter;
the neutralize script."""

import json
import logging
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.modules import neutralize
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..models.res_config_settings import MASTER_SWITCH, background_sync_enabled
from ..services.engine import SyncEngine
from .common import PASSWORD as SIM_PASSWORD
from .common import LogikalSimulatorCase

PASSWORD = "Stored-Secret-42!"
NULL_GUID = "00000000-0000-0000-0000-000000000000"
ROLES = ("plain", "user", "manager")
GROUPS = {
    "plain": "base.group_user",
    "user": "logikal_connector.group_logikal_user",
    "manager": "logikal_connector.group_logikal_manager",
    "system": "base.group_system,logikal_connector.group_logikal_manager",
}
# model: rights of (plain internal user, LogiKal user, LogiKal manager); r=read w=write c=create u=unlink
RIGHTS = {
    "logikal.backend": ("", "r", "rwcu"),
    "logikal.directory": ("", "r", "rw"),
    "logikal.project": ("", "r", "r"),
    "logikal.phase": ("", "r", "r"),
    "logikal.elevation": ("", "r", "r"),
    "logikal.elevation.glass": ("", "r", "r"),
    "logikal.elevation.bom.line": ("", "r", "r"),
    "logikal.sync.config": ("", "r", "rw"),
    "logikal.sync.run": ("", "r", "r"),
    "logikal.sync.request": ("", "r", "r"),
    "logikal.sync.state": ("", "r", "r"),
}
WRITES = {
    "logikal.backend": {"name": "Renamed"},
    "logikal.directory": {"exclude_from_sync": True},
    "logikal.project": {"name": "Renamed"},
    "logikal.phase": {"name": "Renamed"},
    "logikal.elevation": {"name": "Renamed"},
    "logikal.elevation.glass": {"name": "Renamed"},
    "logikal.elevation.bom.line": {"code": "Renamed"},
    "logikal.sync.config": {"sync_interval_minutes": 45},
    "logikal.sync.run": {"scope": "Renamed"},
    "logikal.sync.request": {"message": "Renamed"},
    "logikal.sync.state": {"last_message": "Renamed"},
}
# every public action_* of the addon: (model, method, extra args) -> the roles allowed to call it over RPC
ACTIONS = {
    ("logikal.backend", "action_test_connection", ()): ("manager",),
    ("logikal.backend", "action_force_sync", ()): ("user", "manager"),
    ("logikal.backend", "action_view_runs", ()): ("user", "manager"),
    ("logikal.directory", "action_include", ()): ("manager",),
    ("logikal.directory", "action_exclude", ()): ("manager",),
    ("logikal.directory", "action_view_projects", ()): ("user", "manager"),
    ("logikal.directory", "action_force_sync", ()): ("user", "manager"),
    ("logikal.project", "action_view_elevations", ()): ("user", "manager"),
    ("logikal.project", "action_view_errors", ()): ("user", "manager"),
    ("logikal.project", "action_view_runs", ()): ("user", "manager"),
    ("logikal.project", "action_force_sync", ()): ("user", "manager"),
    ("logikal.elevation", "action_force_sync", ()): ("user", "manager"),
    ("logikal.elevation", "action_reparse", ()): ("manager",),
    ("logikal.sync.config", "action_sync_now", ()): ("manager",),
    ("logikal.sync.config", "action_set_background_sync", (True,)): ("manager",),
    ("logikal.sync.config", "action_pause_background_sync", ()): ("manager",),
    ("logikal.sync.config", "action_resume_background_sync", ()): ("manager",),
    ("logikal.sync.config", "action_reset_defaults", ()): ("manager",),
    ("logikal.sync.config", "action_view_status", ()): ("user", "manager"),
}
API_MODEL_ACTIONS = {"action_set_background_sync"}


def create_users(env, prefix):
    return {
        role: new_test_user(env, f"{prefix}_{role}", groups=groups, name=f"LogiKal {role}")
        for role, groups in GROUPS.items()
    }


def create_records(env, name="Security"):
    """One record per model (as superuser), keyed by model name."""
    backend = env["logikal.backend"].create(
        {
            "name": name,
            "url": "http://127.0.0.1:9/api/v3",
            "username": "odoo",
            "password_input": PASSWORD,
        }
    )
    directory = env["logikal.directory"].create({"backend_id": backend.id, "path": "Klanten", "name": "Klanten"})
    project = env["logikal.project"].create(
        {
            "backend_id": backend.id,
            "logikal_id": "11111111-1111-1111-1111-111111111111",
            "name": "Villa",
            "directory_id": directory.id,
        }
    )
    phase = env["logikal.phase"].create({"project_id": project.id, "logikal_id": NULL_GUID})
    elevation = env["logikal.elevation"].create(
        {
            "phase_id": phase.id,
            "logikal_id": "22222222-2222-2222-2222-222222222222",
            "name": "P01",
        }
    )
    return {
        "logikal.backend": backend,
        "logikal.directory": directory,
        "logikal.project": project,
        "logikal.phase": phase,
        "logikal.elevation": elevation,
        "logikal.elevation.glass": env["logikal.elevation.glass"].create({"elevation_id": elevation.id, "name": "G"}),
        "logikal.elevation.bom.line": env["logikal.elevation.bom.line"].create(
            {"elevation_id": elevation.id, "kind": "article", "code": "A1"}
        ),
        "logikal.sync.config": env["logikal.sync.config"].search([("object_type", "=", "project")]),
        "logikal.sync.run": env["logikal.sync.run"].create({"backend_id": backend.id, "trigger": "manual"}),
        "logikal.sync.request": env["logikal.sync.request"].create({"backend_id": backend.id, "scope": "backend"}),
        "logikal.sync.state": env["logikal.sync.state"].create(
            {
                "backend_id": backend.id,
                "config_id": env["logikal.sync.config"].search([("object_type", "=", "project")]).id,
            }
        ),
    }


def create_vals(records, model):
    """Valid values for a new record of `model` next to `records` (what an allowed creator would send)."""
    backend, phase = records["logikal.backend"], records["logikal.phase"]
    elevation = records["logikal.elevation"]
    return {
        "logikal.backend": {"name": "New", "url": "https://logikal.example.com/api/v3", "username": "u"},
        "logikal.directory": {"backend_id": backend.id, "path": "Nieuw", "name": "Nieuw"},
        "logikal.project": {
            "backend_id": backend.id,
            "logikal_id": "33333333-3333-3333-3333-333333333333",
            "name": "New",
        },
        "logikal.phase": {
            "project_id": records["logikal.project"].id,
            "logikal_id": "44444444-4444-4444-4444-444444444444",
        },
        "logikal.elevation": {"phase_id": phase.id, "logikal_id": "55555555-5555-5555-5555-555555555555"},
        "logikal.elevation.glass": {"elevation_id": elevation.id, "name": "New"},
        "logikal.elevation.bom.line": {"elevation_id": elevation.id, "kind": "profile"},
        "logikal.sync.config": {"object_type": "project"},
        "logikal.sync.run": {"backend_id": backend.id, "trigger": "manual"},
        "logikal.sync.request": {"backend_id": backend.id, "scope": "backend"},
        "logikal.sync.state": {
            "backend_id": backend.id,
            "config_id": records["logikal.sync.config"].search([("object_type", "=", "phase")]).id,
        },
    }[model]


def allowed(model, role, right):
    return right in RIGHTS[model][ROLES.index(role)]


class CaptureHandler(logging.Handler):
    """Keeps every record it is given, formatted with its traceback."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []
        self.names = set()

    def emit(self, record):
        self.lines.append(self.format(record))
        self.names.add((record.levelno, record.name))

    @property
    def text(self):
        return "\n".join(self.lines)


class capture_all_logs:
    """Every logger at DEBUG into one CaptureHandler; the console handlers stay quiet meanwhile."""

    def __enter__(self):
        self.handler = CaptureHandler()
        root = logging.getLogger()
        loggers = [root, *(lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger))]
        self.saved_levels = [(lg, lg.level) for lg in loggers]
        self.saved_handlers = [(handler, handler.level) for handler in root.handlers]
        for handler in root.handlers:
            handler.setLevel(logging.CRITICAL + 1)
        for lg in loggers:
            if lg is root or lg.level != logging.NOTSET:
                lg.setLevel(logging.DEBUG)
        root.addHandler(self.handler)
        return self.handler

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self.handler)
        for lg, level in self.saved_levels:
            lg.setLevel(level)
        for handler, level in self.saved_handlers:
            handler.setLevel(level)


class AccessFixture:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = create_users(cls.env, cls.login_prefix)
        cls.records = create_records(cls.env)
        cls.records["logikal.sync.request"].state = "done"
        cls.backend = cls.records["logikal.backend"]


@tagged("post_install", "-at_install")
class TestAccessRightsOrm(AccessFixture, TransactionCase):
    login_prefix = "lk_orm"

    def test_rights_of_every_role_on_every_model(self):
        for model in RIGHTS:
            for role in ROLES:
                with self.subTest(model=model, role=role):
                    self.check_read_write(model, role)
                    self.check_create_unlink(model, role)

    def check_read_write(self, model, role):
        user, record = self.users[role], self.records[model]
        [(field, value)] = WRITES[model].items()
        before = record[field]
        if allowed(model, role, "r"):
            self.assertEqual(record.with_user(user).read(["display_name"])[0]["id"], record.id)
        else:
            with self.assertRaises(AccessError):
                record.with_user(user).read(["display_name"])
        if allowed(model, role, "w"):
            record.with_user(user).write({field: value})
            self.assertEqual(record[field], value)
            record.write({field: before})
        else:
            with self.assertRaises(AccessError):
                record.with_user(user).write({field: value})
            self.assertEqual(record[field], before)

    def check_create_unlink(self, model, role):
        user, Model = self.users[role], self.env[model]
        for operation in ("read", "write", "create", "unlink"):
            self.assertEqual(Model.with_user(user).has_access(operation), allowed(model, role, operation[0]))
        if allowed(model, role, "c"):
            created = Model.with_user(user).create(create_vals(self.records, model))
            self.assertEqual(created.create_uid, user)
            created.unlink()
        else:
            count = Model.with_context(active_test=False).search_count([])
            with self.assertRaises(AccessError):
                Model.with_user(user).create(create_vals(self.records, model))
            self.assertEqual(Model.with_context(active_test=False).search_count([]), count)
        target = Model.create(create_vals(self.records, model)) if allowed(model, role, "u") else self.records[model]
        if allowed(model, role, "u"):
            target.with_user(user).unlink()
            self.assertFalse(target.exists())
        else:
            with self.assertRaises(AccessError):
                target.with_user(user).unlink()
            self.assertTrue(target.exists())

    def test_every_logikal_model_has_access_rows_and_is_checked_here(self):
        models = self.env["ir.model"].search([("model", "=like", "logikal.%")])
        concrete = {m.model for m in models if not self.env[m.model]._abstract}
        self.assertEqual(concrete, set(RIGHTS), "a new model (or wizard) needs access rows and a line in RIGHTS")
        groups = self.env.ref("logikal_connector.group_logikal_user") | self.env.ref(
            "logikal_connector.group_logikal_manager"
        )
        for model in models.filtered(lambda m: m.model in concrete):
            self.assertTrue(model.access_ids.filtered(lambda a: a.group_id in groups), model.model)
            self.assertFalse(model.access_ids.filtered(lambda a: not a.group_id), f"{model.model}: global access")

    def test_master_switch_for_managers_only(self):
        Config = self.env["logikal.sync.config"]
        Config.with_user(self.users["manager"]).action_set_background_sync(False)
        self.assertFalse(background_sync_enabled(self.env))
        for role in ("plain", "user"):
            with self.assertRaises(AccessError):
                Config.with_user(self.users[role]).action_set_background_sync(True)
        self.assertFalse(background_sync_enabled(self.env))
        Config.with_user(self.users["manager"]).action_set_background_sync(True)
        self.assertTrue(background_sync_enabled(self.env))

    def test_intervals_list_pause_and_resume_buttons(self):
        manager_configs = self.env["logikal.sync.config"].with_user(self.users["manager"]).browse()
        action = manager_configs.action_pause_background_sync()
        self.assertFalse(background_sync_enabled(self.env))
        self.assertIn("paused", action["params"]["message"])
        manager_configs.action_resume_background_sync()
        self.assertTrue(background_sync_enabled(self.env))
        with self.assertRaises(AccessError):
            self.env["logikal.sync.config"].with_user(self.users["user"]).browse().action_pause_background_sync()
        self.assertTrue(background_sync_enabled(self.env))

    def test_manager_changes_only_the_exclusion_of_a_directory(self):
        directory = self.records["logikal.directory"].with_user(self.users["manager"])
        directory.action_exclude()
        self.assertTrue(directory.is_excluded)
        for vals in ({"name": "Hacked"}, {"path": "Elsewhere"}, {"active": False}, {"parent_id": False}):
            with self.assertRaises(AccessError):
                directory.write(vals)
        self.assertEqual((directory.name, directory.path, directory.active), ("Klanten", "Klanten", True))
        with self.assertRaises(AccessError):
            directory.with_user(self.users["user"]).action_include()

    def test_logikal_user_can_force_sync_everything_they_see(self):
        user = self.users["user"]
        for model in ("logikal.backend", "logikal.directory", "logikal.project", "logikal.elevation"):
            action = self.records[model].with_user(user).action_force_sync()
            self.assertEqual((action["type"], action["tag"]), ("ir.actions.client", "display_notification"))
        requests = self.env["logikal.sync.request"].search([("requested_by_id", "=", user.id)])
        self.assertEqual(sorted(requests.mapped("scope")), ["backend", "directory", "elevation", "project"])
        self.assertEqual(set(requests.mapped("state")), {"queued"})
        self.assertEqual(self.records["logikal.project"].sync_state, "queued")
        with self.assertRaises(AccessError):
            self.records["logikal.project"].with_user(self.users["plain"]).action_force_sync()

    def test_only_managers_test_the_connection(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.users["user"]).action_test_connection()
        self.assertFalse(self.backend.last_test_date)

    def test_other_company_data_is_invisible(self):
        other = create_records(self.env, "Other company")
        other["logikal.backend"].company_id = self.env["res.company"].create({"name": "LogiKal B"})
        user = self.users["user"]
        for model in RIGHTS:
            if model == "logikal.sync.config":
                continue
            with self.subTest(model=model):
                Model = self.env[model].with_user(user).with_context(active_test=False)
                self.assertEqual(other[model].company_id, other["logikal.backend"].company_id)
                self.assertIn(self.records[model], Model.search([]))
                self.assertNotIn(other[model], Model.search([]))
                with self.assertRaises(AccessError):
                    other[model].with_user(user).read(["display_name"])
        user.company_ids |= other["logikal.backend"].company_id
        both = self.env["logikal.project"].with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
        self.assertIn(other["logikal.project"], both.search([]))


@tagged("post_install", "-at_install")
class TestPasswordOrm(AccessFixture, TransactionCase):
    login_prefix = "lk_pwd"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exporter = new_test_user(
            cls.env, "lk_pwd_exporter", groups="logikal_connector.group_logikal_manager,base.group_allow_export"
        )

    def attempts(self, backend):
        project = self.records["logikal.project"].with_user(backend.env.user)
        return {
            "read": lambda: backend.read(["password"]),
            "search_read": lambda: backend.search_read([("id", "=", backend.id)], ["password"]),
            "web_read": lambda: backend.web_read({"password": {}}),
            "web_search_read": lambda: backend.web_search_read([], {"password": {}}),
            "fetch": lambda: backend.fetch(["password"]),
            "search by password": lambda: backend.search([("password", "=", PASSWORD)]),
            "search by prefix": lambda: backend.search([("password", "=like", "S%")]),
            "order by password": lambda: backend.search([], order="password"),
            "read_group": lambda: backend.read_group([], ["password:count"], ["password"]),
            "export": lambda: backend.export_data(["password"]),
            "export through a project": lambda: project.export_data(["name", "backend_id/password"]),
            "write": lambda: backend.write({"password": "Overwritten-1"}),
        }

    def test_password_is_unreadable_below_system(self):
        for user in (self.users["user"], self.users["manager"], self.exporter):
            backend = self.backend.with_user(user)
            for name, attempt in self.attempts(backend).items():
                # without the export right, export_data refuses with a UserError before looking at fields
                refusal = UserError if name.startswith("export") and user != self.exporter else AccessError
                with self.subTest(user=user.login, attempt=name), self.assertRaises(refusal) as caught:
                    self.env.invalidate_all()
                    attempt()
                self.assertNotIn(PASSWORD, str(caught.exception))
            self.assertNotIn("password", backend.fields_get())
            values = backend.read()[0]
            self.assertNotIn("password", values)
            self.assertEqual((values["password_input"], values["has_password"]), (False, True))
            self.assertNotIn(PASSWORD, repr(values) + repr(backend.web_read({"password_input": {}})))
        self.assertEqual(self.backend.sudo().password, PASSWORD)
        exported = self.backend.with_user(self.exporter).export_data(["name", "url"])["datas"]
        self.assertEqual(exported, [["Security", "http://127.0.0.1:9/api/v3"]])

    def test_system_administrator_reads_the_password(self):
        backend = self.backend.with_user(self.users["system"])
        self.assertEqual(backend.read(["password"])[0]["password"], PASSWORD)
        self.assertEqual(backend.search([("password", "=", PASSWORD)]), self.backend)

    def test_manager_sets_a_password_and_never_reads_it_back(self):
        backend = self.backend.with_user(self.users["manager"])
        backend.write({"password_input": "New-Secret-99"})
        self.assertEqual(self.backend.sudo().password, "New-Secret-99")
        self.env.invalidate_all()
        self.assertEqual(
            backend.read(["password_input", "has_password"])[0],
            {"id": backend.id, "password_input": False, "has_password": True},
        )
        backend.write({"password_input": False, "name": "Kept"})
        self.assertEqual(self.backend.sudo().password, "New-Secret-99")
        created = backend.create(
            {
                "name": "Second",
                "url": "https://lk.example.com/api/v3",
                "username": "u",
                "password_input": "Created-Secret-5",
            }
        )
        self.assertEqual(created.sudo().password, "Created-Secret-5")
        copied = created.copy()
        self.assertEqual((copied.sudo().password, copied.has_password), (False, False))
        with self.assertRaises(AccessError):
            self.backend.with_user(self.users["user"]).write({"password_input": "User-Secret-3"})
        self.assertEqual(self.backend.sudo().password, "New-Secret-99")

    def test_password_never_in_chatter(self):
        backend = self.backend.with_user(self.users["manager"])
        backend.write(
            {"password_input": "Chatter-Secret-7", "url": "https://other.example.com/api/v3", "username": "someone"}
        )
        self.env.flush_all()
        self.cr.flush()  # runs the tracking
        messages = self.env["mail.message"].search([("model", "=", "logikal.backend"), ("res_id", "=", backend.id)])
        tracked = messages.tracking_value_ids
        self.assertIn("https://other.example.com/api/v3", tracked.mapped("new_value_char"))
        self.assertFalse(tracked.filtered(lambda t: t.field_id.name in ("password", "password_input")))
        text = repr(messages.mapped("body")) + repr(tracked.read(["old_value_char", "new_value_char"]))
        for secret in (PASSWORD, "Chatter-Secret-7"):
            self.assertNotIn(secret, text)

    def test_reprs_hide_the_password(self):
        session = self.backend.sudo()._session()
        texts = [
            repr(session),
            str(session),
            repr(session.client),
            repr(getattr(session, "__dict__", {})),
            repr(self.backend),
            repr(self.backend.sudo().read(["password_input"])),
        ]
        self.assertNotIn(PASSWORD, "\n".join(texts))
        self.backend.sudo().password = False
        with self.assertRaises(UserError) as caught:
            self.backend._session()
        self.assertEqual(str(caught.exception), "Connection Security has no password.")


@tagged("post_install", "-at_install")
class TestNeutralize(AccessFixture, TransactionCase):
    login_prefix = "lk_neutral"

    def neutralize(self):
        queries = list(neutralize.get_neutralization_queries(["logikal_connector"]))
        self.assertEqual(len(queries), 1, "logikal_connector/data/neutralize.sql is the module's script")
        self.env.flush_all()
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        self.env.registry.clear_cache()  # ir.config_parameter values are cached

    def test_neutralize_blanks_passwords_and_stops_scheduled_sync(self):
        cron = self.env.ref("logikal_connector.ir_cron_smart_sync")
        vacuum = self.env.ref("base.autovacuum_job")
        request, run = self.records["logikal.sync.request"], self.records["logikal.sync.run"]
        request.state = "queued"
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
        (cron | vacuum).active = True
        self.neutralize()
        self.assertEqual((self.backend.sudo().password, self.backend.has_password), (False, False))
        self.assertFalse(background_sync_enabled(self.env))
        self.assertEqual((cron.active, vacuum.active), (False, True))
        self.assertEqual((request.state, request.message), ("failed", "Cancelled: the database was neutralized."))
        self.assertEqual((run.state, run.error_summary), ("aborted", "Aborted: the database was neutralized."))

    def test_neutralize_switches_off_a_never_set_master_switch(self):
        self.env["ir.config_parameter"].search([("key", "=", MASTER_SWITCH)]).unlink()
        self.assertTrue(background_sync_enabled(self.env))
        self.neutralize()
        self.assertEqual(self.env["ir.config_parameter"].get_param(MASTER_SWITCH), "False")


@tagged("post_install", "-at_install")
class TestAccessRightsRpc(AccessFixture, HttpCase):
    """The same rights through /web/dataset/call_kw, as the web client and external scripts reach them."""

    login_prefix = "lk_rpc"

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        )

    def login(self, role):
        self.authenticate(self.users[role].login, self.users[role].login)

    def assert_rpc(self, expected_ok, model, method, *args, **kwargs):
        if expected_ok:
            return self.call(model, method, *args, **kwargs)
        with self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, *args, **kwargs)
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        return None

    @mute_logger("odoo.http")
    def test_rights_of_every_role_on_every_model(self):
        for role in ROLES:
            self.login(role)
            for model in RIGHTS:
                with self.subTest(role=role, model=model):
                    self.check_model(role, model)

    def check_model(self, role, model):
        record = self.records[model]
        [(field, value)] = WRITES[model].items()
        read = self.assert_rpc(allowed(model, role, "r"), model, "read", [record.id], ["display_name"])
        if read is not None:
            self.assertEqual(read[0]["id"], record.id)
        before = record[field]
        self.assert_rpc(allowed(model, role, "w"), model, "write", [record.id], {field: value})
        record.invalidate_recordset()
        self.assertEqual(record[field], value if allowed(model, role, "w") else before)
        record.write({field: before})
        new_id = self.assert_rpc(allowed(model, role, "c"), model, "create", [create_vals(self.records, model)])
        self.assertEqual(bool(new_id), allowed(model, role, "c"))
        target = self.browse_or_create(model, new_id, allowed(model, role, "u"))
        self.assert_rpc(allowed(model, role, "u"), model, "unlink", [target.id])
        self.assertEqual(bool(target.exists()), not allowed(model, role, "u"))

    def browse_or_create(self, model, new_id, may_unlink):
        if new_id:
            return self.env[model].browse(new_id[0] if isinstance(new_id, list) else new_id)
        return self.env[model].create(create_vals(self.records, model)) if may_unlink else self.records[model]

    @mute_logger("odoo.http")
    def test_password_through_json_rpc(self):
        backend_id = self.backend.id
        for role in ("user", "manager"):
            self.login(role)
            attempts = {
                "read": ("read", [backend_id], ["password"]),
                "web_read": ("web_read", [backend_id], {"password": {}}),
                "search_read": ("search_read", [], ["password"]),
                "web_search_read": ("web_search_read", [], {"password": {}}),
                "search": ("search", [("password", "=", PASSWORD)]),
            }
            for name, (method, *args) in attempts.items():
                with self.subTest(role=role, attempt=name):
                    self.assert_rpc(False, "logikal.backend", method, *args)
            values = self.call("logikal.backend", "read", [backend_id], [])[0]
            self.assertNotIn("password", values)
            self.assertEqual((values["password_input"], values["has_password"]), (False, True))
            self.assertNotIn("password", self.call("logikal.backend", "fields_get"))
        self.login("manager")
        saved = self.call(
            "logikal.backend",
            "web_save",
            [backend_id],
            {"password_input": "Rpc-Secret-11"},
            specification={"password_input": {}, "has_password": {}},
        )
        self.assertEqual(saved, [{"id": backend_id, "password_input": False, "has_password": True}])
        self.assertEqual(self.backend.sudo().password, "Rpc-Secret-11")
        self.login("system")
        self.assertEqual(
            self.call("logikal.backend", "read", [backend_id], ["password"])[0]["password"], "Rpc-Secret-11"
        )

    @mute_logger("odoo.http")
    def test_every_public_action_checks_the_callers_group(self):
        for role in ROLES:
            self.login(role)
            for (model, method, extra), roles in ACTIONS.items():
                with self.subTest(role=role, model=model, method=method):
                    ids = [] if method in API_MODEL_ACTIONS else [self.records[model].id]
                    args = list(extra) if method in API_MODEL_ACTIONS else [ids, *extra]
                    self.assert_rpc(role in roles, model, method, *args)
                    self.records["logikal.directory"].exclude_from_sync = False
                    self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")

    def test_refused_actions_change_nothing(self):
        elevation, config = self.records["logikal.elevation"], self.records["logikal.sync.config"]
        elevation.write({"parse_state": "error", "parse_error": "kept"})
        requests = self.env["logikal.sync.request"].search_count([])
        self.login("user")
        with mute_logger("odoo.http"):
            self.assert_rpc(False, "logikal.elevation", "action_reparse", [elevation.id])
            self.assert_rpc(False, "logikal.sync.config", "action_sync_now", [config.id])
        self.assertEqual((elevation.parse_state, elevation.parse_error), ("error", "kept"))
        self.assertEqual(self.env["logikal.sync.request"].search_count([]), requests)

    def test_every_public_action_is_in_the_matrix(self):
        found = set()
        for model in {*RIGHTS, "logikal.sync.mixin"}:
            cls = type(self.env[model])
            found |= {
                (model, name)
                for name in dir(cls)
                if name.startswith("action_")
                and callable(getattr(cls, name))
                # this addon's own actions (an addon on top, e.g. logikal_connector_sale, tests its own)
                and (getattr(getattr(cls, name), "__module__", "") or "").startswith("odoo.addons.logikal_connector.")
            }
        found = {(m, n) for m, n in found if m != "logikal.sync.mixin"}
        self.assertEqual(found, {(model, method) for model, method, _extra in ACTIONS})

    def test_force_sync_through_json_rpc(self):
        self.login("user")
        project = self.records["logikal.project"]
        action = self.call("logikal.project", "action_force_sync", [project.id])
        self.assertEqual(action["tag"], "display_notification")
        request = self.env["logikal.sync.request"].search([("project_id", "=", project.id)])
        self.assertEqual(
            (request.scope, request.state, request.requested_by_id), ("project", "queued", self.users["user"])
        )


@tagged("post_install", "-at_install")
class TestSecretsNeverLeak(LogikalSimulatorCase):
    """Full syncs against a misbehaving server, every log record captured at DEBUG: no password, no token."""

    WRONG_PASSWORD = "Wrong-Pa55word-Xy"

    def record_issued_tokens(self):
        tokens, login = [], self.sim._login

        def recording_login(body):  # the simulator dispatches POST /auth through self._login
            reply = login(body)
            tokens.append(json.loads(reply.body)["data"]["token"])
            return reply

        self.sim._login = recording_login
        return tokens

    def run_with_token_expiry(self, faults):
        original, phases = SyncEngine._sync_phase, []

        def expire_before_third_phase(engine, *args, **kwargs):
            phases.append(1)
            if len(phases) == 3:
                self.sim.set_faults(expire_tokens=True, **faults)
            return original(engine, *args, **kwargs)

        with patch.object(SyncEngine, "_sync_phase", expire_before_third_phase):
            return self.run_sync()

    def stored_texts(self):
        runs = self.env["logikal.sync.run"].search([("backend_id", "=", self.backend.id)])
        texts = [n for n, f in runs._fields.items() if f.type in ("char", "text", "json", "html")]
        chunks = [repr(runs.read(texts)), self.backend.last_test_result]
        chunks += self.env["logikal.sync.request"].search([]).mapped("message")
        for model in ("logikal.directory", "logikal.project", "logikal.elevation"):
            chunks += self.models(model).search([("backend_id", "=", self.backend.id)]).mapped("sync_error")
        chunks += self.elevations().mapped("parse_error")
        chunks += [str(body) for body in self.env["mail.message"].search([]).mapped("body")]
        chunks += [repr(message) for message in self.env["bus.bus"].search([]).mapped("message")]
        return "\n".join(chunk for chunk in chunks if chunk)

    def test_sync_with_faults_leaks_no_password_or_token(self):
        tokens = self.record_issued_tokens()
        live = self.expected()["live_elevations"]
        faults = {
            "error_rate": 0.05,
            "error_status": 503,
            "seed": 5,
            "corrupt": {
                live[0]["id"]: "sqlite",
                live[1]["id"]: "base64",
                live[2]["id"]: "json",
                live[3]["id"]: "oversize",
            },
        }
        self.sim.set_faults(**faults)
        self.env.flush_all()
        with capture_all_logs() as capture:
            faulty = self.run_with_token_expiry(faults)
            self.sim.set_faults()
            self.sim.configure(token_idle_seconds=0)  # every token is dead on arrival: the session gives up
            dead_tokens = self.run_sync()
        self.backend.password_input = self.WRONG_PASSWORD
        self.sim.configure(token_idle_seconds=None)
        self.env.flush_all()
        with capture_all_logs() as capture_wrong:
            wrong = self.run_sync()
            notification = self.backend.action_test_connection()
        self.assertEqual(faulty.state, "partial", faulty.error_summary)
        self.assertGreaterEqual(faulty.parts_list_failed, 4)
        self.assertIn("401", faulty.relogin_reasons)
        self.assertEqual((dead_tokens.state, wrong.state), ("failed", "failed"))
        self.assertIn("Connection failed", notification["params"]["message"])
        counters = self.sim.counters()
        self.assertGreater(counters["injected_errors"], 0)
        self.assertGreaterEqual(counters["failed_logins"], 2)
        self.assertGreaterEqual(len(tokens), 4)
        log = capture.text + "\n" + capture_wrong.text
        names = {name for _level, name in capture.names | capture_wrong.names}
        self.assertIn("odoo.addons.logikal_connector.services.store", names)
        self.assertIn((logging.DEBUG, "urllib3.connectionpool"), capture.names)
        stored = self.stored_texts() + "\n" + repr(notification)
        self.assertIn("parts list", stored)
        for secret in (SIM_PASSWORD, self.WRONG_PASSWORD, *tokens):
            self.assertNotIn(secret.lower(), log.lower())
            self.assertNotIn(secret.lower(), stored.lower())
