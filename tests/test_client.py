"""LogikalClient over real HTTP on loopback: the simulator for API behaviour, a tiny stub server for bodies
the simulator never sends (malformed envelopes, odd content types, echoed secrets)."""

import base64
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from logikal_connector.logikal import (
    CallStats,
    LogikalAuthError,
    LogikalBadRequest,
    LogikalClient,
    LogikalConflict,
    LogikalError,
    LogikalForbidden,
    LogikalNotFound,
    LogikalProtocolError,
    LogikalTimeout,
    LogikalTransientError,
    LogikalWrongContext,
)
from logikal_connector.logikal.client import MAX_THUMBNAIL_BYTES, error_class_for_status, normalize_base_url
from logikal_connector.logikal.stats import endpoint_key, path_template
from logikal_sim import Simulator, generate_dataset

PASSWORD = "S3cret-Pa55word"


@pytest.fixture
def sim():
    with Simulator(generate_dataset("small"), mode="observed", password=PASSWORD) as simulator:
        yield simulator


class SleepRecorder:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def client(sim, sleeps):
    with LogikalClient(
        sim.base_url, connect_timeout=1.0, read_timeout=2.0, max_retries=3, backoff_base=0.01, sleep=sleeps
    ) as api:
        yield api


@pytest.fixture
def token(client):
    return client.login("admin", PASSWORD)


def first_project(sim):
    return sim.expected()["projects"][0]


def first_elevation_of(sim, project_id):
    elevation = next(e for e in sim.expected()["elevations"] if e["project"] == project_id)
    return elevation["phase"], elevation["id"]


def select_path(client, token, path):
    parts = path.split("/")
    for index in range(len(parts)):
        client.select("/directories/select", "/".join(parts[: index + 1]), token)


def goto_phase(client, sim, token):
    project = first_project(sim)
    phase_id, elevation_id = first_elevation_of(sim, project["id"])
    select_path(client, token, project["directory"])
    client.select("/projects/select", project["id"], token)
    client.select("/phases/select", phase_id, token)
    return elevation_id


# --- every endpoint the client uses ---------------------------------------------------------------------


def test_version_is_the_unauthenticated_reachability_check(client, sim):
    data = client.version()
    assert data["componentVersions"][0]["name"] == "MbioeService"
    assert sim.counters()["calls"] == {"GET /version": 1}


def test_login_sends_erp_true_and_returns_the_token(client, sim):
    recorded = []
    original = client._http.request

    def spy(method, url, **kwargs):
        recorded.append(kwargs.get("json"))
        return original(method, url, **kwargs)

    client._http.request = spy
    token = client.login("admin", PASSWORD)
    assert token and isinstance(token, str)
    assert recorded == [{"username": "admin", "password": PASSWORD, "erp": True}]
    assert (client.stats.logins, sim.counters()["logins"]) == (1, 1)


def test_logout_ends_the_server_session(client, sim, token):
    client.logout(token)
    counters = sim.counters()
    assert (counters["logouts"], counters["open_sessions"], client.stats.logouts) == (1, 0, 1)


def test_logout_errors_are_swallowed_and_logged_without_the_token(client, sim, token, caplog):
    client.logout(token)
    with caplog.at_level(logging.DEBUG, logger="logikal_connector.logikal"):
        client.logout(token)  # 401 now: swallowed
    assert "logout failed" in caplog.text
    assert token not in caplog.text
    assert client.stats.logouts == 1


def test_lists_and_selects_walk_down_to_an_elevation(client, sim, token):
    roots = client.list("/directories", token)
    expected_roots = [d["path"] for d in sim.expected()["directories"] if "/" not in d["path"]]
    assert [d["path"] for d in roots] == expected_roots
    project = first_project(sim)
    select_path(client, token, project["directory"])
    assert project["id"] in [p["id"] for p in client.list("/projects", token)]
    client.select("/projects/select", project["id"], token)
    phase_id, elevation_id = first_elevation_of(sim, project["id"])
    assert phase_id in [p["id"] for p in client.list("/phases", token)]
    client.select("/phases/select", phase_id, token)
    assert elevation_id in [e["id"] for e in client.list("/elevations", token)]
    client.select("/elevations/select", elevation_id, token)
    assert client.parts_list(token).startswith(b"SQLite format 3\x00")


def test_thumbnail_by_id_in_phase_context_is_png_bytes(client, sim, token):
    elevation_id = goto_phase(client, sim, token)
    image = client.thumbnail(token, elevation_id)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert "GET /elevations/{id}/thumbnail" in client.stats.calls
    assert sim.counters()["calls"].get("POST /elevations/select", 0) == 0


def test_parts_list_uses_the_longer_parts_timeout(sim, sleeps):
    sim.set_faults(hang={"endpoint": "GET /elevations/selected/parts-list", "seconds": 0.4})
    with LogikalClient(sim.base_url, read_timeout=0.2, parts_timeout=3.0, max_retries=0, sleep=sleeps) as api:
        token = api.login("admin", PASSWORD)
        elevation_id = goto_phase(api, sim, token)
        api.select("/elevations/select", elevation_id, token)
        assert api.parts_list(token).startswith(b"SQLite format 3\x00")


def test_every_call_carries_explicit_connect_and_read_timeouts(sim, sleeps):
    seen = []

    class RecordingSession(requests.Session):
        def request(self, method, url, **kwargs):
            seen.append((method, url.rsplit("/api/v3", 1)[1], kwargs["timeout"]))
            return super().request(method, url, **kwargs)

    with RecordingSession() as http:
        api = LogikalClient(sim.base_url, connect_timeout=1.5, read_timeout=4.0, parts_timeout=9.0, http=http)
        api.version()
        token = api.login("admin", PASSWORD)
        elevation_id = goto_phase(api, sim, token)
        api.select("/elevations/select", elevation_id, token)
        api.parts_list(token)
        api.logout(token)
    timeouts = {path: timeout for _, path, timeout in seen}
    assert all(isinstance(timeout, tuple) and len(timeout) == 2 for _, _, timeout in seen)
    assert timeouts["/version"] == (1.5, 4.0)
    assert timeouts["/elevations/selected/parts-list"] == (1.5, 9.0)
    assert timeouts["/auth"][0] == 1.5


# --- errors typed by status ------------------------------------------------------------------------------


def test_wrong_password_is_an_auth_error_without_the_password(client):
    with pytest.raises(LogikalAuthError) as caught:
        client.login("admin", "wrong-" + PASSWORD)
    assert (caught.value.status, caught.value.endpoint) == (401, "POST /auth")
    assert PASSWORD not in str(caught.value)


def test_invalid_token_is_an_auth_error(client):
    with pytest.raises(LogikalAuthError):
        client.list("/directories", "00000000-1111-2222-3333-444444444444")


def test_bad_request_400(client, token, sim):
    select_path(client, token, first_project(sim)["directory"])
    with pytest.raises(LogikalBadRequest) as caught:
        client.select("/projects/select", "not-a-guid", token)
    assert caught.value.endpoint == "POST /projects/select"


def test_not_found_404(client, token):
    with pytest.raises(LogikalNotFound) as caught:
        client.select("/directories/select", "No Such Folder", token)
    assert caught.value.status == 404


def test_wrong_context_405(client, token):
    with pytest.raises(LogikalWrongContext) as caught:
        client.list("/projects", token)
    assert caught.value.endpoint == "GET /projects"


def test_conflict_409_going_back_up(client, token, sim):
    project = first_project(sim)
    select_path(client, token, project["directory"])
    client.select("/projects/select", project["id"], token)
    with pytest.raises(LogikalConflict) as caught:
        client.select("/directories/select", project["directory"], token)
    assert caught.value.status == 409


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, LogikalForbidden),
        (404, LogikalNotFound),
        (409, LogikalConflict),
        (400, LogikalBadRequest),
        (418, LogikalError),
    ],
)
def test_client_errors_are_never_retried(client, sim, sleeps, status, error):
    sim.set_faults(error_rate=1.0, error_status=status, endpoints=["GET /version"])
    with pytest.raises(error) as caught:
        client.version()
    assert type(caught.value) is error
    assert sim.counters()["calls"]["GET /version"] == 1
    assert sleeps.delays == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_exactly_max_retries_times(client, sim, sleeps, status):
    sim.set_faults(error_rate=1.0, error_status=status, endpoints=["GET /version"])
    with pytest.raises(LogikalTransientError) as caught:
        client.version()
    assert caught.value.status == status
    assert sim.counters()["calls"]["GET /version"] == 4
    assert client.stats.calls["GET /version"] == 4
    assert len(sleeps.delays) == 3


def test_backoff_is_capped_exponential_with_jitter(sleeps):
    api = LogikalClient("http://127.0.0.1:9/api/v3", backoff_base=0.5, backoff_max=3.0, sleep=sleeps)
    for attempt, cap in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        delays = {api._backoff_delay(attempt) for _ in range(50)}
        assert all(cap / 2 <= delay <= cap for delay in delays)
        assert len(delays) > 1


def test_a_transient_failure_followed_by_success_returns_the_data(stub, sleeps):
    stub.replies = [(503, {}, b"busy"), (502, {}, b""), (200, {}, b'{"data": {"componentVersions": []}}')]
    api = LogikalClient(stub.url, max_retries=3, sleep=sleeps)
    assert api.version() == {"componentVersions": []}
    assert len(stub.requests) == 3 and len(sleeps.delays) == 2
    assert sleeps.delays[0] <= 0.5 and sleeps.delays[1] <= 1.0


def test_hang_is_a_timeout_retried_then_raised(sim, sleeps):
    sim.set_faults(hang={"endpoint": "GET /version", "seconds": 3})
    api = LogikalClient(sim.base_url, connect_timeout=0.5, read_timeout=0.2, max_retries=1, sleep=sleeps)
    with pytest.raises(LogikalTimeout) as caught:
        api.version()
    assert isinstance(caught.value, LogikalTransientError)
    assert sim.counters()["calls"]["GET /version"] == 2
    assert len(sleeps.delays) == 1


def test_stall_in_the_middle_of_the_body_is_a_timeout(stub, sleeps):
    stub.replies = [(200, {}, 1.0)]
    api = LogikalClient(stub.url, read_timeout=0.2, max_retries=0, sleep=sleeps)
    with pytest.raises(LogikalTimeout):
        api.version()


def test_refused_connection_is_transient(sleeps):
    port = free_port()
    api = LogikalClient(f"http://127.0.0.1:{port}/api/v3", connect_timeout=0.5, max_retries=2, sleep=sleeps)
    with pytest.raises(LogikalTransientError) as caught:
        api.version()
    assert not isinstance(caught.value, LogikalTimeout)
    assert caught.value.status is None
    assert api.stats.calls["GET /version"] == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, LogikalBadRequest),
        (401, LogikalAuthError),
        (403, LogikalForbidden),
        (404, LogikalNotFound),
        (405, LogikalWrongContext),
        (409, LogikalConflict),
        (500, LogikalTransientError),
        (503, LogikalTransientError),
        (429, LogikalError),
    ],
)
def test_classification_is_by_status_only(status, error):
    assert error_class_for_status(status) is error


def test_error_text_never_changes_the_class(stub, sleeps):
    stub.replies = [(500, {}, json.dumps({"errors": ["401 Unauthorized: invalid session"]}).encode())]
    api = LogikalClient(stub.url, max_retries=0, sleep=sleeps)
    with pytest.raises(LogikalTransientError):
        api.version()


# --- malformed bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"[1, 2]", b'"text"', b'{"data": '])
def test_malformed_envelope_is_a_protocol_error(stub, body):
    stub.replies = [(200, {}, body)]
    with pytest.raises(LogikalProtocolError) as caught:
        LogikalClient(stub.url, max_retries=0).version()
    assert caught.value.endpoint == "GET /version"


def test_list_endpoint_with_non_list_data_is_a_protocol_error(stub):
    stub.replies = [(200, {}, b'{"data": {"name": "A"}}')]
    with pytest.raises(LogikalProtocolError, match="not a list"):
        LogikalClient(stub.url).list("/directories", "tok")


def test_login_without_token_is_a_protocol_error(stub):
    stub.replies = [(200, {}, b'{"data": {"username": "admin"}}')]
    with pytest.raises(LogikalProtocolError, match="token"):
        LogikalClient(stub.url).login("admin", PASSWORD)


def test_select_with_empty_envelope_is_fine(stub):
    stub.replies = [(200, {}, b""), (200, {}, b'{"hints": [], "warnings": ["w"]}')]
    api = LogikalClient(stub.url)
    api.select("/phases/select", "x", "tok")
    api.select("/phases/select", "x", "tok")


@pytest.mark.parametrize("kind", ["base64", "json"])
def test_corrupt_parts_list_is_a_protocol_error(client, sim, token, kind):
    elevation_id = goto_phase(client, sim, token)
    sim.set_faults(corrupt={elevation_id: kind})
    client.select("/elevations/select", elevation_id, token)
    with pytest.raises(LogikalProtocolError):
        client.parts_list(token)


def test_parts_list_that_is_not_sqlite_still_decodes_to_bytes(client, sim, token):
    elevation_id = goto_phase(client, sim, token)
    sim.set_faults(corrupt={elevation_id: "sqlite"})
    client.select("/elevations/select", elevation_id, token)
    data = client.parts_list(token)
    assert len(data) == 4096 and not data.startswith(b"SQLite format 3")


def test_oversize_parts_list_is_refused_naming_the_cap(client, sim, token):
    elevation_id = goto_phase(client, sim, token)
    sim.set_faults(corrupt={elevation_id: "oversize"})
    client.select("/elevations/select", elevation_id, token)
    with pytest.raises(LogikalProtocolError) as caught:
        client.parts_list(token)
    assert str(20 * 1024 * 1024) in str(caught.value)


def test_parts_cap_is_checked_on_the_encoded_length_before_decoding(sim, monkeypatch):
    api = LogikalClient(sim.base_url, max_parts_bytes=1000)
    token = api.login("admin", PASSWORD)
    elevation_id = goto_phase(api, sim, token)
    api.select("/elevations/select", elevation_id, token)

    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(base64, "b64decode", must_not_decode)
    with pytest.raises(LogikalProtocolError, match="1000 bytes"):
        api.parts_list(token)


def test_parts_list_body_over_the_cap_is_not_read_whole(stub):
    huge = b'{"data": "' + b"A" * 200_000 + b'"}'
    stub.replies = [(200, {}, huge)]
    with pytest.raises(LogikalProtocolError, match="cap"):
        LogikalClient(stub.url, max_parts_bytes=100).parts_list("tok")


def test_parts_list_base64_with_line_breaks_is_accepted(stub):
    encoded = base64.encodebytes(b"SQLite format 3\x00" + bytes(200)).decode()
    stub.replies = [(200, {}, json.dumps({"data": encoded}).encode())]
    assert LogikalClient(stub.url).parts_list("tok").startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize(
    ("headers", "body", "match"),
    [
        ({"Content-Type": "application/json"}, b'{"data": null}', "expected an image"),
        ({"Content-Type": "text/html"}, b"<html></html>", "expected an image"),
        ({"Content-Type": "application/octet-stream"}, b"", "empty"),
        ({"Content-Type": "application/octet-stream"}, b"GIF89a....", "not a PNG"),
        ({"Content-Length": str(MAX_THUMBNAIL_BYTES + 1)}, b"", "cap"),
    ],
)
def test_thumbnail_sanity_checks(stub, headers, body, match):
    stub.replies = [(200, headers, body)]
    with pytest.raises(LogikalProtocolError, match=match):
        LogikalClient(stub.url).thumbnail("tok", "4a039c28-b8bf-57e6-874f-2b1c162bd20d")


def test_thumbnail_sends_the_required_string_parameters(stub):
    stub.replies = [(200, {"Content-Type": "application/octet-stream"}, b"\x89PNG\r\n\x1a\nrest")]
    LogikalClient(stub.url).thumbnail("tok", "4a039c28-b8bf-57e6-874f-2b1c162bd20d")
    path = stub.requests[0]["path"]
    assert path.startswith("/api/v3/elevations/4a039c28-b8bf-57e6-874f-2b1c162bd20d/thumbnail?")
    for part in (
        "width=300",
        "height=300",
        "format=PNG",
        "view=Interior",
        "withdimensions=true",
        "withdescription=false",
    ):
        assert part in path


# --- secrets ---------------------------------------------------------------------------------------------


def test_token_echoed_by_the_server_is_scrubbed_from_exceptions(stub):
    token = "5f1d2c3b-aaaa-bbbb-cccc-0123456789ab"
    stub.replies = [(409, {}, json.dumps({"errors": [f"session {token} is busy"]}).encode())]
    with pytest.raises(LogikalConflict) as caught:
        LogikalClient(stub.url).select("/projects/select", "x", token)
    assert token not in str(caught.value) and "***" in str(caught.value)
    assert stub.requests[0]["authorization"] == f"Bearer {token}"


def test_password_echoed_on_login_is_scrubbed(stub):
    stub.replies = [(401, {}, json.dumps({"message": f"bad password {PASSWORD}"}).encode())]
    with pytest.raises(LogikalAuthError) as caught:
        LogikalClient(stub.url).login("admin", PASSWORD)
    assert PASSWORD not in str(caught.value)


def test_debug_log_has_method_path_status_duration_and_no_secret(client, sim, caplog):
    with caplog.at_level(logging.DEBUG, logger="logikal_connector.logikal"):
        token = client.login("admin", PASSWORD)
        client.list("/directories", token)
        client.logout(token)
    text = caplog.text
    assert "POST /auth -> 200" in text and "GET /directories -> 200" in text
    assert PASSWORD not in text and token not in text
    assert PASSWORD not in repr(client) and token not in repr(client)


# --- stats, URL, keep-alive ------------------------------------------------------------------------------


def test_stats_count_calls_by_template_bytes_and_seconds(client, sim, token):
    elevation_id = goto_phase(client, sim, token)
    client.thumbnail(token, elevation_id)
    stats = client.stats
    assert stats.calls["GET /elevations/{id}/thumbnail"] == 1
    assert stats.calls["POST /directories/select"] >= 1
    assert stats.total_calls == sum(sim.counters()["calls"].values())
    assert stats.bytes_in > 100
    assert stats.seconds_by_endpoint["POST /auth"] > 0
    assert stats.as_dict()["logins"] == 1


def test_path_templates():
    assert path_template("/elevations/4A039C28-B8BF-57E6-874F-2B1C162BD20D/thumbnail?width=3") == (
        "/elevations/{id}/thumbnail"
    )
    assert path_template("/elevations/selected/parts-list") == "/elevations/selected/parts-list"
    assert endpoint_key("get", "/element-pricelists/12/thumbnail") == "GET /element-pricelists/{id}/thumbnail"


def test_stats_merge():
    one, two = CallStats(), CallStats()
    one.record_call("GET /phases", 0.5, 10)
    two.record_call("GET /phases", 1.5, 5)
    two.logins, two.relogins = 2, ["401 token expired on GET /phases"]
    one.merge(two)
    assert (one.calls["GET /phases"], one.bytes_in, one.logins, one.relogins) == (2, 15, 2, two.relogins)
    assert one.mean_seconds("GET /phases") == pytest.approx(1.0)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "localhost:8080/api/v3",
        "ftp://host/api/v3",
        "http:///api/v3",
        "http://h:x/",
        "http://odoo:Url-Secret-1@host/api/v3",
        "http://host/api/v3?token=Url-Secret-1",
        "http://host/api v3",
    ],
)
def test_bad_base_url_is_a_value_error(url):
    """The connection form's rule (base_url_problem); the message never repeats the URL (it may hold secrets)."""
    with pytest.raises(ValueError) as caught:
        normalize_base_url(url)
    assert "Url-Secret-1" not in str(caught.value)


def test_base_url_trailing_slash_is_stripped():
    assert LogikalClient("http://host/api/v3/").base_url == "http://host/api/v3"


def test_one_keep_alive_connection_serves_all_calls(stub):
    stub.replies = [(200, {}, b'{"data": {}}')] * 5
    with LogikalClient(stub.url) as api:
        for _ in range(5):
            api.version()
    assert len({request["client_port"] for request in stub.requests}) == 1


# --- stub server -------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stub = self.server.stub
        stub.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "body": body,
                "authorization": self.headers.get("Authorization"),
                "client_port": self.client_address[1],
            }
        )
        status, headers, payload = stub.replies.pop(0) if stub.replies else (500, {}, b"")
        if isinstance(payload, float):  # stall: promise 100 bytes, send 2, then go quiet
            self.send_response(status)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"')
            self.wfile.flush()
            time.sleep(payload)
            self.close_connection = True
            return
        self.send_response(status)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload)), **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, *args):
        pass


class Stub:
    def __init__(self):
        self.replies, self.requests = [], []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _StubHandler)
        self.server.daemon_threads = True
        self.server.stub = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"
        serve = {"poll_interval": 0.05}
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs=serve, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.close()


def test_budget_cuts_a_hanging_call_and_its_retries(sim, sleeps, monkeypatch):
    monkeypatch.setattr("logikal_connector.logikal.client.BUDGET_GRACE", 0.3)
    sim.set_faults(hang={"endpoint": "GET /version", "seconds": 3})
    api = LogikalClient(sim.base_url, read_timeout=30, max_retries=3, sleep=sleeps)
    api.deadline = time.monotonic() + 0.3
    started = time.monotonic()
    with pytest.raises(LogikalTimeout):
        api.version()
    assert time.monotonic() - started < 2.5, "the 30 s read timeout was cut to the budget"
    assert sim.counters()["calls"]["GET /version"] == 1, "no retry past the budget"


def test_spent_budget_sends_nothing_but_logout_still_happens(sim, sleeps):
    api = LogikalClient(sim.base_url, sleep=sleeps)
    token = api.login("admin", PASSWORD)
    api.deadline = time.monotonic() - 1
    with pytest.raises(LogikalTimeout, match="time budget is spent"):
        api.version()
    api.logout(token)
    counters = sim.counters()
    assert ("GET /version" not in counters["calls"], counters["logouts"]) == (True, 1)
