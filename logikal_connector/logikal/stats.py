"""Call accounting: calls per endpoint template, logins, logouts, re-login reasons, bytes and latency."""

import re
from collections import Counter
from dataclasses import dataclass, field

_ID_SEGMENT = re.compile(
    r"^\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?$|^\d+$"
)


def path_template(path):
    """'/elevations/5ddb…/thumbnail?x=1' -> '/elevations/{id}/thumbnail' (ids and query removed);
    '/projects/selected/addresses/Customer' -> '/projects/selected/addresses/{addressType}'."""
    path = path.split("?", 1)[0]
    segments = ["{id}" if _ID_SEGMENT.match(segment) else segment for segment in path.split("/")]
    if segments[1:4] == ["projects", "selected", "addresses"] and len(segments) == 5:
        segments[4] = "{addressType}"
    return "/".join(segments)


def endpoint_key(method, path):
    """The key calls are counted under, e.g. 'GET /elevations/{id}/thumbnail'."""
    return f"{method.upper()} {path_template(path)}"


@dataclass
class CallStats:
    calls: Counter = field(default_factory=Counter)
    logins: int = 0
    logouts: int = 0
    relogins: list = field(default_factory=list)
    bytes_in: int = 0
    seconds_by_endpoint: Counter = field(default_factory=Counter)

    def record_call(self, endpoint, seconds, nbytes=0):
        self.calls[endpoint] += 1
        self.seconds_by_endpoint[endpoint] += seconds
        self.bytes_in += nbytes

    @property
    def total_calls(self):
        return sum(self.calls.values())

    @property
    def total_seconds(self):
        return sum(self.seconds_by_endpoint.values())

    def mean_seconds(self, endpoint):
        count = self.calls.get(endpoint, 0)
        return self.seconds_by_endpoint.get(endpoint, 0.0) / count if count else 0.0

    def merge(self, other):
        """Add `other`'s figures to this one (e.g. to total several sessions); returns self."""
        self.calls.update(other.calls)
        self.logins += other.logins
        self.logouts += other.logouts
        self.relogins.extend(other.relogins)
        self.bytes_in += other.bytes_in
        self.seconds_by_endpoint.update(other.seconds_by_endpoint)
        return self

    def as_dict(self):
        seconds = self.seconds_by_endpoint
        return {
            "calls": dict(sorted(self.calls.items())),
            "total_calls": self.total_calls,
            "logins": self.logins,
            "logouts": self.logouts,
            "relogins": list(self.relogins),
            "bytes_in": self.bytes_in,
            "seconds": round(self.total_seconds, 6),
            "seconds_by_endpoint": {key: round(value, 6) for key, value in sorted(seconds.items())},
        }
