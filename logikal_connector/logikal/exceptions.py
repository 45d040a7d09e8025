"""Typed errors of the LogiKal client, the session and the parts-list parser.

API errors are classified by HTTP status only, never by the text the server sends. No message ever contains a
password or a session token: the client scrubs them before building an exception.
"""


class LogikalError(Exception):
    """Base of every API error. `status` is the HTTP status (None if there was no response); `endpoint`
    is the call as "METHOD /path-template", e.g. "POST /projects/select"."""

    def __init__(self, message, *, status=None, endpoint=None):
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class LogikalBadRequest(LogikalError):
    """400: malformed body, or the operation cannot be performed on the object."""


class LogikalAuthError(LogikalError):
    """401: bad credentials on login, or an invalid / expired session token."""


class LogikalForbidden(LogikalError):
    """403: the user lacks the permission."""


class LogikalNotFound(LogikalError):
    """404: the object to select does not exist (any more)."""


class LogikalWrongContext(LogikalError):
    """405: the session cursor is not at the level the operation expects."""


class LogikalConflict(LogikalError):
    """409: locked, in use by another user, or not valid in the current mapping."""


class LogikalTransientError(LogikalError):
    """5xx or a connection failure: worth retrying later."""


class LogikalTimeout(LogikalTransientError):
    """The server did not answer within the timeout."""


class LogikalBudgetSpent(LogikalTimeout):
    """The caller's time budget is spent: a call was not sent (client), or the sync engine stopped between two
    units of work (the caller resumes later)."""


class LogikalProtocolError(LogikalError):
    """The response body is malformed: not JSON, no `data`, wrong type, bad base64, over the size cap."""


class LogikalNavigationError(LogikalError):
    """The session could not reach the requested object, even after its one re-login."""


class PartsListError(Exception):
    """Base of the parts-list parser's errors; `table` and `column` name the culprit when known."""

    def __init__(self, message, *, table=None, column=None):
        super().__init__(message)
        self.table = table
        self.column = column


class PartsListTooLarge(PartsListError):
    """The file exceeds the size cap."""


class PartsListNotSqlite(PartsListError):
    """The bytes are not an SQLite 3 database."""


class PartsListCorrupt(PartsListError):
    """SQLite cannot read the file (integrity check or query failed)."""


class PartsListMissingTable(PartsListError):
    """A required table is absent."""


class PartsListMissingColumn(PartsListError):
    """A required column is absent (under every accepted spelling)."""


class PartsListElevationNotFound(PartsListError):
    """No row of the Elevations table matches the requested elevation."""
