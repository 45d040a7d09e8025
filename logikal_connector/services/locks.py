"""PostgreSQL session-level advisory locks for the scheduler.

Session-level locks survive the per-unit commits of a cron call and vanish with the connection, so a
worker that dies frees what it held. Every lock taken here is released by `release_all()` before the
cursor goes back to Odoo's connection pool.
"""

# first key of the two-key advisory lock: one namespace per kind of thing locked
SLOT = 0x4C4B0001  # a LogiKal session slot: backend id * 16 + slot number
RUN = 0x4C4B0002  # a run being worked on (lead, helper or Force Sync run)
PROJECT = 0x4C4B0003  # a project being synced by a scheduled pass
KEY = 0x4C4B0004  # a Force Sync request key (hashed)
LEAD = 0x4C4B0005  # the scheduled pass of a backend is being led
MAX_SLOTS = 16


class AdvisoryLocks:
    def __init__(self, cr):
        self.cr = cr
        self.held = []

    def try_lock(self, namespace, key):
        """Take the lock now or return False (never waits). `key` is an int or a string (hashed)."""
        self.cr.execute(f"SELECT pg_try_advisory_lock(%s, {_key_sql(key)})", (namespace, key))
        taken = self.cr.fetchone()[0]
        if taken:
            self.held.append((namespace, key))
        return taken

    def unlock(self, namespace, key):
        if (namespace, key) in self.held:
            self.held.remove((namespace, key))
            self.cr.execute(f"SELECT pg_advisory_unlock(%s, {_key_sql(key)})", (namespace, key))

    def release_all(self):
        while self.held:
            self.unlock(*self.held[-1])

    def held_elsewhere(self, namespace, key):
        """Whether another database session holds this lock (a live worker)."""
        self.cr.execute(
            f"""
            SELECT 1 FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND classid = %s::bigint::oid AND objid = ({_key_sql(key)})::bigint::oid AND objsubid = 2
        """,
            (namespace, key),
        )
        return bool(self.cr.fetchone())

    def holds(self, namespace, key):
        return (namespace, key) in self.held

    def acquire_slot(self, backend):
        """A free LogiKal session slot of `backend` (0 .. parallel_sessions - 1), or None."""
        for slot in range(min(backend.parallel_sessions or 1, MAX_SLOTS)):
            if self.try_lock(SLOT, backend.id * MAX_SLOTS + slot):
                return slot
        return None


def _key_sql(key):
    return "hashtext(%s)" if isinstance(key, str) else "%s"
