"""Odoo-free core of the LogiKal connector: HTTP client, session navigation, records, parts-list parsing.

Nothing in this package imports `odoo`, and it imports itself only relatively. Inside Odoo it is
`odoo.addons.logikal_connector.logikal`; outside Odoo (CLI, Odoo-free tests, bench, scripts) it is
`logikal_connector.logikal`, with the repository root on sys.path, which loads none of the addon's Odoo parts.
"""

import logging

from .client import LogikalClient
from .exceptions import (
    LogikalAuthError,
    LogikalBadRequest,
    LogikalBudgetSpent,
    LogikalConflict,
    LogikalError,
    LogikalForbidden,
    LogikalNavigationError,
    LogikalNotFound,
    LogikalProtocolError,
    LogikalTimeout,
    LogikalTransientError,
    LogikalWrongContext,
    PartsListCorrupt,
    PartsListElevationNotFound,
    PartsListError,
    PartsListMissingColumn,
    PartsListMissingTable,
    PartsListNotSqlite,
    PartsListTooLarge,
)
from .records import (
    NULL_GUID,
    Directory,
    Elevation,
    Phase,
    Project,
    Surface,
    epoch_to_utc,
    normalize_guid,
)
from .session import LogikalSession, NavigationRules
from .stats import CallStats

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "NULL_GUID",
    "CallStats",
    "Directory",
    "Elevation",
    "LogikalAuthError",
    "LogikalBadRequest",
    "LogikalBudgetSpent",
    "LogikalClient",
    "LogikalConflict",
    "LogikalError",
    "LogikalForbidden",
    "LogikalNavigationError",
    "LogikalNotFound",
    "LogikalProtocolError",
    "LogikalSession",
    "LogikalTimeout",
    "LogikalTransientError",
    "LogikalWrongContext",
    "NavigationRules",
    "PartsListCorrupt",
    "PartsListElevationNotFound",
    "PartsListError",
    "PartsListMissingColumn",
    "PartsListMissingTable",
    "PartsListNotSqlite",
    "PartsListTooLarge",
    "Phase",
    "Project",
    "Surface",
    "epoch_to_utc",
    "normalize_guid",
]
