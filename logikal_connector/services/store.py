"""Writes what LogiKal listed into Odoo records: batched creates, writes of changed values only, archiving.

The store never talks to LogiKal; the engine hands it value objects (`logikal.records`: `found` for one,
`listed` for a listing) and bytes. The `upsert_*` methods create what is new and write what changed.
"""

import base64
import logging
from datetime import timezone

from odoo import fields

from ..logikal import PartsListError
from ..logikal.partslist import ENRICHMENT, parse_parts_list
from ..logikal.planning import RetryRule
from .counts import RunCounts

_logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
MAX_PATH_BYTES = 2000  # a btree index row holds at most 2704 bytes


def naive_utc(value):
    """Odoo stores naive UTC datetimes."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else False


def version_key_of(record):
    """The version_key of a stored logikal.elevation record."""
    if record.version_id:
        return record.version_id
    return record.logikal_changed_date.isoformat() if record.logikal_changed_date else ""


def version_key(found):
    """What identifies one state of an elevation (as LogiKal listed it): its versionId, else its change date."""
    return found.version_id or (found.changed_date.isoformat() if found.changed_date else "")


def project_vals(found, directory):
    return {
        "name": found.name or found.id,
        "directory_id": directory.id if directory else False,
        "job_number": found.job_number,
        "offer_number": found.offer_number,
        "person_in_charge": found.person_in_charge,
        "estimated": found.estimated,
        "logikal_created_date": naive_utc(found.created_date),
        "logikal_changed_date": naive_utc(found.changed_date),
        "is_deleted": found.is_deleted,
        "active": not found.is_deleted,
    }


def phase_vals(found, sequence):
    return {"name": found.name, "description": found.description, "sequence": sequence, "active": True}


def _surface(surface, prefix):
    return {
        f"{prefix}_surface": surface.name if surface else False,
        f"{prefix}_color_inside": surface.color_inside if surface else False,
        f"{prefix}_color_outside": surface.color_outside if surface else False,
    }


def elevation_vals(found, sequence):
    vals = {
        "version_id": found.version_id,
        "name": found.name,
        "sequence": sequence,
        "amount": found.amount or 0.0,
        "width": found.width or 0.0,
        "height": found.height or 0.0,
        "automatic_description": found.automatic_description,
        "system_description": found.system_description,
        "model_description": found.model_description,
        "user_description": found.user_description,
        "created_by_user": found.created_by_user,
        "type": found.type,
        "state": found.state,
        "is_element_pricelist": found.is_element_pricelist_elevation,
        "element_pricelist_id": found.element_pricelist_id or False,
        "in_recycle_bin": found.is_in_recycle_bin,
        "logikal_created_date": naive_utc(found.created_date),
        "logikal_changed_date": naive_utc(found.changed_date),
        "active": not found.is_in_recycle_bin,
    }
    vals.update(_surface(found.surface_of_base_element, "base"))
    vals.update(_surface(found.surface_of_insertions, "insertion"))
    return vals


def _with_deletion_date(vals, deleted, record):
    """Stamp when LogiKal deleted (or recycled) the object, once; clear the stamp when it comes back."""
    if deleted and (record is None or record.active):
        vals["deleted_date"] = fields.Datetime.now()
    elif not deleted:
        vals["deleted_date"] = False
    return vals


def _same(record, name, value):
    current = record[name]
    if hasattr(current, "_name"):
        return current.id == (value or False)
    if isinstance(value, str) or value is False or value is None:
        return (current or False) == (value or False)
    return current == value


def changed_values(record, vals):
    return {name: value for name, value in vals.items() if not _same(record, name, value)}


class RecordStore:
    """Upserts for one backend, counting every create / write / archive in `counts`."""

    def __init__(self, env, backend, counts=None):
        self.env = env
        self.backend = backend
        self.counts = counts if counts is not None else RunCounts()
        self.retry = RetryRule(backend.retry_delay_minutes, backend.max_attempts)
        self._failed = set()  # ids of elevations that failed in this run
        self._healed = set()  # ids of elevations whose files downloaded and stored in this run

    def _model(self, name):
        return self.env[name].sudo().with_context(active_test=False, tracking_disable=True)

    # ------------------------------------------------------------------ generic upsert
    def _upsert(self, otype, model, existing, wanted, create_extra):
        """`existing`: {key: record}; `wanted`: [(key, vals)]. Returns {key: record} in `wanted` order."""
        result, to_create = {}, []
        for key, vals in wanted:
            record = existing.get(key)
            if record is None:
                to_create.append((key, vals))
                continue
            changes = changed_values(record, vals)
            if changes:
                self._count_change(otype, record, changes)
                record.write(changes)
            else:
                self.counts.add(otype, "unchanged")
            result[key] = record
        if to_create:
            created = model.create([dict(vals, **create_extra(key)) for key, vals in to_create])
            self.counts.add(otype, "created", len(created))
            result.update(zip([key for key, _vals in to_create], created, strict=True))
        return {key: result[key] for key, _vals in wanted}

    def _count_change(self, otype, record, changes):
        archived = changes.get("active") is False and record.active
        self.counts.add(otype, "archived" if archived else "updated")

    def _archive(self, otype, records, extra=None):
        records = records.filtered("active")
        if records:
            records.write(dict({"active": False}, **(extra or {})))
            self.counts.add(otype, "archived", len(records))
        return records

    # ------------------------------------------------------------------ directories
    def upsert_directories(self, parent, listed):
        """Upsert the children `listed` under `parent` (False for roots); archive children no longer listed."""
        listed = self._indexable_directories(listed)
        model = self._model("logikal.directory")
        existing = {
            d.path: d
            for d in model.search([("backend_id", "=", self.backend.id), ("path", "in", [x.path for x in listed])])
        }
        wanted = [
            (d.path, {"name": d.name, "parent_id": parent.id if parent else False, "level": d.depth, "active": True})
            for d in listed
        ]
        records = self._upsert(
            "directory", model, existing, wanted, lambda path: {"backend_id": self.backend.id, "path": path}
        )
        siblings = model.search(
            [
                ("backend_id", "=", self.backend.id),
                ("parent_id", "=", parent.id if parent else False),
                ("path", "not in", list(records)),
                ("active", "=", True),
            ]
        )
        self._archive_directories(siblings)
        return records

    def _indexable_directories(self, listed):
        """Skip (and count as failed) directories whose path PostgreSQL cannot index: it would abort the run."""
        too_long = [d for d in listed if len(d.path.encode()) > MAX_PATH_BYTES]
        for directory in too_long:
            self.counts.fail("directory", directory.path[:80] + "…", f"path longer than {MAX_PATH_BYTES} bytes")
        return [d for d in listed if d not in too_long]

    def _archive_directories(self, directories):
        if not directories:
            return
        subtree = self._model("logikal.directory").search([("id", "child_of", directories.ids)])
        self._archive("directory", subtree)
        projects = self._model("logikal.project").search(
            [("backend_id", "=", self.backend.id), ("directory_id", "in", subtree.ids), ("active", "=", True)]
        )
        self._archive_projects(projects)

    def mark_synced(self, records):
        records.write(
            {
                "last_sync_date": fields.Datetime.now(),
                "sync_state": "done",
                "sync_error": False,
                "sync_attempts": 0,
                "next_retry_date": False,
            }
        )

    @staticmethod
    def mark_incomplete(project):
        """The project was read but some of its elevations failed: say so on the project (no retry count)."""
        project.write(
            {"sync_state": "failed", "sync_error": "Some elevations could not be synced; the Errors button lists them."}
        )

    # ------------------------------------------------------------------ projects
    def upsert_projects(self, directory, listed):
        """Upsert a directory's project listing. Returns ({guid: record}, {guids whose changedDate moved})."""
        model = self._model("logikal.project")
        existing = {
            p.logikal_id: p
            for p in model.search([("backend_id", "=", self.backend.id), ("logikal_id", "in", [p.id for p in listed])])
        }
        changed = {
            p.id
            for p in listed
            if p.id not in existing or existing[p.id].logikal_changed_date != naive_utc(p.changed_date)
        }
        wanted = [(p.id, self._project_vals(p, directory, existing.get(p.id))) for p in listed]
        was_active = {guid: record.active for guid, record in existing.items()}
        records = self._upsert(
            "project", model, existing, wanted, lambda guid: {"backend_id": self.backend.id, "logikal_id": guid}
        )
        archived = [r.id for guid, r in records.items() if was_active.get(guid) and not r.active]
        restored = [r.id for guid, r in records.items() if was_active.get(guid) is False and r.active]
        self._archive_contents(model.browse(archived))
        self._restore_contents(model.browse(restored))
        return records, changed

    def _project_vals(self, found, directory, record):
        return _with_deletion_date(project_vals(found, directory), found.is_deleted, record)

    def archive_missing_projects(self, directories, seen_guids):
        """Archive projects of fully listed `directories` that no listing of this walk returned."""
        missing = self._model("logikal.project").search(
            [
                ("backend_id", "=", self.backend.id),
                ("directory_id", "in", directories.ids),
                ("logikal_id", "not in", list(seen_guids)),
                ("active", "=", True),
            ]
        )
        return self._archive_projects(missing)

    def _archive_projects(self, projects):
        archived = self._archive("project", projects, {"deleted_date": fields.Datetime.now()})
        self._archive_contents(archived)
        return archived

    def _archive_contents(self, projects):
        """Archive the live phases and elevations of archived `projects`, marked to come back with them."""
        if not projects:
            return
        marked = {"archived_with_project": True}
        phases = self._model("logikal.phase").search([("project_id", "in", projects.ids), ("active", "=", True)])
        self._archive("phase", phases, marked)
        elevations = self._model("logikal.elevation").search(
            [("project_id", "in", projects.ids), ("active", "=", True)]
        )
        self._archive("elevation", elevations, dict(marked, deleted_date=fields.Datetime.now()))

    def _restore_contents(self, projects):
        """Bring back the phases and elevations archived with `projects` (not those removed on their own)."""
        if not projects:
            return
        domain = [("project_id", "in", projects.ids), ("active", "=", False), ("archived_with_project", "=", True)]
        phases = self._model("logikal.phase").search(domain)
        phases.write({"active": True, "archived_with_project": False})
        self.counts.add("phase", "updated", len(phases))
        elevations = self._model("logikal.elevation").search(domain)
        elevations.write({"active": True, "archived_with_project": False, "deleted_date": False})
        self.counts.add("elevation", "updated", len(elevations))

    # ------------------------------------------------------------------ phases
    def upsert_phases(self, project, listed):
        model = self._model("logikal.phase")
        existing = {p.logikal_id: p for p in model.search([("project_id", "=", project.id)])}
        wanted = [(p.id, phase_vals(p, index)) for index, p in enumerate(listed)]
        records = self._upsert(
            "phase", model, existing, wanted, lambda guid: {"project_id": project.id, "logikal_id": guid}
        )
        gone = model.browse([r.id for key, r in existing.items() if key not in records])
        archived = self._archive("phase", gone)
        if archived:
            elevations = self._model("logikal.elevation").search([("phase_id", "in", archived.ids)])
            self._archive("elevation", elevations, {"deleted_date": fields.Datetime.now()})
        return records

    # ------------------------------------------------------------------ elevations
    def upsert_elevations(self, phase, listed):
        model = self._model("logikal.elevation")
        existing = {e.logikal_id: e for e in model.search([("phase_id", "=", phase.id)])}
        wanted = [(e.id, self._elevation_vals(e, index, existing.get(e.id))) for index, e in enumerate(listed)]
        records = self._upsert(
            "elevation", model, existing, wanted, lambda guid: {"phase_id": phase.id, "logikal_id": guid}
        )
        gone = model.browse([r.id for key, r in existing.items() if key not in records])
        self._archive("elevation", gone, {"deleted_date": fields.Datetime.now()})
        return records

    def _elevation_vals(self, found, sequence, record):
        return _with_deletion_date(elevation_vals(found, sequence), found.is_in_recycle_bin, record)

    @staticmethod
    def needs_thumbnail(record, found):
        return record.active and (
            record.thumbnail_version != version_key(found) or not record.with_context(bin_size=True).image_1920
        )

    @staticmethod
    def needs_parts_list(record, found):
        return record.active and (not record.parts_list_sha256 or record.parts_list_version != version_key(found))

    def store_thumbnails(self, items):
        """Keep downloaded thumbnails, [(record, found, bytes)]: one attachment batch for all of them."""
        if not items:
            return
        self._write_files("image_1920", {record.id: data for record, _found, data in items})
        for record, found, _data in items:
            record.write({"thumbnail_version": version_key(found)})
            self._healed.add(record.id)

    def _write_files(self, field_name, files, stored_ids=None):
        """Set the attachment-stored binary `field_name` of elevations {id: bytes}, as the field itself would.

        `stored_ids`, when given, are the only elevations that may already have a file.
        """
        Attachment = self.env["ir.attachment"].sudo()
        maybe = list(files) if stored_ids is None else stored_ids
        existing = Attachment.browse()
        if maybe:
            existing = Attachment.search(
                [("res_model", "=", "logikal.elevation"), ("res_field", "=", field_name), ("res_id", "in", maybe)]
            )
        for attachment in existing:
            attachment.write({"raw": files[attachment.res_id]})
        kept = set(existing.mapped("res_id"))
        Attachment.create(
            [
                {
                    "name": field_name,
                    "res_model": "logikal.elevation",
                    "res_field": field_name,
                    "res_id": res_id,
                    "type": "binary",
                    "raw": data,
                }
                for res_id, data in files.items()
                if res_id not in kept
            ]
        )
        self._model("logikal.elevation").browse(list(files)).invalidate_recordset([field_name])

    # ------------------------------------------------------------------ parts lists
    def parse(self, record, data, version):
        """Parse a downloaded parts list without writing anything: a ParsedPartsList for store_parts_lists."""
        try:
            parsed = parse_parts_list(
                data,
                elevation_id=record.logikal_id,
                elevation_name=record.name,
                max_bytes=self.backend.max_parts_mb * 1024 * 1024,
            )
        except PartsListError as error:
            return ParsedPartsList(record, version, data, None, error)
        return ParsedPartsList(record, version, data, parsed, None)

    def store_parts_lists(self, items):
        """Write parsed parts lists (ParsedPartsList) in one batch. Returns True when none failed to parse.

        A file that failed to parse keeps the elevation's previous good data; an unchanged file (same
        SHA-256) only records the version it was fetched for.
        """
        success, changed = True, []
        for item in items:
            record = item.record
            if item.error is not None:
                self._parse_failed(record, item.error)
                success = False
            elif item.parsed.sha256 == record.parts_list_sha256 and record.parse_state == "ok":
                if record.parts_list_version != item.version:
                    record.write({"parts_list_version": item.version})
                self.counts.add("parts_list", "unchanged")
            else:
                changed.append(item)
        self._write_parsed(changed)
        self._healed.update(item.record.id for item in items if item.error is None)
        return success

    def mark_elevations_synced(self, records):
        """Stamp the live elevations of `records` that synced in this run: Synced, with the date, errors cleared.

        Not marked: what failed in this run, and what still carries an older failure that was not retried
        now (it waits for its retry).
        """
        synced = [
            r.id
            for r in records
            if r.active and r.id not in self._failed and (r.sync_state != "failed" or r.id in self._healed)
        ]
        if synced:
            self.mark_synced(self._model("logikal.elevation").browse(synced))

    def _parse_failed(self, record, error):
        record.write({"parse_state": "error", "parse_error": str(error)[:MAX_ERROR_LENGTH]})
        self.record_failure(record, "parts_list", f"parts list: {error}")

    def _write_parsed(self, items):
        """Replace the file, enrichment and lines of the elevations of `items` (ParsedPartsList, parsed)."""
        if not items:
            return
        stored = [item.record.id for item in items if item.record.parts_list_sha256]  # file and lines go together
        if stored:
            for model in ("logikal.elevation.glass", "logikal.elevation.bom.line"):
                self._model(model).search([("elevation_id", "in", stored)]).unlink()
        self._write_files("parts_list_file", {item.record.id: item.data for item in items}, stored)
        glass, bom, now = [], [], fields.Datetime.now()
        for item in items:
            record, parsed = item.record, item.parsed
            self.counts.add("parts_list", "updated" if record.parts_list_sha256 else "created")
            vals = dict(
                parsed_vals(parsed),
                parts_list_sha256=parsed.sha256,
                parts_list_version=item.version,
                parse_state="ok",
                parse_error=False,
                parse_date=now,
            )
            record.write(changed_values(record, vals))
            owner = {"elevation_id": record.id, "company_id": record.company_id.id}
            glass += [dict(glass_vals(line, i), **owner) for i, line in enumerate(parsed.glass)]
            bom += [dict(bom_vals(line, i), **owner) for i, line in enumerate(parsed.bom)]
        self._model("logikal.elevation.glass").create(glass)
        self._model("logikal.elevation.bom.line").create(bom)

    def reparse(self, records):
        for record in records.filtered("parts_list_file"):
            data = base64.b64decode(record.with_context(bin_size=False).parts_list_file)
            item = self.parse(record.sudo(), data, record.parts_list_version)
            if item.error is not None:
                record.sudo().write({"parse_state": "error", "parse_error": str(item.error)[:MAX_ERROR_LENGTH]})
                continue
            self._write_parsed([item])

    # ------------------------------------------------------------------ prices and customer address
    @staticmethod
    def prices_due(project):
        """The project changed since its prices were read (or never had them read): read them while selected."""
        return project.estimation_version != estimation_version(project)

    def store_prices(self, project, reads):
        """Keep what `reads` (ProjectReads) holds on the project: the estimation (prices by elevation GUID,
        currency, price base) and the customer address; `apply_prices` puts the prices on the elevations.

        Each part is kept as soon as it is read and marked as read for the project's current change, so a
        run cut short by its budget reads only the rest on its next call. What LogiKal refused is emptied;
        what failed on the way (5xx, timeout) is left as it was and read again on the next pass.
        """
        version = estimation_version(project)
        data = dict(project.estimation_data or {})
        vals = {}
        if reads.estimation is not _UNREAD:
            data = self._estimation_data(project, reads.estimation, reads.price_base)
            data["read_for"] = version
            data["address_read_for"] = (project.estimation_data or {}).get("address_read_for")
        if reads.address is not _UNREAD:
            vals.update(address_vals(reads.address))
            data["address_read_for"] = version
        vals["estimation_data"] = data or False
        done = data.get("read_for") == version and data.get("address_read_for") == version
        vals["estimation_version"] = version if done else False
        changes = changed_values(project, vals)
        if changes:
            project.sudo().write(changes)

    @staticmethod
    def prices_to_read(project):
        """(estimation, address): which parts are still to be read for the project's current change."""
        version, data = estimation_version(project), project.estimation_data or {}
        return data.get("read_for") != version, data.get("address_read_for") != version

    def _estimation_data(self, project, estimation, price_base):
        if estimation is None:
            return {"currency": False, "price_base": False, "prices": {}}
        if estimation.currency:
            self._currency(project, estimation.currency)  # an unknown currency is noted once, when read
        return {
            "currency": estimation.currency or False,
            "price_base": getattr(price_base, "name", None) or False,  # the price base may have failed to read
            "prices": {row.id: [row.net_price_unit, row.total_price_unit] for row in estimation.elevations},
        }

    @staticmethod
    def prices_stale(project):
        """An elevation changed without moving the project's changedDate: read the prices on the next pass."""
        data = dict(project.estimation_data or {})
        data.pop("read_for", None)
        project.sudo().write({"estimation_version": False, "estimation_data": data or False})

    def apply_prices(self, project, just_read):
        """Put the project's stored estimation on its elevations (changed values only; no LogiKal call).

        Returns True when the prices must be read again on the next pass although the project's changedDate
        did not move: an elevation changed after it was first priced (its version moved), or one is unpriced
        that was not unpriced right after the last read (new since; LogiKal may leave some unpriced, and those
        never cost a read per pass). The version each elevation was first priced at is kept with the
        estimation, so a first sync resumed across calls never mistakes its own listing for an edit.
        """
        data = dict(project.estimation_data or {})
        rows = data.get("prices") or {}
        currency = self._currency(project, data.get("currency"), quiet=True) if rows else False
        base = data.get("price_base") or False
        versions, known_unpriced = dict(data.get("versions") or {}), set(data.get("unpriced") or ())
        edited, unpriced = False, set()
        for record in self._model("logikal.elevation").search([("project_id", "=", project.id)]):
            net, total = rows.get(record.logikal_id) or (None, None)
            priced = record.logikal_id in rows
            vals = {
                "net_price_unit": net or 0.0,
                "total_price_unit": total or 0.0,
                "currency_id": currency.id if priced and currency else False,
                "price_base_name": base if priced else False,
            }
            changes = changed_values(record, vals)
            if changes:
                record.write(changes)
            if not record.active:
                continue
            seen = versions.setdefault(record.logikal_id, version_key_of(record))
            edited |= seen != version_key_of(record)
            if rows and not priced:
                unpriced.add(record.logikal_id)
        if just_read:
            known_unpriced = unpriced
        wanted = dict(data, versions=versions, unpriced=sorted(known_unpriced)) if rows else data or False
        if wanted != (project.estimation_data or False):
            project.sudo().write({"estimation_data": wanted})
        return edited or bool(unpriced - known_unpriced)

    def _currency(self, project, code, quiet=False):
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if code and not currency and not quiet:
            self.counts.note(project.display_name, f"prices: LogiKal currency {code!r} is unknown to Odoo")
        return currency

    # ------------------------------------------------------------------ failures
    def due_again(self, record):
        """Whether a scheduled pass tries `record` now (planning.RetryRule: not parked, its retry date come)."""
        return self.retry.is_due_again(record.sync_attempts, record.next_retry_date, fields.Datetime.now())

    def record_failure(self, record, otype, error):
        """Note an error on `record` and schedule its retry; the run goes on."""
        attempts = record.sync_attempts + 1
        record.sudo().write(
            {
                "sync_state": "failed",
                "sync_error": str(error)[:MAX_ERROR_LENGTH],
                "sync_attempts": attempts,
                "next_retry_date": self.retry.next_retry(attempts, fields.Datetime.now()),
            }
        )
        self.counts.fail(otype, record.display_name, error)
        if record._name == "logikal.elevation":
            self._failed.add(record.id)
        _logger.info("LogiKal sync: %s %s failed (attempt %s): %s", otype, record.display_name, attempts, error)


_UNREAD = object()  # a read that failed on the way: the stored values stay as they are


def address_vals(address):
    """The project's customer address fields from an Address (None: no address, all emptied)."""
    return {
        "address_type": address.address_type if address else False,
        "address_name": address.name1 if address else False,
        "address_name2": address.name2 if address else False,
        "address_street": address.street if address else False,
        "address_zip": address.zip_code if address else False,
        "address_city": address.city if address else False,
        "address_phone": (address.phone1 or address.phone2) if address else False,
        "address_email": address.email if address else False,
    }


def estimation_version(project):
    """What the prices of a project are read for: its LogiKal change date."""
    return project.logikal_changed_date.isoformat() if project.logikal_changed_date else "never changed"


class ProjectReads:
    """What was read while a changed project was selected: estimation, price base, customer address.

    Each is the value read, None when LogiKal refused it or has none (it is emptied in Odoo), or UNREAD when
    the read failed on the way (a 5xx or timeout: kept as it was, read again on the next pass).
    """

    UNREAD = _UNREAD

    def __init__(self):
        self.estimation = self.price_base = self.address = _UNREAD

    @property
    def complete(self):
        return _UNREAD not in (self.estimation, self.price_base, self.address)


class ParsedPartsList:
    """A downloaded parts list of `record`, parsed (`parsed`) or not (`error`), waiting to be stored."""

    __slots__ = ("data", "error", "parsed", "record", "version")

    def __init__(self, record, version, data, parsed, error):
        self.record, self.version, self.data, self.parsed, self.error = record, version, data, parsed, error


def parsed_vals(parsed):
    """The logikal.elevation values of a parsed parts list's enrichment (ENRICHMENT): 0.0 / False when absent."""
    info = parsed.elevation
    return {spec.field: getattr(info, spec.name) or (0.0 if spec.numeric else False) for spec in ENRICHMENT}


def glass_vals(line, sequence):
    return {
        "sequence": sequence,
        "glass_id": line.glass_id or False,
        "name": line.name or False,
        "width": line.width or 0.0,
        "height": line.height or 0.0,
        "area": line.area or 0.0,
        "quantity": line.quantity or 0.0,
    }


def bom_vals(line, sequence):
    return {
        "sequence": sequence,
        "kind": line.kind,
        "code": line.code or False,
        "description": line.description or False,
        "quantity": line.quantity or 0.0,
        "length": line.length or 0.0,
        "unit": line.unit or False,
        "color": line.color or False,
        "price": line.price or 0.0,
    }
