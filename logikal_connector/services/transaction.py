"""Where the sync's transactions end: the one commit of the addons, and its rollback.

A *unit of work* is what one commit keeps: a directory listing, a phase with its files, a project, a run
or request row written. The cron entry point (`logikal.sync.config._cron_smart_sync`) creates a
`CronUnitOfWork` on its own cursor, and the scheduler hands it to each runner and engine; everything
else (buttons, tests, scripts) uses `UnitOfWork`, whose `commit_unit()` does nothing: the caller's
transaction keeps everything and ends as the caller decides.
"""


class UnitOfWork:
    """No commit: the caller's transaction holds every unit (UI, tests)."""

    def commit_unit(self):
        """End the unit of work just done: nothing to do outside the cron."""

    def rollback(self):
        """Undo the unit in flight: nothing to do outside the cron (the caller's transaction decides)."""


class CronUnitOfWork(UnitOfWork):
    """The cron's transaction: each unit of work is committed, cheaply, as soon as it is done."""

    def __init__(self, cr):
        self.cr = cr

    def commit_unit(self):
        """Commit the unit just done without waiting for its WAL flush (`synchronous_commit = off` for this
        transaction only).

        Why commit here: the cron commits each unit of sync work so that a sync cut short (time limit, crash,
        a killed worker) keeps what it read, and the next call resumes from it; other workers see it too.
        Why not wait for the flush: a crash of the database server can lose the last few hundred
        milliseconds of such commits, never a part of one (PostgreSQL replays a consistent prefix). What is
        lost is LogiKal data read again on the next pass (nothing is written to LogiKal) and a run's
        progress, resumed from the last commit that reached disk.
        """
        self.cr.execute("SET LOCAL synchronous_commit TO OFF")
        # invalid-commit: the cron commits each unit of sync work on its own cursor, so that a cut sync
        # keeps what it read (see the docstring); this is the addons' only commit
        self.cr.commit()  # pylint: disable=invalid-commit

    def rollback(self):
        """Undo the unit in flight (a concurrent update refused it); the units committed before stay."""
        self.cr.rollback()
