"""A synced LogiKal project (real simulator, real sync) and a quotation to import it into."""

from odoo.addons.logikal_connector.tests.common import LogikalSimulatorCase

try:
    from logikal_sim.server import elevation_prices
except ImportError:  # pragma: no cover - only outside the repository
    elevation_prices = None

PROJECT = "DOS22309"  # three phases: the default phase (5), "Fase 1" (4), "Fase 2" (2)


def description(data):
    """What a quotation line says about an elevation, built from the simulator's payload."""
    first = " – ".join(part for part in (data["name"], data["automaticDescription"]) if part)
    details = " · ".join(
        part for part in (data["systemDescription"], data["modelDescription"], data["userDescription"]) if part
    )
    return "\n".join(part for part in (first, details, f"{data['width']:g} × {data['height']:g} mm") if part)


class LogikalSaleCase(LogikalSimulatorCase):
    """Syncs the simulator's small dataset with LogiKal prices in the company's currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.customer = cls.env["res.partner"].create({"name": "Hand-picked customer"})

    def setUp(self):
        super().setUp()
        self.sim.mutate("set_estimation", currency=self.currency.name)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.project_data = next(p for p in self.sim.expected()["projects"] if p["name"] == PROJECT)
        self.project_record = self.project(self.project_data["id"])

    def sync(self):
        run = self.run_sync()
        self.env.invalidate_all()
        return run

    def new_order(self, **values):
        return self.env["sale.order"].create(dict({"partner_id": self.customer.id}, **values))

    # ------------------------------------------------------------------ what LogiKal says
    def phases_data(self):
        """[(phase payload, [live elevation payloads])] of the project, in LogiKal order."""
        data = self.sim.expected()
        guid = self.project_data["id"]
        phases = sorted((p for p in data["phases"] if p["project"] == guid), key=lambda p: p["sequence"])
        result = []
        for phase in phases:
            elevations = [
                e
                for e in data["elevations"]
                if e["project"] == guid and e["phase"] == phase["id"] and not e["isInRecycleBin"]
            ]
            if elevations:
                result.append((phase, sorted(elevations, key=lambda e: e["sequence"])))
        return result

    def expected_lines(self, price="netPricePerUnit", convert=lambda amount: amount):
        """[(display type, name, quantity, unit price)] the import must write, in order."""
        lines = []
        for phase, elevations in self.phases_data():
            name = f"{phase['name']} – {phase['description']}" if phase["description"] else phase["name"]
            lines.append(("line_section", name, 0.0, 0.0))
            for data in elevations:
                unit = convert(elevation_prices(data)[price])
                lines.append((False, description(data), data["amount"], unit))
        return lines

    @staticmethod
    def lines_of(order):
        """The order's lines as (display type, name, quantity, unit price), by sequence."""
        return [
            (line.display_type, line.name, line.product_uom_qty, line.price_unit)
            for line in order.order_line.sorted(lambda line: (line.sequence, line.id))
        ]

    def elevation_data(self, name):
        guid = self.project_data["id"]
        return next(e for e in self.sim.expected()["elevations"] if e["project"] == guid and e["name"] == name)
