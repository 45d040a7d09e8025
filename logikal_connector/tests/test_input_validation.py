"""Input validation with clear messages (connections, intervals) and hostile data from LogiKal: stored
verbatim, shown as text."""

import json
import random
import string

from lxml import etree
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..models.logikal_backend import MAX_PASSWORD_LENGTH
from .common import LogikalSimulatorCase, utc

HTML_NAME = "<img src=x onerror=alert(1)>"
GOOD = {"name": "LogiKal", "url": "https://logikal.example.com/MbioeService.svc/api/v3", "username": "odoo"}
BAD_URLS = {
    "ftp://server/api/v3": "it must start with http:// or https://",
    "javascript:alert(1)": "it must start with http:// or https://",
    "server/MbioeService.svc/api/v3": "it must start with http:// or https://",
    "http:///api/v3": "it must name a host",
    "http://odoo:Url-Secret-1@server/api/v3": "it must not contain a user or password (they have their own fields)",
    "http://server:99999/api/v3": "it is not a valid URL",
    "http://server/api v3": "it must not contain spaces, a query (?) or a fragment (#)",
    "http://server/api/v3?token=1": "it must not contain spaces, a query (?) or a fragment (#)",
    "http://server/api/v3#top": "it must not contain spaces, a query (?) or a fragment (#)",
    "http://server/" + "a" * 2048: "it is longer than 2048 characters",
}
# field: values outside its range, and the message for the first one
BAD_LIMITS = {
    "connect_timeout": ([0, -1, 300.5], "Connect timeout (s) must be greater than 0 and at most 300 (got 0.0)."),
    "read_timeout": ([0, 3601], "Read timeout (s) must be greater than 0 and at most 3600 (got 0.0)."),
    "parts_timeout": ([-5, 3601], "Parts-list timeout (s) must be greater than 0 and at most 3600 (got -5.0)."),
    "max_retries": ([-1, 11], "Retries per call must be between 0 and 10 (got -1)."),
    "max_parts_mb": ([0, 501], "Parts-list size cap (MB) must be between 1 and 500 (got 0)."),
    "parallel_sessions": ([0, 9], "Parallel Sessions must be between 1 and 8 (got 0)."),
    "retry_delay_minutes": ([0, -15, 10081], "Retry delay (min) must be between 1 and 10080 (got 0)."),
    "max_attempts": ([0, 101], "Attempts before parking must be between 1 and 100 (got 0)."),
}
EDGES = {
    "connect_timeout": 300,
    "read_timeout": 0.1,
    "max_retries": 0,
    "max_parts_mb": 500,
    "parallel_sessions": 8,
    "retry_delay_minutes": 1,
    "max_attempts": 100,
}


@tagged("post_install", "-at_install")
class TestConnectionValidation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "lk_valid_manager", groups="logikal_connector.group_logikal_manager")
        cls.Backend = cls.env["logikal.backend"].with_user(cls.manager).with_context(active_test=False)
        cls.backend = cls.Backend.create(dict(GOOD, password_input="Kept-Secret-1"))

    def assert_refused(self, vals, message):
        """Creating and writing `vals` both fail with `message`, and nothing is saved."""
        count = self.Backend.search_count([])
        before = self.backend.read(list(vals))[0]
        with self.assertRaises(ValidationError) as created:
            self.Backend.create(dict(GOOD, **vals))
        self.assertEqual(self.Backend.search_count([]), count)
        with self.assertRaises(ValidationError) as written:
            self.backend.write(vals)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.read(list(vals))[0], before)
        self.assertEqual(str(created.exception), message)
        self.assertEqual(str(written.exception), message)

    def test_url_needs_http_scheme_and_host_without_credentials(self):
        for url, problem in BAD_URLS.items():
            with self.subTest(url=url[:40]):
                self.assert_refused(
                    {"url": url},
                    f"The API URL is not usable: {problem}. Example: https://server/MbioeService.svc/api/v3",
                )

    def test_url_error_never_repeats_credentials(self):
        with self.assertRaises(ValidationError) as caught:
            self.backend.write({"url": "https://odoo:Url-Secret-1@server/api/v3"})
        self.assertNotIn("Url-Secret-1", str(caught.exception))

    def test_url_and_username_are_trimmed(self):
        self.backend.write({"url": "  https://server:8443/MbioeService.svc/api/v3/ ", "username": " odoo "})
        self.assertEqual(
            (self.backend.url, self.backend.username), ("https://server:8443/MbioeService.svc/api/v3", "odoo")
        )

    def test_limits_have_ranges(self):
        for field, (values, message) in BAD_LIMITS.items():
            for value in values:
                with self.subTest(field=field, value=value):
                    if value == values[0]:
                        self.assert_refused({field: value}, message)
                    else:
                        with self.assertRaises(ValidationError):
                            self.backend.write({field: value})
        self.backend.write(EDGES)
        self.assertEqual({field: self.backend[field] for field in EDGES}, EDGES)

    def test_username_must_be_set_and_bounded(self):
        message = "The LogiKal user name must be set and at most 256 characters long."
        self.assert_refused({"username": "   "}, message)
        self.assert_refused({"username": "u" * 257}, message)

    def test_overlong_password_is_refused_and_the_old_one_kept(self):
        with self.assertRaises(ValidationError) as caught:
            self.backend.write({"password_input": "p" * (MAX_PASSWORD_LENGTH + 1)})
        self.assertEqual(str(caught.exception), "The password is too long (at most 1024 characters).")
        self.assertEqual(self.backend.sudo().password, "Kept-Secret-1")


@tagged("post_install", "-at_install")
class TestIntervalValidation(TransactionCase):
    def test_interval_and_staleness_must_be_positive(self):
        manager = new_test_user(self.env, "lk_valid_interval", groups="logikal_connector.group_logikal_manager")
        config = self.env["logikal.sync.config"].with_user(manager).search([("object_type", "=", "project")])
        before = (config.sync_interval_minutes, config.staleness_threshold_minutes)
        for vals in ({"sync_interval_minutes": 0}, {"sync_interval_minutes": -5}, {"staleness_threshold_minutes": 0}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as caught:
                config.write(vals)
            self.assertIn("must be positive numbers of minutes", str(caught.exception))
            config.invalidate_recordset()
            self.assertEqual((config.sync_interval_minutes, config.staleness_threshold_minutes), before)
        config.write({"sync_interval_minutes": 1, "staleness_threshold_minutes": 1})
        self.assertEqual((config.sync_interval_minutes, config.staleness_threshold_minutes), (1, 1))


@tagged("post_install", "-at_install")
class TestHostileLogikalData(LogikalSimulatorCase):
    """What LogiKal sends is stored as sent: markup, very long text, negative sizes, odd dates."""

    def setUp(self):
        super().setUp()
        self.data = self.expected()

    def test_markup_and_long_text_are_stored_verbatim(self):
        first, second = self.data["projects"][0], self.data["projects"][2]
        elevation = self.data["live_elevations"][0]
        long_name = "Ünïcødé " * 1250
        self.sim.mutate("rename", project=first["id"], name=HTML_NAME)
        self.sim.mutate("rename", project=second["id"], name=long_name)
        self.sim.mutate(
            "change_elevation",
            elevation=elevation["id"],
            name="<script>alert('x')</script>",
            userDescription='<b>bold</b> & "quoted"\n' * 500,
        )
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        record = self.elevation(elevation["id"])
        self.assertEqual(
            (self.project(first["id"]).name, self.project(second["id"]).name), (HTML_NAME, long_name.strip())
        )
        self.assertEqual(
            (record.name, record.user_description),
            ("<script>alert('x')</script>", ('<b>bold</b> & "quoted"\n' * 500).strip()),
        )

    def test_negative_sizes_are_stored_as_sent(self):
        elevation = self.data["live_elevations"][1]
        self.sim.mutate("change_elevation", elevation=elevation["id"], width=-1200.0, height=-800.5, amount=-2.0)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        record = self.elevation(elevation["id"])
        self.assertEqual((record.width, record.height, record.amount, record.area), (-1200.0, -800.5, -2.0, 0.9606))

    def test_dates_in_milliseconds_and_zero_dates(self):
        directory = self.data["directories"][0]["path"]
        in_ms = self.sim.mutate(
            "add_project",
            directory=directory,
            name="Milliseconds",
            elevations=1,
            createdDate=1_700_000_000_000,
            changedDate=1_700_000_360_000,
        )
        undated = self.sim.mutate(
            "add_project", directory=directory, name="Undated", elevations=1, createdDate=0, changedDate=0
        )
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        dated = self.project(in_ms["id"])
        self.assertEqual(
            (dated.logikal_created_date, dated.logikal_changed_date), (utc(1_700_000_000), utc(1_700_000_360))
        )
        self.assertEqual(
            (self.project(undated["id"]).logikal_created_date, self.project(undated["id"]).logikal_changed_date),
            (False, False),
        )

    def test_control_characters_never_abort_a_run(self):
        directory = self.data["directories"][-1]["path"]
        nul = self.sim.mutate("add_project", directory=directory, name="Nul\x00byte", elevations=1)
        bell = self.sim.mutate("add_project", directory=directory, name="Bell\x07\x1b[31mred\ttab", elevations=1)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertEqual((self.project(nul["id"]).name, self.project(bell["id"]).name), ("Nulbyte", "Bell[31mred\ttab"))

    def test_unindexable_directory_path_is_skipped_not_fatal(self):
        rng = random.Random(8)  # incompressible, so PostgreSQL cannot squeeze it into an index row
        name = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(3000))
        parent = self.data["directories"][0]["path"]
        self.sim.mutate("add_directory", parent=parent, name=name)
        run = self.run_sync()
        directories = self.models("logikal.directory").search([("backend_id", "=", self.backend.id)])
        self.assertEqual(run.state, "partial")
        self.assertEqual(run.directory_failed, 1)
        self.assertIn("path longer than 2000 bytes", run.error_summary)
        self.assertEqual(sorted(directories.mapped("path")), sorted(d["path"] for d in self.data["directories"]))
        self.assertEqual(len(self.projects()), len(self.data["projects"]))

    def test_impossible_date_is_stored_as_no_date_and_siblings_sync(self):
        """A negative epoch (records.epoch_to_utc refuses it) becomes "no date": the project and all its
        siblings land, nothing is archived."""
        self.run_sync()
        directory = self.data["projects"][0]["directory"]
        in_directory = self.projects().filtered(lambda p: p.directory_id.path == directory)
        added = self.sim.mutate("add_project", directory=directory, name="Negative", elevations=1, createdDate=-5)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        odd = self.project(added["id"])
        self.assertEqual((odd.name, odd.logikal_created_date, odd.active), ("Negative", False, True))
        self.assertTrue(all(in_directory.mapped("active")))
        self.assertEqual(len(odd.elevation_ids), 1)


@tagged("post_install", "-at_install")
class TestMarkupShownAsText(LogikalSimulatorCase, HttpCase):
    """A LogiKal project called `<img src=x onerror=alert(1)>` reaches the browser as a string and shows as text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "lk_markup_user", groups="logikal_connector.group_logikal_user")

    def setUp(self):
        super().setUp()
        self.guid = self.expected()["projects"][0]["id"]
        self.sim.mutate("rename", project=self.guid, name=HTML_NAME)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.record = self.project(self.guid)

    def test_json_rpc_returns_the_name_as_a_plain_string(self):
        self.authenticate(self.user.login, self.user.login)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "logikal.project",
                "method": "web_search_read",
                "args": [[("id", "=", self.record.id)], {"name": {}, "display_name": {}}],
                "kwargs": {},
            },
        )
        self.assertEqual(result["records"], [{"id": self.record.id, "name": HTML_NAME, "display_name": HTML_NAME}])

    def test_qweb_escapes_the_name(self):
        html = str(
            self.env["ir.qweb"]._render(etree.fromstring('<p><t t-out="record.name"/></p>'), {"record": self.record})
        )
        self.assertEqual(html, "<p>&lt;img src=x onerror=alert(1)&gt;</p>")

    def test_browser_shows_the_name_as_text(self):
        check = """
            const name = %s;
            const deadline = Date.now() + 30000;
            (async () => {
                while (Date.now() < deadline) {
                    const shown = [...document.querySelectorAll(%s)].some((el) => el.textContent.includes(name));
                    if (document.querySelector('img[src="x"]')) {
                        console.error("the project name was rendered as HTML");
                        return;
                    }
                    if (shown) {
                        console.log("test successful");
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                console.error("the project name never appeared as text");
            })();
        """
        action = "/odoo/action-logikal_connector.logikal_project_action"
        selectors = {
            action: ".o_kanban_record, .o_data_row",
            f"{action}/{self.record.id}": ".o_form_view .o_field_widget[name='name']",
        }
        for url, selector in selectors.items():
            with self.subTest(url=url):
                self.browser_js(url, check % (json.dumps(HTML_NAME), json.dumps(selector)), login=self.user.login)
