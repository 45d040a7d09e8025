"""The MBIOE simulator: stateful HTTP server with per-token cursors, modes, latency, faults, control API.

Status codes beyond the swagger (documented choices):
- POST /auth over `max_sessions` -> 409 ("maximum number of concurrent sessions reached").
- Thumbnail by id of an elevation that is not in the selected phase -> 400 (swagger lists no 404 there).
- A list/read call whose selected object was removed meanwhile (mutation) -> 409 (current resource state).
- An address type the project does not have (GET /projects/selected/addresses/{addressType}) -> 400.
- Unknown endpoints -> 404. Only PNG thumbnails are rendered; JPG/EMF -> 400.
- Observed/strict: selecting a project while a project/phase/elevation is selected -> 405 (expects a
  directory); selecting a directory from there -> 409 "...isn't valid in the current mapping.".
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .dataset import Dataset, DatasetError, NotFound, generate_dataset, project_addresses
from .png import render_thumbnail

BASE_PATH = "/api/v3"
MODES = ("lenient", "observed", "strict")
LATENCY_PROFILE = {
    "POST /auth": 6.0,
    "DELETE /auth": 0.1,
    "GET /version": 0.05,
    "GET /directories": 0.1,
    "POST /directories/select": 0.1,
    "GET /projects": 0.43,
    "POST /projects/select": 0.8,
    "GET /projects/selected": 0.1,
    "GET /projects/selected/estimation": 0.1,
    "GET /projects/selected/estimation-data": 0.1,
    "GET /projects/selected/addresses": 0.1,
    "GET /projects/selected/addresses/{addressType}": 0.1,
    "GET /phases": 0.19,
    "POST /phases/select": 0.2,
    "GET /elevations": 0.5,
    "POST /elevations/select": 0.25,
    "GET /elevations/{id}/thumbnail": 0.05,
    "GET /elevations/selected/thumbnail": 0.05,
    "GET /elevations/selected/parts-list": 2.0,
    "GET /elevations/selected/quotation-price": 0.1,
}
DEFAULT_LATENCY = 0.1
API_HANDLERS = {  # template -> Simulator method (POST /auth, DELETE /auth and GET /version are special)
    "GET /directories": "_list_directories",
    "POST /directories/select": "_select_directory",
    "GET /projects": "_list_projects",
    "POST /projects/select": "_select_project",
    "GET /projects/selected": "_selected_project",
    "GET /projects/selected/estimation": "_estimation",
    "GET /projects/selected/estimation-data": "_estimation_data",
    "GET /projects/selected/addresses": "_address_types",
    "GET /projects/selected/addresses/{addressType}": "_address",
    "GET /phases": "_list_phases",
    "POST /phases/select": "_select_phase",
    "GET /elevations": "_list_elevations",
    "POST /elevations/select": "_select_elevation",
    "GET /elevations/{id}/thumbnail": "_thumbnail_by_id",
    "GET /elevations/selected/thumbnail": "_selected_thumbnail",
    "GET /elevations/selected/parts-list": "_parts_list",
    "GET /elevations/selected/quotation-price": "_quotation_price",
}
ROUTES = frozenset(LATENCY_PROFILE)
CORRUPT_KINDS = ("base64", "sqlite", "json", "oversize")
OVERSIZE_BYTES = 25 * 1024 * 1024
LEVELS = ("root", "directory", "project", "phase", "elevation")
EXPECTS = {
    level: f"This operation expects the session to be in {article} {level}."
    for level, article in (("directory", "a"), ("project", "a"), ("phase", "a"), ("elevation", "an"))
}
MSG_UNAUTHORIZED = "Invalid session authentication identifier."
MSG_BAD_LOGIN = "Authentication failed. Invalid username or password."
MSG_BAD_REQUEST = "The request is in an invalid format or is missing required properties."
MSG_LOCKED = (
    "The requested resource is locked, is in use by another user or the request cannot be "
    "performed due to the current resource state."
)
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
THUMB_PARAMS = ("width", "height", "format", "view", "withdimensions", "withdescription")
COMPONENT_VERSIONS = [
    {"name": "MbioeService", "version": "12.2.6.59", "description": "Model based input of elements service"},
    {"name": "LogiKal", "version": "12.2.6", "description": "Orgadata LogiKal (simulated)"},
    {"name": "logikal_sim", "version": "1.0", "description": "MBIOE simulator (standard library)"},
]


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"


def json_reply(status, obj) -> Reply:
    return Reply(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def ok(data=None, *, has_data=True) -> Reply:
    body = {"data": data, "hints": [], "warnings": []} if has_data else {"hints": [], "warnings": []}
    return json_reply(200, body)


def empty_ok() -> Reply:
    return ok(has_data=False)


def error_reply(status, message) -> Reply:
    return json_reply(status, {"message": message, "code": status, "hints": [], "warnings": [], "errors": [message]})


def not_valid_in_mapping(name) -> ApiError:
    return ApiError(
        409, f"The requested resource '{name}' cannot be set, because it isn't valid in the current mapping."
    )


def not_found(name) -> ApiError:
    return ApiError(404, f"The requested resource '{name}' could not be selected because it was not found.")


def route_template(method, path):
    """'GET /elevations/abc/thumbnail' -> 'GET /elevations/{id}/thumbnail'; None for unknown routes."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "elevations" and parts[3] == "thumbnail" and parts[2] != "selected":
        path = "/elevations/{id}/thumbnail"
    if len(parts) == 5 and parts[1:4] == ["projects", "selected", "addresses"] and parts[4]:
        path = "/projects/selected/addresses/{addressType}"
    template = f"{method} {path}"
    return template if template in ROUTES else None


def elevation_prices(elevation: dict) -> dict:
    """Deterministic prices from size and amount."""
    area = float(elevation["width"]) * float(elevation["height"]) / 1e6
    net_unit = round(250 + area * 420 + (float(elevation["width"]) + float(elevation["height"])) * 0.035, 2)
    total_unit = round(net_unit * 1.21, 2)
    amount = float(elevation["amount"])
    return {
        "id": elevation["id"],
        "name": elevation["name"],
        "netPricePerUnit": net_unit,
        "totalPricePerUnit": total_unit,
        "netPrice": round(net_unit * amount, 2),
        "totalPrice": round(total_unit * amount, 2),
    }


@dataclass
class Session:
    token: str
    username: str
    last_used: float
    level: str = "root"
    path: str | None = None
    project_id: str | None = None
    phase_id: str | None = None
    elevation_id: str | None = None
    burned: bool = False  # strict mode: an elevation was selected, no further select allowed

    def move(self, level, path=None, project_id=None, phase_id=None, elevation_id=None):
        self.level, self.path = level, path
        self.project_id, self.phase_id, self.elevation_id = project_id, phase_id, elevation_id

    def at_least(self, level):
        return LEVELS.index(self.level) >= LEVELS.index(level)


@dataclass
class Faults:
    error_rate: float = 0.0
    error_status: int = 500
    endpoints: frozenset | None = None
    hang: dict = field(default_factory=dict)
    corrupt: dict = field(default_factory=dict)
    locked: frozenset = frozenset()
    seed: int = 1
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def as_dict(self):
        return {
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "endpoints": sorted(self.endpoints) if self.endpoints is not None else None,
            "hang": dict(self.hang),
            "corrupt": dict(self.corrupt),
            "locked": sorted(self.locked),
            "seed": self.seed,
        }


FAULT_KEYS = {"error_rate", "error_status", "endpoints", "hang", "corrupt", "locked", "seed", "expire_tokens"}
CONFIG_KEYS = ("mode", "latency_scale", "token_idle_seconds", "max_sessions", "bump_project_on_elevation_change")


def _matches(template, keys):
    return template in keys or template.split(" ", 1)[1] in keys


def _parse_hang(value):
    if not isinstance(value, dict):
        raise ValueError("hang must be an object {endpoint: seconds} or {'endpoint': e, 'seconds': s}")
    if "endpoint" in value:
        value = {value["endpoint"]: value.get("seconds", 30.0)}
    hang = {str(k): float(v) for k, v in value.items()}
    if any(v < 0 for v in hang.values()):
        raise ValueError("hang seconds must be >= 0")
    return hang


def build_faults(spec: dict) -> Faults:
    unknown = set(spec) - FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown fault key(s): {sorted(unknown)}")
    rate = float(spec.get("error_rate", 0.0))
    status = int(spec.get("error_status", 500))
    if not 0.0 <= rate <= 1.0 or not 400 <= status <= 599:
        raise ValueError("error_rate must be in [0, 1] and error_status in 400..599")
    corrupt = {str(k).lower(): v for k, v in (spec.get("corrupt") or {}).items()}
    if any(kind not in CORRUPT_KINDS for kind in corrupt.values()):
        raise ValueError(f"corrupt kinds must be one of {CORRUPT_KINDS}")
    endpoints = spec.get("endpoints")
    seed = int(spec.get("seed", 1))
    return Faults(
        rate,
        status,
        frozenset(endpoints) if endpoints is not None else None,
        _parse_hang(spec.get("hang") or {}),
        corrupt,
        frozenset(str(g).lower() for g in spec.get("locked") or ()),
        seed,
        random.Random(seed),
    )


def _fresh_counters(open_sessions=0):
    return {
        "calls": Counter(),
        "logins": 0,
        "failed_logins": 0,
        "logouts": 0,
        "expired_sessions": 0,
        "open_sessions": open_sessions,
        "max_open_sessions": open_sessions,
        "latency_seconds": 0.0,
        "nominal_latency_seconds": 0.0,
        "parts_downloads": 0,
        "thumbnails": 0,
        "injected_errors": 0,
    }


_OVERSIZE_CACHE: list = []


def oversize_base64() -> bytes:
    if not _OVERSIZE_CACHE:
        _OVERSIZE_CACHE.append(base64.b64encode(b"SQLite format 3\x00" + bytes(OVERSIZE_BYTES)))
    return _OVERSIZE_CACHE[0]


class LruCache:
    def __init__(self, size):
        self.size, self.items = size, OrderedDict()

    def get(self, key):
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)

    def put(self, key, value):
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class Simulator:
    """In-process MBIOE server. `start()` returns the API base URL; the control API is at `/_sim/*`.

    `dataset` is a Dataset or a preset name. `parts_builder` (optional) replaces
    `logikal_sim.partsdb.build_parts_db` (same signature) — for tests only.
    """

    def __init__(
        self,
        dataset="demo",
        *,
        mode="observed",
        latency_scale=0.0,
        token_idle_seconds=None,
        max_sessions=None,
        username="admin",
        password="secret",
        host="127.0.0.1",
        port=0,
        parts_builder=None,
        bump_project_on_elevation_change=None,
    ):
        self.dataset: Dataset = generate_dataset(dataset) if isinstance(dataset, str) else dataset
        self.username, self.password = username, password
        self.host, self.port = host, port
        self.parts_builder = parts_builder
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._sessions: dict[str, Session] = {}
        self._counters = _fresh_counters()
        self._faults = Faults()
        self._parts_cache = LruCache(32)
        self._thumb_cache = LruCache(256)
        self._server = None
        self._thread = None
        self.mode = "observed"
        self.latency_scale = 0.0
        self.token_idle_seconds = None
        self.max_sessions = None
        self.configure(
            mode=mode, latency_scale=latency_scale, token_idle_seconds=token_idle_seconds, max_sessions=max_sessions
        )
        if bump_project_on_elevation_change is not None:
            self.configure(bump_project_on_elevation_change=bump_project_on_elevation_change)

    @property
    def bump_project_on_elevation_change(self):
        """Whether an edit of a phase or elevation bumps its project's changedDate (logikal-api.md §4.9)."""
        return self.dataset.child_edits_bump_project

    @bump_project_on_elevation_change.setter
    def bump_project_on_elevation_change(self, value):
        self.dataset.child_edits_bump_project = bool(value)

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> str:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="logikal-sim", kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self):
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def root_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self):
        return self.root_url + BASE_PATH

    # ---- Python control API --------------------------------------------------------------------
    def counters(self) -> dict:
        with self._lock:
            self._purge_idle()
            out = dict(self._counters)
            out["calls"] = dict(sorted(self._counters["calls"].items()))
            out["open_sessions"] = len(self._sessions)
            out["latency_seconds"] = round(out["latency_seconds"], 6)
            out["nominal_latency_seconds"] = round(out["nominal_latency_seconds"], 6)
            return out

    def reset_counters(self):
        with self._lock:
            self._counters = _fresh_counters(len(self._sessions))

    def expected(self) -> dict:
        with self._lock:
            return self.dataset.expected()

    def mutate(self, op, **kw) -> dict:
        """Apply a dataset mutation (see logikal_sim.dataset); raises DatasetError / NotFound."""
        with self._lock:
            return self.dataset.mutate(op, **kw)

    def set_faults(self, **kw) -> dict:
        """Replace the fault configuration (no arguments clears it); `expire_tokens=True` is one-shot."""
        faults = build_faults(kw)
        with self._lock:
            self._faults = faults
            if kw.get("expire_tokens"):
                self._counters["expired_sessions"] += len(self._sessions)
                self._sessions.clear()
            return faults.as_dict()

    def configure(self, **kw) -> dict:
        unknown = set(kw) - set(CONFIG_KEYS)
        if unknown:
            raise ValueError(f"unknown config key(s): {sorted(unknown)}")
        if "mode" in kw and kw["mode"] not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if float(kw.get("latency_scale") or 0) < 0:
            raise ValueError("latency_scale must be >= 0")
        if not isinstance(kw.get("bump_project_on_elevation_change", False), bool):
            raise ValueError("bump_project_on_elevation_change must be true or false")
        with self._lock:
            for key, value in kw.items():
                if key == "latency_scale":
                    value = float(value or 0)
                elif value is not None and key in ("token_idle_seconds", "max_sessions"):
                    value = float(value) if key == "token_idle_seconds" else int(value)
                setattr(self, key, value)
            return self.config()

    def config(self) -> dict:
        return {key: getattr(self, key) for key in CONFIG_KEYS}

    # ---- request entry point -------------------------------------------------------------------
    def handle_request(self, method, target, headers, body) -> Reply:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        if path.startswith("/_sim/") or path == "/_sim":
            return self._control(method, path, body)
        if not path.startswith(BASE_PATH + "/"):
            return error_reply(404, f"No endpoint at {path}.")
        api_path = path[len(BASE_PATH) :]
        template = route_template(method, api_path)
        if template is None:
            return error_reply(404, f"The simulator has no endpoint {method} {api_path}.")
        query = {k.lower(): v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        delay, injected = self._account(template)
        try:
            reply = self._dispatch(template, api_path, query, headers, body) if injected is None else injected
        except ApiError as exc:
            reply = error_reply(exc.status, exc.message)
        if delay > 0:
            self._stopping.wait(delay)
        return reply

    def _account(self, template):
        """Count the call, add its latency, draw faults. Returns (seconds to wait, injected reply|None)."""
        with self._lock:
            nominal = LATENCY_PROFILE.get(template, DEFAULT_LATENCY)
            counters = self._counters
            counters["calls"][template] += 1
            counters["nominal_latency_seconds"] += nominal
            counters["latency_seconds"] += nominal * self.latency_scale
            delay = nominal * self.latency_scale
            faults = self._faults
            delay += next((s for k, s in faults.hang.items() if _matches(template, {k})), 0.0)
            targeted = faults.endpoints is None or _matches(template, faults.endpoints)
            if faults.error_rate and targeted and faults.rng.random() < faults.error_rate:
                counters["injected_errors"] += 1
                return delay, error_reply(faults.error_status, "Simulated server error.")
            return delay, None

    def _dispatch(self, template, api_path, query, headers, body):
        if template == "GET /version":
            return ok({"componentVersions": COMPONENT_VERSIONS})
        if template == "POST /auth":
            return self._login(body)
        with self._lock:
            session = self._authenticate(headers)
            if template == "DELETE /auth":
                return self._logout(session)
            handler = getattr(self, API_HANDLERS[template])
            reply = handler(session, api_path=api_path, query=query, body=body)
        return reply() if callable(reply) else reply

    # ---- sessions ------------------------------------------------------------------------------
    def _login(self, body):
        data = _json_body(body)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("username"), str)
            or not isinstance(data.get("password"), str)
            or not isinstance(data.get("erp", False), bool)
        ):
            raise ApiError(400, MSG_BAD_REQUEST)
        with self._lock:
            if data["username"] != self.username or data["password"] != self.password:
                self._counters["failed_logins"] += 1
                raise ApiError(401, MSG_BAD_LOGIN)
            self._purge_idle()
            if self.max_sessions is not None and len(self._sessions) >= self.max_sessions:
                raise ApiError(
                    409, f"The maximum number of concurrent sessions ({self.max_sessions}) has been reached."
                )
            token = str(uuid.uuid4())
            self._sessions[token] = Session(token, data["username"], time.monotonic())
            counters = self._counters
            counters["logins"] += 1
            counters["max_open_sessions"] = max(counters["max_open_sessions"], len(self._sessions))
        return ok({"username": data["username"], "token": token})

    def _logout(self, session):
        del self._sessions[session.token]
        self._counters["logouts"] += 1
        return empty_ok()

    def _authenticate(self, headers) -> Session:
        raw = (headers.get("Authorization") or "").strip()
        token = raw[7:].strip() if raw.lower().startswith("bearer ") else raw
        session = self._sessions.get(token.lower())
        if session is None:
            raise ApiError(401, MSG_UNAUTHORIZED)
        now = time.monotonic()
        if self._idle_expired(session, now):
            del self._sessions[session.token]
            self._counters["expired_sessions"] += 1
            raise ApiError(401, MSG_UNAUTHORIZED)
        session.last_used = now
        return session

    def _idle_expired(self, session, now):
        return self.token_idle_seconds is not None and now - session.last_used > self.token_idle_seconds

    def _purge_idle(self):
        now = time.monotonic()
        for token in [t for t, s in self._sessions.items() if self._idle_expired(s, now)]:
            del self._sessions[token]
            self._counters["expired_sessions"] += 1

    # ---- cursor helpers ------------------------------------------------------------------------
    def _require(self, session, level):
        if not session.at_least(level):
            raise ApiError(405, EXPECTS[level])

    def _current_project(self, session):
        self._require(session, "project")
        project = self.dataset.projects.get(session.project_id)
        if project is None:
            raise ApiError(409, MSG_LOCKED)
        return project

    def _current_phase(self, session):
        self._require(session, "phase")
        phase = self._current_project(session).phase(session.phase_id)
        if phase is None:
            raise ApiError(409, MSG_LOCKED)
        return phase

    def _current_elevation(self, session):
        self._require(session, "elevation")
        phase = self._current_phase(session)
        elevation = next((e for e in phase.elevations if e.id == session.elevation_id), None)
        if elevation is None:
            raise ApiError(409, MSG_LOCKED)
        return self._current_project(session), phase, elevation

    def _directory_of_cursor(self, session):
        project = self.dataset.projects.get(session.project_id) if session.project_id else None
        path = project.directory if project else session.path
        if path is not None and path not in self.dataset.directories:
            raise ApiError(409, MSG_LOCKED)
        return path

    def _refuse_if_burned(self, session, name):
        if session.burned:
            raise not_valid_in_mapping(name)

    # ---- navigation endpoints ------------------------------------------------------------------
    def _list_directories(self, session, **_):
        if session.at_least("project"):
            session.move("directory", self._directory_of_cursor(session))
        path = self._directory_of_cursor(session) if session.level == "directory" else None
        return ok([d.to_api() for d in self.dataset.child_directories(path)])

    def _select_directory(self, session, body, **_):
        path = _identifier(body)
        self._refuse_if_burned(session, path)
        if path not in self.dataset.directories:
            raise not_found(path)
        if session.at_least("project") and self.mode != "lenient":
            raise not_valid_in_mapping(path)
        if self.mode == "strict" and not self._reachable_strict(session, path):
            raise not_valid_in_mapping(path)
        session.move("directory", path)
        return empty_ok()

    def _reachable_strict(self, session, path):
        parent = self.dataset.directories[path].parent_path
        current = session.path if session.level == "directory" else None
        if parent is None:
            return True
        return current is not None and (current == parent or current.startswith(parent + "/"))

    def _list_projects(self, session, **_):
        if session.level != "directory":
            raise ApiError(405, EXPECTS["directory"])
        path = self._directory_of_cursor(session)
        return ok([dict(p.data) for p in self.dataset.project_list(path)])

    def _select_project(self, session, body, **_):
        guid = _guid_identifier(body)
        self._refuse_if_burned(session, guid)
        if session.level == "root" or (session.at_least("project") and self.mode != "lenient"):
            raise ApiError(405, EXPECTS["directory"])
        directory = self._directory_of_cursor(session)
        project = self.dataset.projects.get(guid)
        if project is None or project.directory != directory:
            raise not_found(guid)
        if project.locked or guid in self._faults.locked:
            raise ApiError(409, MSG_LOCKED)
        session.move("project", directory, guid)
        return empty_ok()

    def _selected_project(self, session, **_):
        return ok(dict(self._current_project(session).data))

    def _estimation(self, session, **_):
        project = self._current_project(session)
        rows = [elevation_prices(e.data) for ph in project.phases for e in ph.elevations]
        return ok({"id": project.id, "currency": self.dataset.currency, "elevations": rows})

    def _estimation_data(self, session, **_):
        self._current_project(session)
        return ok(dict(self.dataset.estimation_data))

    def _address_types(self, session, **_):
        project = self._current_project(session)
        return ok({"addressTypes": list(project_addresses(self.dataset, project))})

    def _address(self, session, api_path, **_):
        project = self._current_project(session)
        address_type = unquote(api_path.rsplit("/", 1)[1])
        address = project_addresses(self.dataset, project).get(address_type)
        if address is None:
            raise ApiError(400, f"The project has no address of type '{address_type}'.")
        return ok(dict(address))

    def _list_phases(self, session, **_):
        return ok([ph.to_api() for ph in self._current_project(session).phases])

    def _select_phase(self, session, body, **_):
        guid = _guid_identifier(body)
        self._refuse_if_burned(session, guid)
        project = self._current_project(session)
        if project.phase(guid) is None:
            raise not_found(guid)
        session.move("phase", session.path, project.id, guid)
        return empty_ok()

    def _list_elevations(self, session, **_):
        return ok([dict(e.data) for e in self._current_phase(session).elevations])

    def _select_elevation(self, session, body, **_):
        guid = _guid_identifier(body)
        self._refuse_if_burned(session, guid)
        phase = self._current_phase(session)
        if not any(e.id == guid for e in phase.elevations):
            raise not_found(guid)
        session.move("elevation", session.path, session.project_id, session.phase_id, guid)
        session.burned = self.mode == "strict"
        return empty_ok()

    # ---- elevation payloads --------------------------------------------------------------------
    def _thumbnail_by_id(self, session, api_path, query, **_):
        options = _thumbnail_options(query)
        phase = self._current_phase(session)
        elevation_id = api_path.split("/")[2].lower()
        elevation = next((e for e in phase.elevations if e.id == elevation_id), None)
        if elevation is None:
            raise ApiError(400, f"The elevation '{elevation_id}' is not part of the selected phase.")
        return self._thumbnail(elevation.data, options)

    def _selected_thumbnail(self, session, query, **_):
        options = _thumbnail_options(query)
        _, _, elevation = self._current_elevation(session)
        return self._thumbnail(elevation.data, options)

    def _thumbnail(self, data, options):
        key = (data["id"], data["versionId"], data["width"], data["height"], data["name"], *options)
        png = self._thumb_cache.get(key)
        if png is None:
            width, height, view, dims, desc = options
            png = render_thumbnail(data, width, height, view=view, with_dimensions=dims, with_description=desc)
            self._thumb_cache.put(key, png)
        self._counters["thumbnails"] += 1
        return Reply(200, png, "application/octet-stream")

    def _quotation_price(self, session, **_):
        _, _, elevation = self._current_elevation(session)
        return ok({"quotationPrice": f"€ {elevation_prices(elevation.data)['totalPrice']:,.2f}"})

    def _parts_list(self, session, **_):
        project, phase, elevation = self._current_elevation(session)
        corrupt = self._faults.corrupt.get(elevation.id)
        self._counters["parts_downloads"] += 1
        if corrupt:
            return _corrupt_parts_reply(corrupt, elevation.id)
        profile = self.dataset.parts_profile
        key = (elevation.id, elevation.data["versionId"], profile)
        cached = self._parts_cache.get(key)
        if cached is not None:
            return _parts_reply(cached)
        args = (dict(project.data), phase.to_api(), json.loads(json.dumps(elevation.data)))
        return lambda: self._build_parts(key, args, profile)

    def _build_parts(self, key, args, profile):
        """Runs outside the lock: SQLite building may take a while."""
        builder = self.parts_builder or _default_parts_builder()
        encoded = base64.b64encode(builder(*args, profile=profile))
        with self._lock:
            self._parts_cache.put(key, encoded)
        return _parts_reply(encoded)

    # ---- control API ---------------------------------------------------------------------------
    def _control(self, method, path, body):
        try:
            return json_reply(200, self._control_action(method, path, body))
        except NotFound as exc:
            return json_reply(404, {"error": str(exc)})
        except (ValueError, TypeError, KeyError, DatasetError) as exc:
            return json_reply(400, {"error": str(exc)})

    def _control_action(self, method, path, body):
        action = (method, path[len("/_sim") :])
        if action == ("GET", "/counters"):
            return self.counters()
        if action == ("POST", "/counters/reset"):
            self.reset_counters()
            return self.counters()
        if action == ("GET", "/expected"):
            return self.expected()
        if action == ("POST", "/mutate"):
            spec = _control_body(body)
            return self.mutate(spec.pop("op", None), **spec)
        if action == ("POST", "/faults"):
            return self.set_faults(**_control_body(body))
        if action == ("GET", "/faults"):
            with self._lock:
                return self._faults.as_dict()
        if action == ("POST", "/config"):
            return self.configure(**_control_body(body))
        if action == ("GET", "/config"):
            return self.config()
        raise NotFound(f"no control endpoint {method} {path}")


# ---- request parsing helpers ---------------------------------------------------------------------
def _json_body(body):
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def _control_body(body):
    data = _json_body(body) if body else {}
    if not isinstance(data, dict):
        raise ValueError("the control API expects a JSON object")
    return data


def _identifier(body):
    data = _json_body(body)
    value = data.get("identifier") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, MSG_BAD_REQUEST)
    return value


def _guid_identifier(body):
    value = _identifier(body).strip().strip("{}")
    if not GUID_RE.match(value):
        raise ApiError(400, MSG_BAD_REQUEST)
    return value.lower()


def _thumbnail_options(query):
    if any(name not in query for name in THUMB_PARAMS):
        raise ApiError(400, MSG_BAD_REQUEST + " Required: " + ", ".join(THUMB_PARAMS) + ".")
    flags = {name: query[name].lower() for name in ("withdimensions", "withdescription")}
    width, height = query["width"], query["height"]
    valid = (
        width.isdigit()
        and height.isdigit()
        and 0 < int(width) <= 4096
        and 0 < int(height) <= 4096
        and query["view"] in ("Interior", "Exterior")
        and all(v in ("true", "false") for v in flags.values())
    )
    if not valid:
        raise ApiError(400, "The request can't be performed on the requested object: bad thumbnail options.")
    if query["format"].upper() != "PNG":
        raise ApiError(400, f"The simulator renders PNG thumbnails only (got {query['format']!r}).")
    return (
        int(width),
        int(height),
        query["view"],
        flags["withdimensions"] == "true",
        flags["withdescription"] == "true",
    )


def _parts_reply(encoded: bytes) -> Reply:
    return Reply(200, b'{"data":"' + encoded + b'","hints":[],"warnings":[]}', "application/json; charset=utf-8")


def _corrupt_parts_reply(kind, elevation_id) -> Reply:
    if kind == "base64":
        return _parts_reply(b"This is *not* base64 -- %%%")
    if kind == "sqlite":
        garbage = random.Random(elevation_id).randbytes(4096)
        return _parts_reply(base64.b64encode(garbage))
    if kind == "json":
        return Reply(200, b'{"data":"U1FMaXRlIGZvcm1hdCAz', "application/json; charset=utf-8")
    return _parts_reply(oversize_base64())


def _default_parts_builder():
    from .partsdb import build_parts_db  # lazy: written separately

    return build_parts_db


# ---- HTTP plumbing ----------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MbioeSimulator/1.0"
    timeout = 300  # idle keep-alive connections are closed after this

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_DELETE(self):
        self._serve("DELETE")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def _serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            reply = self.server.simulator.handle_request(method, self.path, self.headers, body)
        except Exception as exc:
            reply = error_reply(500, f"Simulator internal error: {type(exc).__name__}: {exc}")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, simulator):
        self.simulator = simulator
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
