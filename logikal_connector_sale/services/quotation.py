"""Writes a LogiKal project into a quotation: one section per phase, one product line per elevation.

A re-import updates the lines it wrote before in place (found by their phase / elevation), adds lines for new
elevations, removes the lines of elevations that disappeared or went to the recycle bin, and never touches a
line the user added by hand. Nothing here talks to LogiKal: it reads what the sync stored.
"""

import hashlib

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, format_date

PRICE_FIELDS = {"net": "net_price_unit", "total": "total_price_unit"}
IMPORTABLE_STATES = ("draft", "sent")


def elevation_description(elevation):
    """The quotation text of an elevation, three lines: "name – automatic description", the system, model and
    user descriptions joined by " · ", then "width × height mm" (empty parts left out)."""
    first = " – ".join(
        text for text in (elevation.name or elevation.logikal_id, _clean(elevation.automatic_description)) if text
    )
    details = [
        _clean(elevation.system_description),
        _clean(elevation.model_description),
        _clean(elevation.user_description),
    ]
    lines = [first, " · ".join(text for text in details if text)]
    if elevation.width and elevation.height:
        lines.append(f"{elevation.width:g} × {elevation.height:g} mm")
    return "\n".join(line for line in lines if line)


def _clean(text):
    return " ".join((text or "").split())


def section_name(phase):
    description = (phase.description or "").strip()
    return f"{phase.name} – {description}" if description else (phase.name or phase.logikal_id)


def project_signature(project):
    """A fingerprint of what an import reads from a project: phases, elevations, amounts, sizes, prices.

    The quotation keeps the one of its last import; a different one means "LogiKal data changed since".
    """
    project = project.sudo().with_context(active_test=False)
    rows = [("project", project.name, project.offer_number or "")]
    for phase in project.phase_ids.sorted("id"):
        rows.append(("phase", phase.id, phase.name, phase.description or "", phase.sequence, phase.active))
    for e in project.elevation_ids.sorted("id"):
        rows.append(
            (
                e.id,
                e.sequence,
                e.active,
                e.in_recycle_bin,
                e.version_id or "",
                str(e.logikal_changed_date or ""),
                e.name or "",
                e.amount,
                e.width,
                e.height,
                e.net_price_unit,
                e.total_price_unit,
                e.currency_id.id,
                e.thumbnail_version or "",
            )
        )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def elevation_key(elevation):
    """What identifies an elevation across phases and re-imports: its connection and LogiKal GUID."""
    return f"{elevation.backend_id.id}:{elevation.logikal_id}"


class ImportResult(dict):
    """{"added": n, "updated": n, "removed": n} (elevation lines), with their names for the chatter."""

    def __init__(self):
        super().__init__(added=0, updated=0, removed=0)
        self.names = {"added": [], "updated": [], "removed": []}
        self.unpriced = []

    def count(self, what, name):
        self[what] += 1
        self.names[what].append(name)


class QuotationImport:
    """Import of one project's phases into one draft or sent order."""

    def __init__(self, order, project, phases, price="net", keep_prices=False):
        self.env = order.env
        self.order = order
        self.project = project
        self.phases = phases.sorted(lambda p: (p.sequence, p.id))
        self.price_field = PRICE_FIELDS[price]
        self.price = price
        self.keep_prices = keep_prices
        self.result = ImportResult()

    # ------------------------------------------------------------------ checks
    @classmethod
    def check_order(cls, order):
        if order.state not in IMPORTABLE_STATES or order.locked:
            state = dict(order._fields["state"]._description_selection(order.env)).get(order.state, order.state)
            raise UserError(
                order.env._(
                    "%(order)s is %(state)s: only draft or sent quotations can take LogiKal lines.",
                    order=order.name,
                    state=order.env._("locked") if order.locked else state,
                )
            )

    def check_currency(self, elevations):
        """Refuse when a LogiKal price must be converted and Odoo has no rate for it at the order date."""
        date = self.conversion_date()
        target = self.order.currency_id
        for currency in elevations.currency_id - target:
            for needed in (currency | target) - self.order.company_id.currency_id:
                if not self._has_rate(needed, date):
                    raise UserError(
                        self.env._(
                            "LogiKal prices are in %(logikal)s and the quotation is in %(quotation)s, but Odoo has "
                            "no exchange rate for %(missing)s on or before %(date)s. Add the rate under Accounting "
                            "> Configuration > Currencies, or quote in %(logikal)s.",
                            logikal=currency.name,
                            quotation=target.name,
                            missing=needed.name,
                            date=format_date(self.env, date),
                        )
                    )

    def _has_rate(self, currency, date):
        company = self.order.company_id
        return bool(
            self.env["res.currency.rate"]
            .sudo()
            .search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("name", "<=", date),
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "in", company.parent_ids.ids),
                ],
                limit=1,
            )
        )

    def conversion_date(self):
        return fields.Date.to_date(self.order.date_order) or fields.Date.context_today(self.order)

    # ------------------------------------------------------------------ import
    def run(self):
        """Write the lines; returns the ImportResult."""
        self.check_order(self.order)
        wanted = self._wanted()
        self.check_currency(self.env["logikal.elevation"].union(*(e for _p, es in wanted for e in es)))
        existing_sections, existing_lines = self._existing()
        sequence = self._first_sequence([*existing_sections.values(), *existing_lines.values()])
        Line = self.env["sale.order.line"]
        to_create = []
        for phase, elevations in wanted:
            to_create += self._section(existing_sections.pop(phase.id, Line), phase, sequence)
            sequence += 1
            for elevation in elevations:
                line = existing_lines.pop(elevation.id, Line)
                to_create += self._elevation_line(line, elevation, sequence)
                sequence += 1
        if to_create:
            Line.create(to_create)
        self._remove(existing_sections, existing_lines)
        return self.result

    def _wanted(self):
        """[(phase, elevations)] in LogiKal order; phases without live elevations get no section."""
        wanted = []
        for phase in self.phases.filtered("active"):
            elevations = phase.elevation_ids.filtered(lambda e: e.active and not e.in_recycle_bin)
            elevations = elevations.sorted(lambda e: (e.sequence, e.id))
            if elevations:
                wanted.append((phase, elevations))
        return wanted

    def _existing(self):
        """({phase id: section line}, {elevation id: product line}) this import wrote before; duplicates go."""
        sections, lines = {}, {}
        duplicates = self.env["sale.order.line"]
        for line in self.order.order_line.sorted("sequence"):
            if line.display_type == "line_section" and line.logikal_phase_id:
                target, key = sections, line.logikal_phase_id.id
            elif line.logikal_elevation_id:
                target, key = lines, line.logikal_elevation_id.id
            else:
                continue  # a line made by hand: never touched
            if key in target:
                duplicates |= line
            else:
                target[key] = line
        duplicates.unlink()
        return sections, lines

    def _first_sequence(self, imported):
        """Imported lines keep their place; a first import goes after the lines already there."""
        if imported:
            return min(line.sequence for line in imported)
        return max(self.order.order_line.mapped("sequence"), default=9) + 1

    def _section(self, line, phase, sequence):
        vals = {"name": section_name(phase), "sequence": sequence}
        if line:
            _write_changed(line, vals)
            return []
        return [dict(vals, order_id=self.order.id, display_type="line_section", logikal_phase_id=phase.id)]

    def _elevation_line(self, line, elevation, sequence):
        product = self._product(elevation)
        logikal_price = self._price(elevation)
        vals = {
            "product_id": product.id,
            "name": elevation_description(elevation),
            "product_uom_qty": elevation.amount,
            "sequence": sequence,
            "logikal_phase_id": elevation.phase_id.id,
            "logikal_price_unit": logikal_price,
            "price_unit": logikal_price,
        }
        if line and self.keep_prices and line.logikal_price_edited:
            vals["price_unit"] = line.price_unit
        if not line:
            self.result.count("added", elevation.name)
            return [dict(vals, order_id=self.order.id, logikal_elevation_id=elevation.id)]
        if _write_changed(line, vals, always=("price_unit",)):  # a new quantity must not re-price the line
            self.result.count("updated", elevation.name)
        return []

    def _price(self, elevation):
        """The chosen LogiKal price per unit in the order's currency (0 when LogiKal gave none)."""
        amount = elevation[self.price_field]
        if not elevation.currency_id or float_is_zero(amount, precision_digits=6):
            self.result.unpriced.append(elevation.name)
            return 0.0
        return elevation.currency_id._convert(
            amount, self.order.currency_id, self.order.company_id, self.conversion_date()
        )

    def _product(self, elevation):
        """The product of this elevation: found by its identity, made on first import, kept up to date."""
        Template = self.env["product.template"].sudo().with_context(active_test=False)
        template = Template.search([("logikal_elevation_key", "=", elevation_key(elevation))], limit=1)
        vals = self._product_vals(elevation)
        if template:
            if not template.active:
                vals["active"] = True
            if template.logikal_thumbnail_version == (elevation.thumbnail_version or False):
                vals.pop("image_1920")
            _write_changed(template, vals)
        else:
            template = Template.create(dict(vals, logikal_elevation_key=elevation_key(elevation)))
        return template.product_variant_id

    def _product_vals(self, elevation):
        company = self.project.company_id
        category = company.logikal_product_categ_id or self.env.ref(
            "logikal_connector_sale.product_category_logikal", raise_if_not_found=False
        )
        vals = {
            "name": f"{self.project.name} {elevation.name}",
            "default_code": f"{self.project.name}-{elevation.name}",
            "type": "consu",
            "sale_ok": True,
            "purchase_ok": False,
            "description_sale": elevation_description(elevation),
            "image_1920": elevation.sudo().image_1920 or False,
            "logikal_elevation_id": elevation.id,
            "logikal_thumbnail_version": elevation.thumbnail_version or False,
            "company_id": company.id or False,
        }
        if category:
            vals["categ_id"] = category.id
        return vals

    def _remove(self, sections, lines):
        for line in lines.values():
            self.result.count("removed", line.logikal_elevation_id.name or line.name.split("\n")[0])
        (self.env["sale.order.line"].union(*sections.values(), *lines.values())).unlink()


def _write_changed(record, vals, always=()):
    """Write the values that differ (with the `always` ones when anything is written); True when written."""
    changes = {}
    for name, value in vals.items():
        current = record[name]
        field = record._fields[name]
        if field.type == "many2one":
            same = current.id == (value or False)
        elif field.type in ("float", "monetary"):
            same = float_compare(current or 0.0, value or 0.0, precision_digits=6) == 0
        else:
            same = (current or False) == (value or False)
        if not same:
            changes[name] = value
    if changes:
        record.write(dict(changes, **{name: vals[name] for name in always}))
    return bool(changes)
