"""Walks one scope of LogiKal with one session and hands what it reads to the RecordStore.

Order matters for a stateful server: depth-first per directory, list before select, thumbnails by id in
phase context, and an elevation is selected only to download its parts list.

Names in the services: an Odoo record is named after its model (`directory`, `project`, `phase`,
`elevation`) or `record`; what LogiKal returned (a `logikal.records` value object) is `found`, and a whole
listing `listed`. A *unit* (of work) is what one commit keeps (services/transaction.py): a directory
listing, a phase with its files, a project. A *parked* item failed `max_attempts` times in a row and waits
for a Force Sync (planning.RetryRule); `retry_now` (a Force Sync) retries failed and parked items at once.
"""

import logging
import time

from ..logikal import (
    LogikalBudgetSpent,
    LogikalConflict,
    LogikalError,
    LogikalNavigationError,
    LogikalNotFound,
    LogikalTransientError,
    planning,
)
from ..logikal.estimation import customer_address_type
from ..logikal.prefetch import Prefetcher
from . import trust
from .progress import NoProgress
from .store import ProjectReads, naive_utc, version_key
from .transaction import UnitOfWork

_logger = logging.getLogger(__name__)

SESSION_ERRORS = (LogikalNavigationError, LogikalBudgetSpent)  # not an item's fault: the run stops
THUMBNAIL, PARTS_LIST = "thumbnail", "parts_list"
BATCH_BYTES = 64 * 1024 * 1024  # parts lists held before a batch is written, whatever the phase's size
FILES_AHEAD = 2  # files downloaded ahead of the one Odoo stores: the session never idles during a hand-over
IDLE_SECONDS = 0.02  # a take that waited this long means the downloads are slower than the writes (Prefetcher)
HEARTBEAT_SECONDS = 5.0  # a run's heartbeat is written at most this often (stale runs are minutes old)


class ItemFailure:
    """`with ItemFailure() as failed:` around LogiKal reads for one item (a directory, project, phase or file).

    A LogikalError of that item (and any type in `also`) is caught and kept in `failed.error`; `failed` is
    true then. The session's own errors (SESSION_ERRORS: it gave up navigating, or the budget is spent) and
    anything else go through: they stop the run, not the item.
    """

    def __init__(self, *also):
        self.caught = (LogikalError, *also)
        self.error = None

    def __bool__(self):
        return self.error is not None

    def __enter__(self):
        return self

    def __exit__(self, _type, error, _traceback):
        if error is None or isinstance(error, SESSION_ERRORS) or not isinstance(error, self.caught):
            return False
        self.error = error
        return True


class SyncEngine:
    def __init__(self, env, backend, session, store, *, deadline=None, transaction=None, heartbeat=None, progress=None):
        self.env = env
        self.backend = backend
        self.session = session
        self.store = store
        self.deadline = deadline
        self.transaction = transaction or UnitOfWork()  # commits each unit on the cron path only
        self._heartbeat = heartbeat or (lambda: None)
        self.progress = progress or NoProgress()  # live progress on the bus (services/progress.py)
        self.thumbnails = 0
        self.parts_lists = 0
        self.retry_now = False  # a Force Sync: failed and parked items are retried whatever their backoff
        self.parts_lists_first = False  # the parts_list type has a lower priority number than elevations
        self._downloads = None
        self._last_heartbeat = None
        self._elevation_dates = []
        self.trust_lost = False  # a descent of this run proved the server does not bump project dates

    def commit_unit(self):
        """Commit the unit just done (cron path only; with the heartbeat and live progress when due), then stop
        the run when the budget is spent."""
        now = time.monotonic()
        if self._last_heartbeat is None or now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._heartbeat()
            self._last_heartbeat = now
        self.progress.report()
        self.transaction.commit_unit()
        if self._out_of_time():
            raise LogikalBudgetSpent("the run's time budget is spent; the work done is committed and resumes")

    # ------------------------------------------------------------------ directories
    def walk(self, start=None, *, with_projects=True, result=None, listed_since=None):
        """List directories (and their projects) depth-first from `start` (None: the roots).

        Returns a WalkResult (`result` when given: the caller keeps what was read if the budget runs out);
        `complete` is False when a listing failed, so nothing is archived from it. A resumed walk passes
        `listed_since`: directories listed since then are not listed again (their sub-directories are).
        """
        result = result if result is not None else WalkResult()
        result.listed_since = listed_since
        if start is None:
            roots = self.session.list_root_directories()
            children = self.store.upsert_directories(False, roots)
        else:
            children = {start.path: start}
        for record in children.values():
            self._walk_directory(record, result, with_projects)
        if with_projects and result.complete and not result.resumed:
            listed = self.env["logikal.directory"].browse(result.listed_directory_ids)
            self.store.archive_missing_projects(listed, set(result.projects))
        return result

    def _walk_directory(self, directory, result, with_projects):
        if directory.is_excluded:
            return
        if result.listed_since and directory.last_sync_date and directory.last_sync_date > result.listed_since:
            result.resumed = True  # not every listing is in hand: archive nothing from this walk
            for child in directory.child_ids.filtered("active"):
                self._walk_directory(child, result, with_projects)
            return
        with ItemFailure() as failed:
            children = self.store.upsert_directories(directory, self.session.list_directories(directory.path))
            if with_projects:
                records, changed = self.store.upsert_projects(directory, self.session.list_projects(directory.path))
                result.projects.update(records)
                result.changed |= changed
                result.listed_directory_ids.append(directory.id)
        if failed:
            result.complete = False
            self.store.record_failure(directory, "directory", failed.error)
            return
        self.store.mark_synced(directory)
        self.commit_unit()
        for child in children.values():
            self._walk_directory(child, result, with_projects)

    # ------------------------------------------------------------------ projects
    def sync_project(self, project, *, elevations=True, parts=True, force=False):
        """Phases, elevations, thumbnails and parts lists of one project. Returns True when complete."""
        self.progress.project_started(project)
        path = project.directory_id.path
        if not path:
            self.store.record_failure(project, "project", "the project has no directory")
            return False
        with ItemFailure() as failed:
            phases = self.store.upsert_phases(project, self.session.list_phases(path, project.logikal_id))
        if failed:
            self.store.record_failure(project, "project", _project_error(failed.error))
            return False
        read_prices = elevations and self.store.prices_due(project)
        if read_prices:
            reads = ProjectReads()
            try:
                self._read_prices(project, reads)
            finally:  # also when the budget ran out between two reads: what was read is kept
                self.store.store_prices(project, reads)
        self.commit_unit()
        complete = True
        self._elevation_dates = []
        read_whole = False
        if elevations:
            complete &= self._sync_phases(project, list(phases.values()), parts=parts, force=force)
            if self.store.apply_prices(project, read_prices):
                self.store.prices_stale(project)
            read_whole = self._check_project_dates(project)
        if complete:
            self.store.mark_synced(project)
            trust.record_complete_read(project, full=read_whole and parts)
        else:
            self.store.mark_incomplete(project)
        self.commit_unit()
        return complete

    def _read_prices(self, project, reads):
        """Estimation, price base and customer address of a changed project, read into `reads` while it is
        selected (after its phases were listed: no select, no login); only the parts not read yet for this
        change. A refusal empties them, with the reason on the run; no error here fails the project."""
        path, guid = project.directory_id.path, project.logikal_id
        estimation_due, address_due = self.store.prices_to_read(project)
        if estimation_due:
            estimation = self._optional_read(project, "prices", self.session.project_estimation, path, guid)
            if estimation is not None and estimation is not ProjectReads.UNREAD:
                reads.price_base = self._optional_read(
                    project, "price base", self.session.project_estimation_data, path, guid
                )
            reads.estimation = estimation
        if address_due:
            reads.address = self._read_customer_address(project, path, guid)

    def _read_customer_address(self, project, path, guid):
        types = self._optional_read(project, "addresses", self.session.project_address_types, path, guid)
        if types is ProjectReads.UNREAD:
            return types
        if not types:
            return None  # the project has no address: the stored one is emptied
        address_type = customer_address_type(types)
        return self._optional_read(project, "address", self.session.project_address, path, guid, address_type)

    def _optional_read(self, project, what, read, *args):
        """`read(*args)`, or None when LogiKal refused it (4xx, bad payload), or UNREAD when it failed on the way
        (5xx, timeout); the reason is noted on the run either way."""
        with ItemFailure(ValueError) as failed:
            return read(*args)
        if isinstance(failed.error, LogikalTransientError):
            self.store.counts.note(project.display_name, f"{what} not read, retried on the next pass: {failed.error}")
            return ProjectReads.UNREAD
        self.store.counts.note(project.display_name, f"{what} not available: {failed.error}")
        return None

    def _check_project_dates(self, project):
        """The invariant of a bumping server on what was just read: no elevation newer than its project.

        An elevation edited after this pass listed the project would look like a violation on a bumping
        server too, so the project is listed again before the connection stops trusting project dates.
        Returns False when the project's listing moved while it was read (its fingerprint would then stand
        for content not read); a violation returns True: skipping is then up to the connection's mode.
        """
        newest = planning.newer_elevation(project.logikal_changed_date, self._elevation_dates)
        if newest is None:
            trust.record_consistent(self.backend, project)
            return True
        if self.backend.project_dates_state == "distrusted":
            return True  # already proven: nothing to confirm with another listing
        directory = project.directory_id
        with ItemFailure() as failed:
            self.store.upsert_projects(directory, self.session.list_projects(directory.path))
        if failed:  # not confirmed either way: the evidence read stands
            _logger.info("LogiKal: listing %s again to confirm project dates failed: %s", directory.path, failed.error)
        if planning.newer_elevation(project.logikal_changed_date, self._elevation_dates) is None:
            return False  # it changed while this pass ran: the next pass reads it again
        if trust.record_violation(self.backend, project, newest):
            self.trust_lost = True
        return True

    def _sync_phases(self, project, phases, *, parts, force):
        """Each phase in turn; the next phase's elevations are listed while the current phase is stored.

        The listings share the session with the phase's file downloads, so the next one starts only when the
        phase's downloads are done (`start_after`, called by `_fetch_files`), never right after a take.
        """
        path, project_guid = project.directory_id.path, project.logikal_id

        def list_elevations(phase_guid):  # may run on the helper thread: plain values only, no ORM
            return self.session.list_elevations(path, project_guid, phase_guid)

        complete = True
        guids = [p.logikal_id for p in phases]
        with Prefetcher(list_elevations, guids, deadline=self.deadline, ahead=False) as listings:
            for phase in phases:
                complete &= self._sync_phase(project, phase, listings, parts=parts, force=force)
        return complete

    def _sync_phase(self, project, phase, listings, *, parts, force):
        path = project.directory_id.path
        with ItemFailure() as failed:
            listed = listings.take(phase.logikal_id)
        if failed:
            self.store.record_failure(project, "elevation", f"elevations of phase {phase.name}: {failed.error}")
            return False
        records = self.store.upsert_elevations(phase, listed)
        self._elevation_dates.extend(naive_utc(e.changed_date) for e in listed if e.changed_date)
        pairs = [(records[e.id], e) for e in listed]
        address = (path, project.logikal_id, phase.logikal_id)
        complete = self._fetch_files(
            address, pairs, force, parts=parts, before_store=lambda: listings.start_after(phase.logikal_id)
        )
        self.commit_unit()
        return complete

    def _fetch_files(self, address, pairs, force, *, parts=True, before_store=None):
        """Thumbnails, then parts lists of one phase through one download stream, written in batches.

        The next file downloads on a helper thread while the current one is taken (see logikal.prefetch).
        While downloads are fast the files are parsed and written once the phase's downloads are done (no
        download competes with the writes for the GIL), after `before_store()` started whatever may run
        meanwhile; once the main thread waited on a download (`downloads.waited`: a slow server), what it holds
        is written before the next take, hidden behind the download in flight. The caller's commit_unit() commits.
        """
        thumbnails = [(r, e) for r, e in pairs if (force and r.active) or self.store.needs_thumbnail(r, e)]
        complete, due = self._due_parts_lists(pairs, force) if parts else (True, [])
        steps = [
            ([(THUMBNAIL, e.id) for _r, e in thumbnails], lambda: self._take_thumbnails(thumbnails, batch)),
            ([(PARTS_LIST, e.id) for _r, e in due], lambda: self._take_parts_lists(address, due, batch)),
        ]
        if self.parts_lists_first:
            steps.reverse()
        keys = [key for step_keys, _take in steps for key in step_keys]
        batch = DownloadBatch()
        with Prefetcher(
            lambda key: self._download(address, key),
            keys,
            deadline=self.deadline,
            slow_after=IDLE_SECONDS,
            depth=FILES_AHEAD,
        ) as downloads:
            self._downloads = downloads
            try:
                for _keys, take in steps:
                    complete &= take()
            except SESSION_ERRORS:
                self._store(batch)  # keep what came before the session gave up
                raise
            finally:
                self._downloads = None
        if before_store is not None and downloads.waited:
            before_store()
        complete = self._store(batch) and complete
        self.store.mark_elevations_synced([record for record, _found in pairs])
        return complete

    def _download(self, address, key):
        kind, guid = key
        if kind == THUMBNAIL:
            return self.session.thumbnail(*address, guid)
        return self.session.parts_list(*address, guid)

    def _due_parts_lists(self, pairs, force):
        complete, due = True, []
        for record, found in pairs:
            if not ((force and record.active) or self.store.needs_parts_list(record, found)):
                continue
            if not (force or self.retry_now or self.store.due_again(record)):
                complete = False
                self.store.counts.wait()
                continue
            due.append((record, found))
        return complete, due

    def _take_thumbnails(self, wanted, batch):
        complete = True
        for record, found in wanted:
            with ItemFailure() as failed:
                data = self._downloads.take((THUMBNAIL, found.id))
            if failed:
                self.store.record_failure(record, "elevation", f"thumbnail: {failed.error}")
                complete = False
                continue
            batch.thumbnails.append((record, found, data))
            self.thumbnails += 1
            if self._downloads.waited:
                complete &= self._store(batch)
        return complete

    def _take_parts_lists(self, address, due, batch):
        """Download the due parts lists into `batch`; stored early when the budget is spent or BATCH_BYTES held."""
        complete = True
        for record, found in due:
            item = self._fetch_parts_list(address, record, found)
            if item is None:
                complete = False
            else:
                batch.parts_lists.append(item)
            if self._out_of_time() or batch.parts_bytes() >= BATCH_BYTES:
                complete &= self._store(batch)
                self.commit_unit()
            elif self._downloads.waited:
                complete &= self._store(batch)
        return complete

    def _fetch_parts_list(self, address, record, found):
        """Download one parts list: (record, found, bytes), or None when the download failed."""
        with ItemFailure() as failed:
            if self._downloads is not None:
                data = self._downloads.take((PARTS_LIST, found.id))
            else:
                data = self.session.parts_list(*address, found.id)
        if failed:
            self.store.record_failure(record, "parts_list", f"parts list: {failed.error}")
            return None
        self.parts_lists += 1
        return record, found, data

    def _store(self, batch):
        """Parse and write what `batch` holds, then empty it. Returns False when a parts list did not parse."""
        self.store.store_thumbnails(batch.thumbnails)
        parsed = [self.store.parse(record, data, version_key(found)) for record, found, data in batch.parts_lists]
        batch.thumbnails, batch.parts_lists = [], []
        return self.store.store_parts_lists(parsed)

    def _out_of_time(self):
        return self.deadline is not None and time.monotonic() >= self.deadline

    # ------------------------------------------------------------------ one elevation
    def sync_elevation(self, elevation):
        """Refresh one elevation: its listing data, thumbnail and parts list, downloaded even if unchanged.

        Returns whether it synced completely, or None when its phase no longer lists it.
        """
        phase, project = elevation.phase_id, elevation.project_id
        address = (project.directory_id.path, project.logikal_id, phase.logikal_id)
        listed = self.session.list_elevations(*address)
        records = self.store.upsert_elevations(phase, listed)
        wanted = [(records[e.id], e) for e in listed if e.id == elevation.logikal_id]
        if not wanted:
            return None
        complete = self._fetch_files(address, wanted, True)
        self.commit_unit()
        return complete


class DownloadBatch:
    """Files downloaded for one phase and not stored yet: [(record, found, bytes)] of each kind."""

    def __init__(self):
        self.thumbnails = []
        self.parts_lists = []

    def parts_bytes(self):
        return sum(len(data) for _record, _found, data in self.parts_lists)


class WalkResult:
    def __init__(self):
        self.projects = {}
        self.changed = set()
        self.listed_directory_ids = []
        self.complete = True
        self.listed_since = None
        self.resumed = False


def _project_error(error):
    if isinstance(error, LogikalConflict):
        return f"locked or in use in LogiKal, will retry: {error}"
    if isinstance(error, LogikalNotFound):
        return f"no longer found in LogiKal: {error}"
    return str(error)
