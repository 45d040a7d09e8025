"""Per-type change counts of one run, in the shape of logikal.sync.run's columns."""

from collections import Counter

OBJECT_TYPES = ("directory", "project", "phase", "elevation", "parts_list")
OUTCOMES = ("created", "updated", "archived", "unchanged", "failed")


class RunCounts:
    def __init__(self):
        self.by_type = {otype: Counter() for otype in OBJECT_TYPES}
        self.errors = []
        self.waiting = 0  # items of the scope left for a later retry (backoff or parked): not synced

    def add(self, otype, outcome, amount=1):
        if amount:
            self.by_type[otype][outcome] += amount

    def fail(self, otype, label, error):
        self.add(otype, "failed")
        self.errors.append(f"{label}: {error}")

    def wait(self, amount=1):
        """Count items of the scope that were not tried now (they wait for their retry)."""
        self.waiting += amount

    def unsynced(self):
        """How many items of the scope did not sync: failed now, or left waiting for a retry."""
        return self.failures() + self.waiting

    def note(self, label, message):
        """Record something the run could not read that fails nothing (e.g. prices LogiKal refused to give)."""
        self.errors.append(f"{label}: {message}")

    def as_vals(self):
        return {f"{otype}_{outcome}": self.by_type[otype][outcome] for otype in OBJECT_TYPES for outcome in OUTCOMES}

    def writes(self):
        """How many records were created, updated or archived (what 'nothing changed' must keep at 0)."""
        return sum(c[o] for c in self.by_type.values() for o in ("created", "updated", "archived"))

    def failures(self):
        return sum(c["failed"] for c in self.by_type.values())
