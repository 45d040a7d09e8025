"""Which object types the 5-minute tick syncs, in what order, and when a failed item is tried again (pure:
no Odoo).

Rules (the `logikal.sync.config` knobs):
- a type is *due* when it is enabled and its interval elapsed since its last completed sync (never: due);
- it is *stale* when its last completed sync is older than its staleness threshold (never: stale);
- it is *overdue* when it stayed due for longer than `OVERDUE_GRACE` (the tick should have synced it);
- `depends_on`: a type runs only when its parent type is fresh; a stale, enabled parent is added to the
  same tick and runs first. A disabled parent does not hold its children back;
- `priority` orders what is due (lower first), after the dependency order;
- `cascade`: a record of a cascading type that changed in LogiKal gets everything below it synced in the
  same run (the enabled types that depend on it, transitively).

Retries (`RetryRule`, the connection's two knobs): a failed directory, project or elevation waits before a
scheduled pass tries it again, longer after each failure in a row; after too many it is *parked*: only a
Force Sync tries it again.
"""

import heapq
import math
from dataclasses import dataclass
from datetime import timedelta

TYPE_ORDER = ("directory", "project", "phase", "elevation", "parts_list")
WALK_TYPES = frozenset({"directory", "project"})
DESCENT_TYPES = frozenset({"phase", "elevation", "parts_list"})
OVERDUE_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class TypeConfig:
    object_type: str
    enabled: bool = True
    interval_minutes: int = 60
    staleness_minutes: int = 120
    priority: int = 10
    depends_on: str | None = None
    cascade: bool = False
    last_sync: object = None  # naive UTC datetime or None

    def next_sync(self, now):
        return self.last_sync + timedelta(minutes=self.interval_minutes) if self.last_sync else now

    def is_due(self, now):
        return self.enabled and self.next_sync(now) <= now

    def is_stale(self, now):
        return self.last_sync is None or self.last_sync + timedelta(minutes=self.staleness_minutes) < now

    def is_overdue(self, now):
        return self.is_due(now) and self.next_sync(now) + OVERDUE_GRACE < now


@dataclass(frozen=True)
class Plan:
    """`types`: what this tick syncs, in order; `cascade`: the types synced below changed records."""

    types: tuple = ()
    cascade: frozenset = frozenset()

    def __bool__(self):
        return bool(self.types)


def plan(configs, now):
    """The Plan of one tick: due types plus their stale parents, parents first, then by priority."""
    by_type = {config.object_type: config for config in configs}
    selected = set()
    for config in configs:
        if config.is_due(now):
            selected.add(config.object_type)
            selected.update(_stale_ancestors(by_type, config, now))
    ordered = _order(by_type, selected)
    cascade = set()
    for object_type in ordered:
        cascade.update(cascade_types(configs, object_type))
    return Plan(tuple(ordered), frozenset(cascade - set(ordered)))


def _stale_ancestors(by_type, config, now):
    seen = {config.object_type}
    parent = _parent(by_type, config)
    while parent and parent.object_type not in seen:
        seen.add(parent.object_type)
        if parent.is_stale(now):
            yield parent.object_type
        parent = _parent(by_type, parent)


def _parent(by_type, config):
    parent = by_type.get(config.depends_on)
    return parent if parent and parent.enabled else None


def _rank(by_type, object_type):
    index = TYPE_ORDER.index(object_type) if object_type in TYPE_ORDER else len(TYPE_ORDER)
    return (by_type[object_type].priority, index, object_type)


def _order(by_type, selected):
    """Topological order over depends_on (within `selected`), ties broken by priority."""
    waiting = {t: {by_type[t].depends_on} & selected - {t} for t in selected}
    ready = [_rank(by_type, t) for t, parents in waiting.items() if not parents]
    heapq.heapify(ready)
    ordered = []
    while ready:
        object_type = heapq.heappop(ready)[2]
        ordered.append(object_type)
        for child, parents in waiting.items():
            if object_type in parents:
                parents.discard(object_type)
                if not parents:
                    heapq.heappush(ready, _rank(by_type, child))
    ordered += sorted(set(selected) - set(ordered), key=lambda t: _rank(by_type, t))  # cycles: priority only
    return ordered


def blocked_by(configs, object_type, now, synced_with=frozenset()):
    """The enabled parent type that is still stale (so `object_type` must wait), or None.

    Parents in `synced_with` are synced before `object_type` in the same pass and do not block it.
    """
    by_type = {config.object_type: config for config in configs}
    config = by_type.get(object_type)
    seen = {object_type}
    parent = _parent(by_type, config) if config else None
    while parent and parent.object_type not in seen:
        if parent.is_stale(now) and parent.object_type not in synced_with:
            return parent.object_type
        seen.add(parent.object_type)
        parent = _parent(by_type, parent)
    return None


def cascade_types(configs, object_type):
    """Enabled types below `object_type` synced for its changed records, when `object_type` cascades."""
    by_type = {config.object_type: config for config in configs}
    config = by_type.get(object_type)
    if not config or not config.cascade:
        return frozenset()
    below, frontier = set(), {object_type}
    while frontier:
        children = {
            c.object_type
            for c in configs
            if c.enabled and c.depends_on in frontier and c.object_type not in below | {object_type}
        }
        below |= children
        frontier = children
    return frozenset(below)


def descent_flags(types):
    """What syncing a project covers for these types: (list elevations?, download parts lists?)."""
    types = set(types)
    return bool(types & {"elevation", "parts_list"}), "parts_list" in types


# ---------------------------------------------------------------------- project-level change detection
TRUST_AUTO, TRUST_ALWAYS, TRUST_NEVER = "auto", "always", "never"


def newer_elevation(project_changed, elevation_changed_dates):
    """The newest elevation change date when it is later than its project's: proof that this server does not
    bump a project's changedDate when an elevation inside it changes (logikal-api.md §4.9); else None.

    Dates are compared as given (aware or naive, but all alike); missing dates prove nothing.
    """
    dates = [d for d in elevation_changed_dates if d]
    if not dates or not project_changed:
        return None
    newest = max(dates)
    return newest if newest > project_changed else None


def may_skip_projects(trust_mode, violation_seen):
    """Whether unchanged project listings may stand for their content on this connection."""
    if trust_mode == TRUST_ALWAYS:
        return True
    return trust_mode == TRUST_AUTO and not violation_seen


def rotation_share(projects, pass_minutes, period_hours):
    """Projects to verify (fully descend) per pass so each of `projects` is verified once per period,
    spread evenly: ceil(projects * pass length / period); at least one while there are projects."""
    if projects <= 0:
        return 0
    passes = max(1.0, period_hours * 60.0 / max(pass_minutes, 1))
    return min(projects, math.ceil(projects / passes))


# ---------------------------------------------------------------------- retries of failed items
MAX_BACKOFF = 32  # the retry delay doubles with each failure in a row, up to this many times the base delay


@dataclass(frozen=True)
class RetryRule:
    """When a failed item (directory, project, elevation) is due again: the one rule of the engine, the
    scheduled passes and the record store.

    After its n-th failure in a row an item waits `delay_minutes * min(2 ** (n - 1), MAX_BACKOFF)`; after
    `max_attempts` failures in a row it is parked (a Force Sync retries it anyway, whatever this rule says).
    """

    delay_minutes: int = 15
    max_attempts: int = 5

    def next_retry(self, attempts, now):
        """When an item that has now failed `attempts` times in a row is due again."""
        return now + timedelta(minutes=self.delay_minutes * min(2 ** (attempts - 1), MAX_BACKOFF))

    def is_parked(self, attempts):
        """Too many failures in a row: no scheduled pass tries the item again."""
        return attempts >= self.max_attempts

    def is_due_again(self, attempts, next_retry, now):
        """Whether a scheduled pass tries the item now: not parked, and its retry date (if any) has come."""
        return not self.is_parked(attempts) and (not next_retry or next_retry <= now)
