"""Prices, price base and customer address read while a changed project is selected anyway."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PASSWORD, USERNAME, LogikalSimulatorCase, Simulator, generate_dataset

try:
    from logikal_sim.server import elevation_prices
except ImportError:  # pragma: no cover
    elevation_prices = None

ESTIMATION = "GET /projects/selected/estimation"
PRICE_BASE = "GET /projects/selected/estimation-data"
ADDRESS_TYPES = "GET /projects/selected/addresses"
ADDRESS = "GET /projects/selected/addresses/{addressType}"
PRICE_CALLS = (ESTIMATION, PRICE_BASE, ADDRESS_TYPES, ADDRESS)


@tagged("post_install", "-at_install")
class TestPrices(LogikalSimulatorCase):
    def price_calls(self):
        calls = self.sim.counters()["calls"]
        return {endpoint: calls.get(endpoint, 0) for endpoint in PRICE_CALLS}

    def live_projects(self):
        return [p for p in self.expected()["projects"] if not p["isDeleted"]]

    def assert_prices(self, expected_currency="EUR"):
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", expected_currency)])
        for data in self.expected()["elevations"]:
            record = self.elevation(data["id"])
            prices = elevation_prices(data)
            self.assertEqual(
                (record.net_price_unit, record.total_price_unit, record.currency_id, record.price_base_name),
                (prices["netPricePerUnit"], prices["totalPricePerUnit"], currency, "Prijsbasis 2025 (netto)"),
                data["name"],
            )

    def test_first_sync_stores_prices_price_base_and_customer_address(self):
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertFalse(run.error_summary)
        self.assert_prices()
        live = self.live_projects()
        self.assertEqual(self.price_calls(), dict.fromkeys(PRICE_CALLS, len(live)))
        self.assertEqual(self.sim.counters()["logins"], 1)
        for data in live:
            record = self.project(data["id"])
            customer = self.sim.dataset.projects[data["id"]].addresses["Customer"]
            self.assertEqual(
                (
                    record.address_type,
                    record.address_name,
                    record.address_name2 or "",
                    record.address_street,
                    record.address_zip,
                    record.address_city,
                    record.address_phone,
                    record.address_email,
                ),
                (
                    "Customer",
                    customer["name1"],
                    customer["name2"],
                    customer["street"],
                    customer["zipCode"],
                    customer["city"],
                    customer["phone1"],
                    customer["email"],
                ),
            )
        deleted = next(p for p in self.expected()["projects"] if p["isDeleted"])
        self.assertFalse(self.project(deleted["id"]).address_name, "a deleted project is never selected")

    def test_unchanged_pass_reads_no_price(self):
        self.run_sync()
        self.sim.reset_counters()
        run = self.run_sync()
        self.assertEqual(run.total_changes, 0)
        self.assertEqual(self.price_calls(), dict.fromkeys(PRICE_CALLS, 0))
        self.assertEqual(self.sim.counters()["logins"], 1)
        self.assert_prices()

    def test_changed_elevation_rereads_the_prices_of_its_project_only(self):
        self.run_sync()
        data = next(e for e in self.expected()["live_elevations"] if e["amount"] == 1)
        self.sim.mutate("change_elevation", elevation=data["id"], width=data["width"] + 400, amount=3)
        self.sim.reset_counters()
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertEqual(self.price_calls(), dict.fromkeys(PRICE_CALLS, 1))
        changed = next(e for e in self.expected()["elevations"] if e["id"] == data["id"])
        record = self.elevation(data["id"])
        self.assertEqual(record.net_price_unit, elevation_prices(changed)["netPricePerUnit"])
        self.assertNotEqual(record.net_price_unit, elevation_prices(data)["netPricePerUnit"])
        self.assertEqual(record.amount, 3)

    @mute_logger("odoo.addons.logikal_connector.services.trust")  # the no-bump server is reported at WARNING
    def test_server_that_does_not_bump_the_project_date_gets_prices_on_the_next_pass(self):
        sim = Simulator(generate_dataset("small", child_edits_bump_project=False), username=USERNAME, password=PASSWORD)
        sim.start()
        self.addCleanup(sim.stop)
        self.sim, self.backend.url = sim, sim.base_url
        self.run_sync()
        data = self.expected()["live_elevations"][0]
        sim.mutate("change_elevation", elevation=data["id"], height=data["height"] + 300)
        sim.reset_counters()
        self.run_sync()
        self.assertEqual(self.price_calls()[ESTIMATION], 0, "the project's changedDate did not move")
        self.assertEqual(self.elevation(data["id"]).net_price_unit, elevation_prices(data)["netPricePerUnit"])
        sim.reset_counters()
        self.run_sync()
        only_prices = {ESTIMATION: 1, PRICE_BASE: 1, ADDRESS_TYPES: 0, ADDRESS: 0}
        self.assertEqual(self.price_calls(), only_prices, "the elevation edit is followed (prices only)")
        changed = next(e for e in self.expected()["elevations"] if e["id"] == data["id"])
        self.assertEqual(self.elevation(data["id"]).net_price_unit, elevation_prices(changed)["netPricePerUnit"])
        sim.reset_counters()
        self.run_sync()
        self.assertEqual(self.price_calls()[ESTIMATION], 0)

    def test_missing_or_refused_estimation_leaves_prices_empty_in_every_mode_without_a_login(self):
        for mode, status in (("lenient", 404), ("observed", 405), ("strict", 403), ("strict", 405)):
            with self.subTest(mode=mode, status=status):
                self.sim = self.start_simulator(mode=mode)
                self.sim.set_faults(error_rate=1.0, error_status=status, endpoints=[ESTIMATION])
                self.models("logikal.project").search([]).write({"estimation_version": False, "estimation_data": False})
                run = self.run_sync()
                live = self.live_projects()
                self.assertEqual(run.state, "done", run.error_summary)
                self.assertEqual(self.sim.counters()["logins"], 1)
                self.assertEqual((run.logins, run.relogin_reasons or ""), (1, ""))
                self.assertEqual(self.price_calls()[ESTIMATION], len(live))
                self.assertEqual(self.price_calls()[PRICE_BASE], 0, "no price base without prices")
                self.assertEqual(
                    run.error_summary.count(f"prices not available: {ESTIMATION}: HTTP {status}"), len(live)
                )
                elevations = self.elevations()
                self.assertEqual(set(elevations.mapped("net_price_unit")), {0.0})
                self.assertFalse(elevations.currency_id)
                self.assertFalse(any(elevations.mapped("price_base_name")))
                self.assertEqual(len(elevations.filtered("parts_list_sha256")), len(self.expected()["live_elevations"]))
                self.sim.reset_counters()
                self.run_sync()
                self.assertEqual(self.price_calls()[ESTIMATION], 0, "refused: not asked again until changed")

    @mute_logger("odoo.addons.logikal_connector.logikal.client")
    def test_failed_estimation_keeps_prices_and_is_retried_next_pass(self):
        self.run_sync()
        project = self.live_projects()[0]
        self.sim.mutate("touch", project=project["id"])
        self.sim.set_faults(error_rate=1.0, error_status=503, endpoints=[ESTIMATION])
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertIn("prices not read, retried on the next pass", run.error_summary)
        self.assert_prices()
        self.sim.set_faults()
        self.sim.reset_counters()
        run = self.run_sync()
        self.assertFalse(run.error_summary)
        only_prices = {ESTIMATION: 1, PRICE_BASE: 1, ADDRESS_TYPES: 0, ADDRESS: 0}
        self.assertEqual(self.price_calls(), only_prices, "the address was read: only the prices are read again")

    def test_currency_price_base_and_address_follow_logikal(self):
        self.run_sync()
        project = self.live_projects()[0]
        self.sim.mutate("set_estimation", currency="USD", name="Prijsbasis 2026")
        self.sim.mutate("set_address", project=project["id"], name1="Nieuwe Klant BV", zipCode="1000")
        self.sim.mutate("touch", project=project["id"])
        self.run_sync()
        record = self.project(project["id"])
        self.assertEqual((record.address_name, record.address_zip), ("Nieuwe Klant BV", "1000"))
        usd = self.env.ref("base.USD")
        self.assertEqual(record.elevation_ids.currency_id, usd)
        self.assertEqual(set(record.elevation_ids.mapped("price_base_name")), {"Prijsbasis 2026"})
        self.sim.mutate("set_address", project=project["id"], address_type="Customer", remove=True)
        self.sim.mutate("set_address", project=project["id"], address_type="Architect", remove=True)
        self.sim.mutate("touch", project=project["id"])
        self.run_sync()
        self.assertFalse(record.address_name, "the project has no address any more")
