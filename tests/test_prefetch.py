"""Prefetcher against the simulator over HTTP: order, one call at a time, errors in order, budget, closing,
prefetching on request only (the phase listings), and whether the caller waited."""

import json
import threading
import time

import pytest

from logikal_connector.logikal import LogikalClient, LogikalProtocolError, LogikalSession
from logikal_connector.logikal.prefetch import Prefetcher
from logikal_sim import Simulator, generate_dataset

PARTS = "GET /elevations/selected/parts-list"


def placeholder_parts(project, phase, elevation, *, profile="real"):
    return b"SQLite format 3\x00" + json.dumps([elevation["id"], elevation["versionId"]]).encode()


@pytest.fixture
def sim():
    simulator = Simulator(
        generate_dataset("s1"),
        mode="observed",
        latency_scale=0.01,
        username="u",
        password="p",
        parts_builder=placeholder_parts,
    )
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def phase(sim):
    """(session, address, elevation ids) of the default phase of the S1 project (13 elevations)."""
    expected = sim.expected()
    project = expected["projects"][0]
    phase_id = expected["phases"][0]["id"]
    ids = [e["id"] for e in expected["elevations"] if e["phase"] == phase_id]
    with LogikalSession(LogikalClient(sim.base_url, max_retries=0), "u", "p") as session:
        yield session, (project["directory"], project["id"], phase_id), ids


class Recorder:
    """A download function that notes which thread called it and whether two calls ever overlapped."""

    def __init__(self, session, address):
        self.session, self.address = session, address
        self.busy = threading.Lock()
        self.overlaps = 0
        self.threads = []

    def __call__(self, guid):
        if not self.busy.acquire(blocking=False):
            self.overlaps += 1
            self.busy.acquire()
        try:
            self.threads.append(threading.current_thread().name)
            return self.session.parts_list(*self.address, guid)
        finally:
            self.busy.release()


def elevation_of(data):
    return json.loads(data[16:])[0]


def test_takes_every_file_in_order_one_call_at_a_time(sim, phase):
    session, address, ids = phase
    download = Recorder(session, address)
    with Prefetcher(download, ids) as prefetcher:
        got = []
        for guid in ids:
            got.append(elevation_of(prefetcher.take(guid)))
            time.sleep(0.005)  # the caller's own work, during which the next file is fetched
    assert got == ids
    assert download.overlaps == 0
    assert prefetcher.prefetched == len(ids) - 1
    assert download.threads[0] == threading.current_thread().name
    assert all(name.startswith("logikal-prefetch") for name in download.threads[1:])
    counters = sim.counters()
    assert (counters["parts_downloads"], counters["logins"], counters["calls"][PARTS]) == (13, 1, 13)


def test_a_failed_download_is_raised_for_its_item_and_the_rest_goes_on(sim, phase):
    session, address, ids = phase
    sim.set_faults(corrupt={ids[3]: "base64"})
    results = {}
    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids) as prefetcher:
        for guid in ids:
            try:
                results[guid] = elevation_of(prefetcher.take(guid))
            except LogikalProtocolError as error:
                results[guid] = error
    assert isinstance(results.pop(ids[3]), LogikalProtocolError)
    assert results == {guid: guid for guid in ids if guid != ids[3]}
    assert sim.counters()["calls"][PARTS] == 13, "no file fetched twice, none skipped"


def test_no_prefetch_when_the_budget_is_spent(sim, phase):
    session, address, ids = phase
    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids, deadline=time.monotonic()) as prefetcher:
        got = [elevation_of(prefetcher.take(guid)) for guid in ids[:4]]
    assert got == ids[:4]
    assert prefetcher.prefetched == 0
    assert sim.counters()["calls"][PARTS] == 4, "stopping after 4 leaves no call behind"


def test_closing_early_waits_for_the_download_in_flight(sim, phase):
    session, address, ids = phase
    prefetcher = Prefetcher(lambda guid: session.parts_list(*address, guid), ids)
    assert elevation_of(prefetcher.take(ids[0])) == ids[0]
    prefetcher.close()
    assert sim.counters()["calls"][PARTS] == 2, "the one file in flight was finished, nothing more"
    assert elevation_of(session.parts_list(*address, ids[5])) == ids[5], "the session is free again"


def test_a_single_item_needs_no_thread(sim, phase):
    session, address, ids = phase
    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids[:1]) as prefetcher:
        assert elevation_of(prefetcher.take(ids[0])) == ids[0]
    assert prefetcher.prefetched == 0


def test_without_ahead_the_next_item_is_fetched_only_on_request(sim, phase):
    session, address, ids = phase
    download = Recorder(session, address)
    with Prefetcher(download, ids[:3], ahead=False) as prefetcher:
        assert elevation_of(prefetcher.take(ids[0])) == ids[0]
        assert sim.counters()["calls"][PARTS] == 1, "nothing fetched behind the caller's back"
        prefetcher.start_after(ids[0])
        assert elevation_of(prefetcher.take(ids[1])) == ids[1]
        assert elevation_of(prefetcher.take(ids[2])) == ids[2]
    assert prefetcher.prefetched == 1
    assert download.threads[0] == download.threads[2] == threading.current_thread().name
    assert download.threads[1].startswith("logikal-prefetch")
    assert (download.overlaps, sim.counters()["calls"][PARTS]) == (0, 3)


def test_waited_says_whether_a_take_kept_the_caller_waiting(sim, phase):
    session, address, ids = phase
    ticks = iter(range(1000))

    def clock():  # one "second" per reading: every take lasts at least one
        return next(ticks)

    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids[:2], clock=clock, slow_after=1) as slow:
        assert not slow.waited
        slow.take(ids[0])
        assert slow.waited
    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids[:2], clock=clock, slow_after=10) as fast:
        fast.take(ids[0])
        fast.take(ids[1])
        assert not fast.waited
    with Prefetcher(lambda guid: session.parts_list(*address, guid), ids[:2]) as unasked:
        unasked.take(ids[0])
        assert not unasked.waited, "without slow_after nothing is measured"


def _wait_for_calls(sim, count, timeout=10.0):
    """The simulator's parts-list call count once it reached `count` (or the count at the timeout)."""
    stop = time.monotonic() + timeout
    while sim.counters()["calls"][PARTS] < count and time.monotonic() < stop:
        time.sleep(0.01)
    return sim.counters()["calls"][PARTS]


def test_with_depth_the_helper_runs_ahead_without_waiting_for_a_take(sim, phase):
    session, address, ids = phase
    download = Recorder(session, address)
    with Prefetcher(download, ids[:6], depth=2) as prefetcher:
        assert elevation_of(prefetcher.take(ids[0])) == ids[0]
        assert _wait_for_calls(sim, 3) == 3, "two files queued behind the caller, downloaded one after the other"
        time.sleep(0.05)
        assert sim.counters()["calls"][PARTS] == 3, "never more than `depth` files held"
        got = [elevation_of(prefetcher.take(guid)) for guid in ids[1:6]]
    assert got == ids[1:6]
    assert download.overlaps == 0
    assert prefetcher.prefetched == 5
    assert sim.counters()["calls"][PARTS] == 6, "no file fetched twice"


def test_with_depth_closing_drops_what_was_not_started(sim, phase):
    session, address, ids = phase
    prefetcher = Prefetcher(lambda guid: session.parts_list(*address, guid), ids, depth=3)
    assert elevation_of(prefetcher.take(ids[0])) == ids[0]
    prefetcher.close()
    assert 2 <= sim.counters()["calls"][PARTS] <= 4, "the file in flight was finished; the queue stopped there"
    calls = sim.counters()["calls"][PARTS]
    time.sleep(0.05)
    assert sim.counters()["calls"][PARTS] == calls, "nothing runs after close()"
    assert elevation_of(session.parts_list(*address, ids[5])) == ids[5], "the session is free again"


def test_with_depth_a_failure_stops_the_queue_and_the_caller_fetches_the_rest(sim, phase):
    session, address, ids = phase
    sim.set_faults(corrupt={ids[1]: "base64"})
    download = Recorder(session, address)
    results = {}
    with Prefetcher(download, ids[:5], depth=3) as prefetcher:
        for guid in ids[:5]:
            try:
                results[guid] = elevation_of(prefetcher.take(guid))
            except LogikalProtocolError as error:
                results[guid] = error
    assert isinstance(results.pop(ids[1]), LogikalProtocolError)
    assert results == {guid: guid for guid in ids[:5] if guid != ids[1]}
    assert download.threads[2] == threading.current_thread().name, "after the failure the caller fetched the next"
    assert (download.overlaps, sim.counters()["calls"][PARTS]) == (0, 5), "no file fetched twice, none skipped"
