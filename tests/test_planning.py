"""Planning rules of the smart scheduler: intervals, staleness, priority, depends_on, cascade (Odoo-free)."""

import dataclasses
from datetime import datetime, timedelta

import pytest

from logikal_connector.logikal.planning import RetryRule, TypeConfig, blocked_by, cascade_types, descent_flags, plan

NOW = datetime(2025, 6, 1, 12, 0, 0)


def ago(minutes):
    return NOW - timedelta(minutes=minutes)


def seeds(**last_syncs):
    """The shipped defaults (data/logikal_sync_config_data.xml) with the given last syncs (minutes ago)."""
    specs = [
        ("directory", 60, 120, 1, None, False),
        ("project", 30, 60, 2, "directory", True),
        ("phase", 15, 30, 3, "project", False),
        ("elevation", 15, 30, 4, "phase", False),
        ("parts_list", 15, 30, 5, "elevation", False),
    ]
    return [
        TypeConfig(t, True, i, s, p, d, c, ago(last_syncs[t]) if t in last_syncs else None)
        for t, i, s, p, d, c in specs
    ]


def replace(configs, object_type, **changes):
    return [dataclasses.replace(c, **changes) if c.object_type == object_type else c for c in configs]


def test_never_synced_everything_is_due_in_dependency_order():
    result = plan(seeds(), NOW)
    assert result.types == ("directory", "project", "phase", "elevation", "parts_list")
    assert result.cascade == frozenset()


def test_interval_elapsed_is_due_and_not_before():
    config = TypeConfig("phase", interval_minutes=15, last_sync=ago(15))
    assert config.is_due(NOW) and config.next_sync(NOW) == NOW
    early = TypeConfig("phase", interval_minutes=15, last_sync=ago(14))
    assert not early.is_due(NOW) and early.next_sync(NOW) == NOW + timedelta(minutes=1)


def test_disabled_type_is_never_due():
    assert not TypeConfig("phase", enabled=False).is_due(NOW)


def test_stale_and_overdue_flags():
    config = TypeConfig("phase", interval_minutes=15, staleness_minutes=30, last_sync=ago(30))
    assert not config.is_stale(NOW) and config.is_due(NOW) and not config.is_overdue(NOW)
    late = TypeConfig("phase", interval_minutes=15, staleness_minutes=30, last_sync=ago(31))
    assert late.is_stale(NOW) and late.is_overdue(NOW)  # due since 16 min > 15 min grace
    overdue_not_stale = TypeConfig("phase", interval_minutes=15, staleness_minutes=60, last_sync=ago(31))
    assert overdue_not_stale.is_overdue(NOW) and not overdue_not_stale.is_stale(NOW)
    stale_not_due = TypeConfig("phase", interval_minutes=90, staleness_minutes=60, last_sync=ago(61))
    assert stale_not_due.is_stale(NOW) and not stale_not_due.is_due(NOW) and not stale_not_due.is_overdue(NOW)
    assert TypeConfig("phase").is_stale(NOW)


def test_only_children_due_while_parents_fresh():
    result = plan(seeds(directory=10, project=10, phase=15, elevation=20, parts_list=5), NOW)
    assert result.types == ("phase", "elevation")


def test_stale_parent_runs_first_in_the_same_tick():
    # phases are due; projects are not due (29 < 30) but ... fresh (29 < 60): not added
    assert plan(seeds(directory=10, project=29, phase=16, elevation=1, parts_list=1), NOW).types == ("phase",)
    # projects not due (61 < 90) but stale (61 > 60): they run first; directories neither due nor stale
    configs = replace(
        seeds(directory=50, project=61, phase=16, elevation=1, parts_list=1), "project", interval_minutes=90
    )
    assert plan(configs, NOW).types == ("project", "phase")


def test_stale_grandparent_is_added_through_a_fresh_parent():
    configs = replace(
        seeds(directory=200, project=10, phase=16, elevation=1, parts_list=1), "directory", interval_minutes=500
    )
    assert plan(configs, NOW).types == ("directory", "phase")


def test_priority_orders_independent_types():
    configs = [
        TypeConfig("phase", priority=5),
        TypeConfig("directory", priority=9),
        TypeConfig("parts_list", priority=1),
    ]
    assert plan(configs, NOW).types == ("parts_list", "phase", "directory")


def test_dependency_wins_over_priority():
    configs = [TypeConfig("directory", priority=9), TypeConfig("project", priority=1, depends_on="directory")]
    assert plan(configs, NOW).types == ("directory", "project")


def test_disabled_parent_does_not_hold_children_back():
    configs = replace(seeds(phase=16, elevation=1, parts_list=1), "project", enabled=False)
    configs = replace(configs, "directory", enabled=False)
    assert plan(configs, NOW).types == ("phase",)
    assert blocked_by(configs, "phase", NOW) is None


def test_blocked_by_names_the_first_stale_enabled_parent():
    configs = seeds(directory=10, project=61, phase=1)
    assert blocked_by(configs, "phase", NOW) == "project"
    assert blocked_by(configs, "project", NOW) is None
    assert blocked_by(seeds(directory=500, project=1, phase=1, elevation=1), "parts_list", NOW) == "directory"
    never = seeds(directory=1, project=1)
    assert blocked_by(never, "parts_list", NOW) == "elevation"
    assert blocked_by(never, "parts_list", NOW, synced_with={"phase", "elevation"}) is None


def test_cascade_adds_enabled_types_below_changed_records():
    configs = seeds(directory=61, project=31, phase=1, elevation=1, parts_list=1)
    result = plan(configs, NOW)
    assert result.types == ("directory", "project")
    assert result.cascade == {"phase", "elevation", "parts_list"}
    no_parts = replace(configs, "parts_list", enabled=False)
    assert plan(no_parts, NOW).cascade == {"phase", "elevation"}
    no_cascade = replace(configs, "project", cascade=False)
    assert plan(no_cascade, NOW).cascade == frozenset()


def test_cascade_types_leave_out_types_already_in_the_tick():
    result = plan(seeds(directory=10, project=31, phase=16, elevation=1, parts_list=1), NOW)
    assert result.types == ("project", "phase")
    assert result.cascade == {"elevation", "parts_list"}
    assert cascade_types(seeds(), "phase") == frozenset()


def test_dependency_cycle_still_plans_every_due_type():
    configs = [
        TypeConfig("phase", depends_on="elevation", priority=2),
        TypeConfig("elevation", depends_on="phase", priority=1),
    ]
    assert plan(configs, NOW).types == ("elevation", "phase")


def test_nothing_due_is_an_empty_plan():
    assert not plan(seeds(directory=1, project=1, phase=1, elevation=1, parts_list=1), NOW)


@pytest.mark.parametrize(
    "types, flags",
    [
        ({"phase"}, (False, False)),
        ({"elevation"}, (True, False)),
        ({"parts_list"}, (True, True)),
        ({"phase", "elevation", "parts_list"}, (True, True)),
    ],
)
def test_descent_flags(types, flags):
    assert descent_flags(types) == flags


# ---------------------------------------------------------------------- retries of failed items
def test_the_retry_delay_doubles_with_each_failure_up_to_32_times():
    rule = RetryRule(delay_minutes=15, max_attempts=100)
    delays = [rule.next_retry(attempts, NOW) - NOW for attempts in (1, 2, 3, 6, 7, 20)]
    assert delays == [timedelta(minutes=m) for m in (15, 30, 60, 480, 480, 480)]


def test_an_item_is_due_again_once_its_retry_date_has_come():
    rule = RetryRule(delay_minutes=15, max_attempts=5)
    assert rule.is_due_again(0, None, NOW)  # never failed
    assert rule.is_due_again(2, ago(1), NOW)
    assert rule.is_due_again(2, NOW, NOW)
    assert not rule.is_due_again(2, NOW + timedelta(seconds=1), NOW)


def test_an_item_that_failed_max_attempts_times_in_a_row_is_parked():
    rule = RetryRule(delay_minutes=15, max_attempts=3)
    assert not rule.is_parked(2) and rule.is_due_again(2, ago(60), NOW)
    assert rule.is_parked(3) and not rule.is_due_again(3, ago(60), NOW)
    assert not rule.is_due_again(4, None, NOW)
