"""LogikalClient: the one HTTP choke point to the MBIOE REST API.

Every call goes through `request()`: explicit (connect, read) timeouts, the JSON envelope, errors typed by
HTTP status only, retries with capped exponential back-off and jitter for transient errors only (4xx never),
call accounting in CallStats, and debug logs that carry method, path template, status and duration - never a
password or a token.
"""

import json as jsonlib
import logging
import random
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests

from .encoding import decode_base64
from .exceptions import (
    LogikalAuthError,
    LogikalBadRequest,
    LogikalBudgetSpent,
    LogikalConflict,
    LogikalError,
    LogikalForbidden,
    LogikalNotFound,
    LogikalProtocolError,
    LogikalTimeout,
    LogikalTransientError,
    LogikalWrongContext,
)
from .stats import CallStats, endpoint_key

_logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_THUMBNAIL_BYTES = 8 * 1024 * 1024
LOGOUT_READ_TIMEOUT = 10.0
BUDGET_GRACE = 5.0  # seconds a budgeted call may still wait for an answer
_ENVELOPE_SLACK = 64 * 1024
_MAX_ERROR_TEXT = 300
_SCRUBBED = "***"
_IMAGE_SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPG": b"\xff\xd8\xff"}
_NOT_IMAGE_TYPES = ("application/json", "text/")

_ERROR_BY_STATUS = {
    400: LogikalBadRequest,
    401: LogikalAuthError,
    403: LogikalForbidden,
    404: LogikalNotFound,
    405: LogikalWrongContext,
    409: LogikalConflict,
}


def error_class_for_status(status):
    """The exception class for an HTTP error status (classification by status only)."""
    if status in _ERROR_BY_STATUS:
        return _ERROR_BY_STATUS[status]
    if status >= 500:
        return LogikalTransientError
    return LogikalError


# Why a URL cannot be a LogiKal API base URL, by problem code (base_url_problem). The connection form shows
# its own translated sentence for each code.
BASE_URL_PROBLEMS = {
    "too_long": "it is longer than {limit} characters",
    "invalid": "it is not a valid URL",
    "scheme": "it must start with http:// or https://",
    "host": "it must name a host",
    "credentials": "it must not contain a user or password (they have their own fields)",
    "query": "it must not contain spaces, a query (?) or a fragment (#)",
}


def base_url_problem(url, max_length=None):
    """The one rule for a LogiKal API base URL (client, CLI, connection form): None when `url` (already
    stripped) can be one, else the BASE_URL_PROBLEMS code saying why. The URL itself is never put into a
    message: it may hold credentials."""
    if max_length is not None and len(url) > max_length:
        return "too_long"
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError for a port that is not a number in 0..65535
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https"):
        return "scheme"
    if not parts.hostname:
        return "host"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if parts.query or parts.fragment or any(char.isspace() for char in url):
        return "query"
    return None


def normalize_base_url(url):
    """Strip whitespace and trailing slashes; raise ValueError unless base_url_problem finds none."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("base URL is empty")
    url = url.strip().rstrip("/")
    problem = base_url_problem(url)
    if problem:
        raise ValueError(f"invalid base URL: {BASE_URL_PROBLEMS[problem]}; expected http(s)://host[:port]/.../api/v3")
    return url


def scrub(text, secrets):
    """Replace every secret (token, password) occurring in `text`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _SCRUBBED)
    return text


_URLLIB3_READ_TIMEOUT = requests.packages.urllib3.exceptions.ReadTimeoutError


class _BodyReadTimeout(Exception):
    """The server stopped sending in the middle of the body."""


class _BodyTooLarge(LogikalProtocolError):
    """The response body exceeded the read limit of the call."""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str


class LogikalClient:
    def __init__(
        self,
        base_url,
        *,
        connect_timeout=5.0,
        read_timeout=30.0,
        parts_timeout=120.0,
        max_retries=3,
        backoff_base=0.5,
        backoff_max=8.0,
        max_parts_bytes=20 * 1024 * 1024,
        http=None,
        stats=None,
        sleep=time.sleep,
    ):
        self.base_url = normalize_base_url(base_url)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.parts_timeout = parts_timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_parts_bytes = max_parts_bytes
        self.stats = stats if stats is not None else CallStats()
        self._owns_http = http is None
        self._http = http if http is not None else requests.Session()
        self._sleep = sleep
        self._random = random.Random()
        self.deadline = None  # time.monotonic() value; see _call

    def __repr__(self):
        return f"<LogikalClient {self.base_url}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the keep-alive pool if this client created it."""
        if self._owns_http:
            self._http.close()

    # --- the choke point ----------------------------------------------------------------------------------

    def request(
        self,
        method,
        path,
        *,
        token=None,
        json=None,
        params=None,
        timeout=None,
        raw=False,
        max_bytes=None,
    ):
        """Send one API call (retrying transient failures) and return the envelope's `data`.

        `timeout` is the read timeout in seconds (or a (connect, read) tuple); `raw=True` returns the body
        bytes instead of parsing the envelope. Errors raise the LogikalError subclass of the HTTP status.
        """
        options = {"token": token, "json": json, "params": params, "timeout": timeout, "max_bytes": max_bytes}
        reply = self._call(method, path, **options)
        return reply.body if raw else self._envelope_data(reply, endpoint_key(method, path))

    def _call(self, method, path, *, token=None, json=None, params=None, timeout=None, max_bytes=None):
        endpoint = endpoint_key(method, path)
        secrets = _secrets_of(token, json)
        budgeted = self.deadline is not None and endpoint != "DELETE /auth"  # logging out always happens
        attempt = 0
        while True:
            call_timeout = self._within_budget(endpoint, timeout) if budgeted else timeout
            try:
                return self._attempt(method, path, endpoint, token, json, params, call_timeout, max_bytes, secrets)
            except LogikalTransientError:
                if attempt >= self.max_retries:
                    raise
                delay = self._backoff_delay(attempt)
                if budgeted and time.monotonic() + delay >= self.deadline:
                    raise
                attempt += 1
                _logger.debug("%s: transient failure, retry %d in %.2fs", endpoint, attempt, delay)
                self._sleep(delay)

    def _within_budget(self, endpoint, timeout):
        """The call's timeouts, its read timeout cut to the time left before `deadline` (at least
        BUDGET_GRACE seconds): a hanging server can never hold a budgeted caller (the cron) much past it."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LogikalBudgetSpent(f"{endpoint}: not sent, the time budget is spent", endpoint=endpoint)
        connect, read = self._timeouts(timeout)
        return (connect, min(read, max(left, BUDGET_GRACE)))

    def _backoff_delay(self, attempt):
        """Capped exponential back-off with jitter: a random value in [cap/2, cap]."""
        cap = min(self.backoff_max, self.backoff_base * (2**attempt))
        return cap * (0.5 + 0.5 * self._random.random())

    def _timeouts(self, timeout):
        if timeout is None:
            return (self.connect_timeout, self.read_timeout)
        if isinstance(timeout, tuple):
            return timeout
        return (self.connect_timeout, timeout)

    def _attempt(self, method, path, endpoint, token, json, params, timeout, max_bytes, secrets):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        timeouts = self._timeouts(timeout)
        limit = max_bytes or MAX_JSON_BYTES
        started = time.monotonic()
        status, body = None, b""
        try:
            with self._http.request(
                method,
                self.base_url + path,
                headers=headers,
                json=json,
                params=params,
                timeout=timeouts,
                stream=True,
                allow_redirects=False,
            ) as response:
                status = response.status_code
                body = _read_limited(response, limit, endpoint)
                content_type = response.headers.get("Content-Type", "")
        except (requests.Timeout, _BodyReadTimeout):
            raise LogikalTimeout(
                f"{endpoint}: no answer within {timeouts[1]}s (connect {timeouts[0]}s)", endpoint=endpoint
            ) from None
        except requests.ConnectionError as exc:
            raise LogikalTransientError(
                f"{endpoint}: connection to {self.base_url} failed ({type(exc).__name__})", endpoint=endpoint
            ) from None
        except requests.RequestException as exc:
            message = f"{endpoint}: request failed ({type(exc).__name__})"
            raise LogikalError(message, endpoint=endpoint) from None
        finally:
            elapsed = time.monotonic() - started
            self.stats.record_call(endpoint, elapsed, len(body))
            _logger.debug("%s -> %s in %.3fs", endpoint, status, elapsed)
        if not 200 <= status < 300:
            raise _status_error(status, endpoint, body, secrets)
        return _Reply(status, body, content_type)

    def _envelope_data(self, reply, endpoint):
        if not reply.body.strip():
            return None
        try:
            envelope = jsonlib.loads(reply.body)
        except (ValueError, UnicodeDecodeError):
            raise LogikalProtocolError(
                f"{endpoint}: response body is not JSON", status=reply.status, endpoint=endpoint
            ) from None
        if not isinstance(envelope, dict):
            raise LogikalProtocolError(
                f"{endpoint}: response envelope is not a JSON object", status=reply.status, endpoint=endpoint
            )
        return envelope.get("data")

    # --- typed calls --------------------------------------------------------------------------------------

    def version(self):
        """GET /version (no authentication): the reachability check."""
        data = self.request("GET", "/version")
        return _expect(data, dict, "GET /version", "an object")

    def login(self, username, password):
        """POST /auth with `erp: true`; returns the session token."""
        data = self.request("POST", "/auth", json={"username": username, "password": password, "erp": True})
        data = _expect(data, dict, "POST /auth", "an object")
        token = data.get("token")
        if not isinstance(token, str) or not token.strip():
            raise LogikalProtocolError("POST /auth: response lacks the session token", endpoint="POST /auth")
        self.stats.logins += 1
        return token.strip()

    def logout(self, token):
        """DELETE /auth; failures are logged (without the token) and swallowed."""
        try:
            self.request("DELETE", "/auth", token=token, timeout=LOGOUT_READ_TIMEOUT)
        except LogikalError as exc:
            _logger.warning(
                "logout failed (%s, HTTP %s); the server session may linger", type(exc).__name__, exc.status
            )
            return
        self.stats.logouts += 1

    def list(self, path, token):
        """GET a list endpoint (/directories, /projects, /phases, /elevations) and return its `data` list."""
        data = self.request("GET", path, token=token)
        return _expect(data, list, f"GET {path}", "a list")

    def select(self, path, identifier, token):
        """POST a select endpoint, e.g. select("/projects/select", guid, token)."""
        self.request("POST", path, token=token, json={"identifier": identifier})

    def thumbnail(
        self,
        token,
        elevation_id,
        *,
        width=300,
        height=300,
        fmt="PNG",
        view="Interior",
        with_dimensions=True,
        with_description=False,
    ):
        """GET /elevations/{id}/thumbnail (phase context) -> image bytes, checked for type and size."""
        params = {
            "width": str(width),
            "height": str(height),
            "format": fmt,
            "view": view,
            "withdimensions": _bool_text(with_dimensions),
            "withdescription": _bool_text(with_description),
        }
        path = f"/elevations/{quote(elevation_id, safe='')}/thumbnail"
        reply = self._call("GET", path, token=token, params=params, max_bytes=MAX_THUMBNAIL_BYTES)
        return _checked_image(reply, fmt)

    def parts_list(self, token):
        """GET /elevations/selected/parts-list (elevation context) -> decoded SQLite bytes (size-capped)."""
        endpoint = "GET /elevations/selected/parts-list"
        encoded_cap = 4 * ((self.max_parts_bytes + 2) // 3)
        try:
            data = self.request(
                "GET",
                "/elevations/selected/parts-list",
                token=token,
                timeout=self.parts_timeout,
                max_bytes=encoded_cap + _ENVELOPE_SLACK,
            )
        except _BodyTooLarge:
            raise self._oversize(endpoint) from None
        if not isinstance(data, str):
            raise LogikalProtocolError(f"{endpoint}: data is not a base64 string", endpoint=endpoint)
        if len(data) > encoded_cap:
            raise self._oversize(endpoint)
        try:
            decoded = decode_base64(data)
        except ValueError:
            raise LogikalProtocolError(f"{endpoint}: data is not valid base64", endpoint=endpoint) from None
        if len(decoded) > self.max_parts_bytes:
            raise self._oversize(endpoint)
        return decoded

    def _oversize(self, endpoint):
        return LogikalProtocolError(
            f"{endpoint}: parts list exceeds the cap of {self.max_parts_bytes} bytes (max_parts_bytes)",
            endpoint=endpoint,
        )


# --- helpers ----------------------------------------------------------------------------------------------


def _secrets_of(token, json):
    secrets = [token] if token else []
    if isinstance(json, dict) and isinstance(json.get("password"), str):
        secrets.append(json["password"])
    return secrets


def _read_limited(response, limit, endpoint):
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(endpoint, limit)
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > limit:
                raise _too_large(endpoint, limit)
            chunks.append(chunk)
    except requests.ConnectionError as exc:
        # requests reports a read timeout in the middle of the body as a ConnectionError
        if exc.args and isinstance(exc.args[0], _URLLIB3_READ_TIMEOUT):
            raise _BodyReadTimeout() from None
        raise
    return b"".join(chunks)


def _too_large(endpoint, limit):
    return _BodyTooLarge(f"{endpoint}: response body exceeds the cap of {limit} bytes", endpoint=endpoint)


def _status_error(status, endpoint, body, secrets):
    detail = scrub(_error_text(body), secrets)
    message = f"{endpoint}: HTTP {status}" + (f": {detail}" if detail else "")
    return error_class_for_status(status)(message, status=status, endpoint=endpoint)


def _error_text(body):
    """The server's `message` and `errors` joined (for humans only; never used to classify)."""
    try:
        envelope = jsonlib.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(envelope, dict):
        return ""
    errors = envelope.get("errors")
    parts = [envelope.get("message")] + (list(errors) if isinstance(errors, list) else [])
    unique = dict.fromkeys(str(part).strip() for part in parts if part)
    text = "; ".join(unique)
    return text[:_MAX_ERROR_TEXT]


def _expect(data, kind, endpoint, description):
    if not isinstance(data, kind):
        raise LogikalProtocolError(f"{endpoint}: data is not {description}", endpoint=endpoint)
    return data


def _bool_text(value):
    return "true" if value else "false"


def _checked_image(reply, fmt):
    endpoint = "GET /elevations/{id}/thumbnail"
    content_type = reply.content_type.split(";")[0].strip().lower()
    if content_type.startswith(_NOT_IMAGE_TYPES):
        raise LogikalProtocolError(f"{endpoint}: expected an image, got {content_type}", endpoint=endpoint)
    if not reply.body:
        raise LogikalProtocolError(f"{endpoint}: empty image", endpoint=endpoint)
    signature = _IMAGE_SIGNATURES.get(fmt.upper())
    if signature and not reply.body.startswith(signature):
        raise LogikalProtocolError(f"{endpoint}: body is not a {fmt.upper()} image", endpoint=endpoint)
    return reply.body
