"""LogikalSession: one login, a tracked server cursor, the fewest selects, adaptive recovery, logout always.

The MBIOE server keeps one cursor per token (directory -> project -> phase -> elevation) and every list or
select acts relative to it. The session mirrors that cursor and, for each request, selects only what differs
from it: nested directories through the path prefixes not already on the current path, then project, phase,
elevation. When the server refuses a move (405/409 on a select) it first tries the cheap escape (a
`GET /directories`, which on "observed" servers returns the cursor to the directory level), then one
re-login and navigation from the root. It remembers which moves needed which remedy (in `NavigationRules`)
so later moves go straight to the working strategy.
"""

import logging
from dataclasses import dataclass
from urllib.parse import quote

from .estimation import Address, EstimationDataSet, ProjectEstimation, address_types_from_api
from .exceptions import (
    LogikalAuthError,
    LogikalConflict,
    LogikalError,
    LogikalNavigationError,
    LogikalProtocolError,
    LogikalTransientError,
    LogikalWrongContext,
)
from .records import Directory, Elevation, Phase, Project, normalize_guid
from .stats import path_template

_logger = logging.getLogger(__name__)

LEVELS = ("root", "directory", "project", "phase", "elevation")
KINDS = LEVELS[1:]
SELECT_PATHS = {
    "directory": "/directories/select",
    "project": "/projects/select",
    "phase": "/phases/select",
    "elevation": "/elevations/select",
}
DIRECT, ESCAPE, RELOGIN = "direct", "escape", "relogin"
ESCAPE_ENDPOINT = "GET /directories"


@dataclass(frozen=True)
class Cursor:
    """Where the server cursor is (or should be): a directory path and the GUIDs selected below it."""

    path: str | None = None
    project: str | None = None
    phase: str | None = None
    elevation: str | None = None

    @property
    def components(self):
        return (self.path, self.project, self.phase, self.elevation)

    @property
    def depth(self):
        depth = 0
        while depth < 4 and self.components[depth] is not None:
            depth += 1
        return depth

    @property
    def level(self):
        return LEVELS[self.depth]

    def moved(self, kind, identifier):
        """The cursor after a successful select of `kind`."""
        index = KINDS.index(kind)
        components = list(self.components[:index]) + [identifier] + [None] * (3 - index)
        return Cursor(*components)

    def __str__(self):
        pairs = zip(KINDS, self.components, strict=True)
        names = [f"{kind}={value}" for kind, value in pairs if value is not None]
        return ", ".join(names) or "root"


ROOT = Cursor()


def directory_steps(current_path, target_path):
    """Directory paths to select to move from `current_path` to `target_path`: the target's prefixes that are
    not already on the current path (all of them from the root); just the target if it is an ancestor."""
    parts = target_path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    on_current = set()
    if current_path:
        current_parts = current_path.split("/")
        on_current = {"/".join(current_parts[: index + 1]) for index in range(len(current_parts))}
    first_new = 0
    for index, prefix in enumerate(prefixes):
        if prefix in on_current:
            first_new = index + 1
    return prefixes[first_new:] or [target_path]


def plan_selects(cursor, target):
    """The selects, as (kind, identifier) pairs, that move the server cursor from `cursor` to `target`.

    Nothing is re-selected that is already selected; a cursor deeper than the target re-selects the target's
    own level. Returns None when the target is the root and the cursor is not (no select leads there).
    """
    depth = target.depth
    common = 0
    while common < depth and cursor.components[common] == target.components[common]:
        common += 1
    if common == depth:
        if cursor.depth == depth:
            return []
        if depth == 0:
            return None
        return [(KINDS[depth - 1], target.components[depth - 1])]
    steps = []
    if common == 0:
        steps = [("directory", path) for path in directory_steps(cursor.path, target.path)]
        common = 1
    steps.extend((KINDS[index], target.components[index]) for index in range(common, depth))
    return steps


def _is_descent(level, kind):
    return KINDS.index(kind) + 1 > LEVELS.index(level)


class NavigationRules:
    """What this server accepted and refused, learned while navigating.

    Keys are (cursor level, select kind), e.g. ("project", "directory") = selecting a directory while a
    project is selected. Only sideways and upward moves are learned: a refused descent (e.g. a locked project)
    says something about that object, not about the server. Share one instance between sessions on the same
    server (`LogikalSession(..., rules=...)`) so later sessions do not pay for the lesson again.
    """

    def __init__(self):
        self.strategies = {}
        self.refusal_status = {}
        self.accepted = set()
        self.escape_refused = set()
        self.exact_level_only = set()

    def __repr__(self):
        return f"<NavigationRules {self.describe()}>"

    def strategy(self, level, kind):
        return self.strategies.get((level, kind), DIRECT)

    def learn(self, level, kind, strategy, status=None):
        if level in LEVELS and not _is_descent(level, kind):
            self.strategies[(level, kind)] = strategy
            if status is not None:
                self.refusal_status[(level, kind)] = status

    def can_escape(self, level):
        return level in ("project", "phase", "elevation") and level not in self.escape_refused

    def describe(self):
        """Human-readable lessons, e.g. 'select directory after project select: escape'."""
        lessons = sorted(self.strategies.items())
        return [f"select {kind} after {level} select: {how}" for (level, kind), how in lessons]


_SHARED_RULES = {}


def shared_rules(base_url, username):
    """The NavigationRules of one server and user, shared by every session of this process: a lesson (which
    move needs an escape or a re-login) is paid for once per process, not once per run."""
    return _SHARED_RULES.setdefault((base_url, username), NavigationRules())


class _Secret:
    """Holds a password or token; its repr never shows it."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def __repr__(self):
        return "'***'"

    def reveal(self):
        return self._value


class _NeedsRelogin(Exception):
    """Internal: the current token cannot reach the target; carries the reason for stats.relogins."""

    def __init__(self, reason, cause=None, *, token_dead=False, project_conflict=False, lesson=None):
        super().__init__(reason)
        self.reason = reason
        self.cause = cause
        self.token_dead = token_dead
        self.project_conflict = project_conflict
        self.lesson = lesson  # (level, kind) refused on this token: learned once a fresh login gets through

    def final_error(self, target):
        status = getattr(self.cause, "status", None)
        endpoint = getattr(self.cause, "endpoint", None)
        if self.project_conflict:
            return LogikalConflict(
                f"project {target.project} cannot be selected: 409 persists after a fresh login (locked)",
                status=409,
                endpoint="POST /projects/select",
            )
        return LogikalNavigationError(
            f"cannot reach {target} even after a fresh login: {self.reason}", status=status, endpoint=endpoint
        )


class LogikalSession:
    """Context manager: `__enter__` logs in (`erp: true`), `__exit__` always logs out (errors swallowed)."""

    def __init__(self, client, username, password, *, rules=None):
        self.client = client
        self.username = username
        self.rules = rules if rules is not None else NavigationRules()
        self._password = _Secret(password)
        self._token = None
        self._cursor = None

    def __repr__(self):
        state = f"cursor={self._cursor}" if self._token else "closed"
        return f"<LogikalSession {self.username}@{self.client.base_url} {state}>"

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def stats(self):
        return self.client.stats

    @property
    def cursor(self):
        """The cursor as the session believes the server holds it (None: unknown or closed)."""
        return self._cursor

    def open(self):
        if self._token is None:
            self._token = _Secret(self.client.login(self.username, self._password.reveal()))
            self._cursor = ROOT

    def close(self):
        token, self._token, self._cursor = self._token, None, None
        if token is not None:
            self.client.logout(token.reveal())

    # --- public reads -------------------------------------------------------------------------------------

    def list_root_directories(self):
        data = self._run(ROOT, lambda token: self.client.list("/directories", token), "GET /directories")
        return [Directory.from_api(item) for item in data]

    def list_directories(self, path):
        """Children of the directory `path`."""
        target = self._target(path)
        data = self._run(target, lambda token: self.client.list("/directories", token), "GET /directories")
        return [Directory.from_api(item) for item in data]

    def list_projects(self, path):
        target = self._target(path)
        data = self._run(target, lambda token: self.client.list("/projects", token), "GET /projects")
        return [Project.from_api(item) for item in data]

    def list_phases(self, path, project_id):
        target = self._target(path, project_id)
        data = self._run(target, lambda token: self.client.list("/phases", token), "GET /phases")
        return [Phase.from_api(item) for item in data]

    def list_elevations(self, path, project_id, phase_id):
        """Elevations of a phase, in the server's order."""
        target = self._target(path, project_id, phase_id)
        data = self._run(target, lambda token: self.client.list("/elevations", token), "GET /elevations")
        return [Elevation.from_api(item) for item in data]

    def thumbnail(self, path, project_id, phase_id, elevation_id, **image_options):
        """Image bytes by elevation id in phase context: never selects the elevation. `image_options` (width,
        height, fmt, view, with_dimensions, with_description) and their defaults are LogikalClient.thumbnail's."""
        elevation_id = normalize_guid(elevation_id)

        def fetch(token):
            return self.client.thumbnail(token, elevation_id, **image_options)

        target = self._target(path, project_id, phase_id)
        return self._run(target, fetch, "GET /elevations/{id}/thumbnail", deeper_ok=True)

    def parts_list(self, path, project_id, phase_id, elevation_id):
        """The decoded parts-list SQLite bytes (size-capped by the client); needs the elevation selected."""
        target = self._target(path, project_id, phase_id, elevation_id)
        return self._run(target, self.client.parts_list, "GET /elevations/selected/parts-list")

    # --- project prices and addresses (project context) ---------------------------------------------------

    def project_estimation(self, path, project_id):
        """GET /projects/selected/estimation: the prices of every elevation of the project, in one call."""
        data = self._project_read(path, project_id, "/projects/selected/estimation")
        return ProjectEstimation.from_api(data)

    def project_estimation_data(self, path, project_id):
        """GET /projects/selected/estimation-data: the price base (estimation data set) of the project."""
        data = self._project_read(path, project_id, "/projects/selected/estimation-data")
        return EstimationDataSet.from_api(data)

    def project_address_types(self, path, project_id):
        """GET /projects/selected/addresses: the address types the project has (e.g. ["Customer", ...])."""
        return address_types_from_api(self._project_read(path, project_id, "/projects/selected/addresses"))

    def project_address(self, path, project_id, address_type):
        """GET /projects/selected/addresses/{addressType}: one address of the project."""
        if not isinstance(address_type, str) or not address_type.strip() or "/" in address_type:
            raise ValueError(f"not an address type: {address_type!r}")
        api_path = f"/projects/selected/addresses/{quote(address_type.strip(), safe='')}"
        return Address.from_api(self._project_read(path, project_id, api_path), address_type.strip())

    def _project_read(self, path, project_id, api_path):
        """A GET in project context that a server may not offer or may refuse (404, 403, 405, ...).

        A refusal is raised as it came (a LogikalError) and never answered with a re-login: a server that
        refuses the call with the project selected will not take it after one. Only an expired token (401)
        re-logs in, as for any call. Called right after the project's phases were listed, it selects nothing.
        """
        endpoint = "GET " + path_template(api_path)

        def read(token):
            try:
                return self.client.request("GET", api_path, token=token)
            except LogikalWrongContext as exc:
                return _Refused(exc)

        data = self._run(self._target(path, project_id), read, endpoint)
        if isinstance(data, _Refused):
            raise data.error
        return data

    # --- navigation ---------------------------------------------------------------------------------------

    @staticmethod
    def _target(path, project_id=None, phase_id=None, elevation_id=None):
        path = path.strip().strip("/") if isinstance(path, str) else path
        if not path:
            raise ValueError("directory path is empty")
        given = (project_id, phase_id, elevation_id)
        ids = [normalize_guid(value) if value is not None else None for value in given]
        return Cursor(path, *ids)

    def _run(self, target, operation, endpoint, *, deeper_ok=False):
        """Navigate to `target` and run `operation(token)`; at most one re-login for the whole request.

        `deeper_ok`: the call is first tried as is when the cursor is below the target on the same branch
        (a thumbnail by id while an elevation of that phase is selected); a 405 teaches the rules otherwise.
        """
        if self._token is None:
            raise LogikalError("the session is not open (use it as a context manager)")
        if deeper_ok and self._is_below(target) and endpoint not in self.rules.exact_level_only:
            try:
                return operation(self._token.reveal())
            except LogikalWrongContext:
                self.rules.exact_level_only.add(endpoint)
            except LogikalAuthError:
                # the regular path below re-logs in with its reason
                _logger.debug("%s refused the session on a deeper cursor: re-login on the regular path", endpoint)
        try:
            self._navigate(target, recovering=False)
            return self._call(operation, endpoint, target)
        except _NeedsRelogin as need:
            self._relogin(need)
            first_failure = need
        try:
            self._navigate(target, recovering=True)
            self._learn_relogin(first_failure)
            return self._call(operation, endpoint, target)
        except _NeedsRelogin as need:
            raise need.final_error(target) from need.cause

    def _is_below(self, target):
        cursor = self._cursor
        depth = target.depth
        if cursor is None or cursor.depth <= depth:
            return False
        return cursor.components[:depth] == target.components[:depth]

    def _call(self, operation, endpoint, target):
        try:
            return operation(self._token.reveal())
        except LogikalAuthError as exc:
            raise _NeedsRelogin(f"401 token expired on {endpoint}", exc, token_dead=True) from None
        except LogikalWrongContext as exc:
            self._cursor = None
            raise _NeedsRelogin(f"405 on {endpoint}: server cursor not at {target}", exc) from None

    def _navigate(self, target, *, recovering):
        if target.depth == 0:
            if self._cursor != ROOT:
                raise _NeedsRelogin("listing the root directories needs a fresh session")
            return
        escaped = None
        while True:
            level = self._cursor.level if self._cursor is not None else "unknown"
            steps = plan_selects(self._cursor or ROOT, target)
            if not steps:
                break
            kind, identifier = steps[0]
            strategy = self.rules.strategy(level, kind)
            if strategy == ESCAPE and escaped is None and self.rules.can_escape(level):
                escaped = (level, kind)
                self._escape(level, kind)
                continue
            if strategy == RELOGIN and not recovering:
                status = self.rules.refusal_status.get((level, kind), "")
                reason = f"{status} refused {_select_endpoint(kind)} after {level} select (learned)"
                raise _NeedsRelogin(reason.strip())
            try:
                self._select(level, kind, identifier)
            except LogikalAuthError as exc:
                raise _NeedsRelogin(f"401 token expired on {exc.endpoint}", exc, token_dead=True) from None
            except (LogikalWrongContext, LogikalConflict) as exc:
                self._on_refusal(level, kind, exc, escaped, recovering)
                escaped = (level, kind)
        if escaped is not None:
            self.rules.learn(*escaped, ESCAPE)

    def _select(self, level, kind, identifier):
        try:
            self.client.select(SELECT_PATHS[kind], identifier, self._token.reveal())
        except (LogikalTransientError, LogikalProtocolError):
            self._cursor = None
            raise
        self._cursor = (self._cursor or ROOT).moved(kind, identifier)
        self.rules.accepted.add((level, kind))

    def _on_refusal(self, level, kind, exc, escaped, recovering):
        """A select was refused (405/409): escape once if possible (returns), else require a re-login."""
        if not recovering and escaped is None and self.rules.can_escape(level):
            _logger.debug("%s refused after %s select (HTTP %s): escape", exc.endpoint, level, exc.status)
            self._escape(level, kind)
            return
        after = f"{escaped[0]} select and the escape" if escaped else f"{level} select"
        raise _NeedsRelogin(
            f"{exc.status} refused {exc.endpoint} after {after}",
            exc,
            project_conflict=kind == "project" and exc.status == 409,
            lesson=escaped or (level, kind),
        ) from None

    def _learn_relogin(self, need):
        """The fresh login reached what the old token could not: that move needs a re-login on this server.
        (Learned only now, so that a locked project is not mistaken for a refused kind of move.)"""
        if need.lesson is not None:
            self.rules.learn(*need.lesson, RELOGIN, getattr(need.cause, "status", None))

    def _escape(self, level, kind):
        """`GET /directories`: on observed servers it moves the cursor back to the project's directory."""
        try:
            self.client.list("/directories", self._token.reveal())
        except LogikalAuthError as exc:
            raise _NeedsRelogin(f"401 token expired on {ESCAPE_ENDPOINT}", exc, token_dead=True) from None
        except (LogikalWrongContext, LogikalConflict) as exc:
            self.rules.escape_refused.add(level)
            self.rules.learn(level, kind, RELOGIN, exc.status)
            raise _NeedsRelogin(
                f"{exc.status} refused the escape {ESCAPE_ENDPOINT} after {level} select", exc
            ) from None
        self._cursor = Cursor(path=self._cursor.path)

    def _relogin(self, need):
        old_token, self._token, self._cursor = self._token, None, None
        if old_token is not None and not need.token_dead:
            self.client.logout(old_token.reveal())
        _logger.info("LogiKal re-login: %s", need.reason)
        self._token = _Secret(self.client.login(self.username, self._password.reveal()))
        self._cursor = ROOT
        self.stats.relogins.append(need.reason)


class _Refused:
    """A refused optional read, carried past `_run` so that it does not re-login for it."""

    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def _select_endpoint(kind):
    return f"POST {SELECT_PATHS[kind]}"
