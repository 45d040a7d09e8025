"""Prefetcher: download the next item on a helper thread while the caller stores the current one.

A LogiKal sync spends most of its wall time waiting on the server, and Odoo's work on a file (parse, attachment,
lines) is done while nothing else happens. The Prefetcher overlaps the two without sharing the one-cursor
session: while it is open only its helper thread calls `download`, strictly one call at a time, and the caller
only stores. `take(key)` returns the items in the caller's order and re-raises a download's error in the
caller's thread. It is the sync's one overlap mechanism: the engine uses it for an elevation's files and for
the elevation listings of a project's phases.

The next download starts after a successful `take` (or, with `ahead=False`, only when the caller says so with
`start_after(key)`: the phase listings wait until the phase's own downloads are done), and only when the time
left before `deadline` (a `time.monotonic()` value, or None) exceeds the last download's duration, so a run
that is about to stop for its budget does not start a call it would have to wait for. With `depth` n > 1, up
to n items are queued behind the caller instead of one: the helper thread goes from one download straight to
the next, so the session does not idle while the caller decodes and hands over an item (at most n items are
held in memory). After a failed download the queue stops: the items queued behind it are downloaded by the
caller's own `take`, as without queueing, so a session that gave up is not asked for more. `close()` drops
the queued downloads not started yet and waits for the one in flight.

`waited` tells the caller whether the server is the slower side: it turns true once a `take` kept the caller
waiting `slow_after` seconds or more (then the caller has time to store what it holds while a download runs).
"""

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

_NOT_RUN = object()  # a queued download skipped because one before it failed


class Prefetcher:
    def __init__(self, download, keys, *, deadline=None, clock=time.monotonic, ahead=True, slow_after=None, depth=1):
        self._download = download
        self._keys = list(keys)
        self._deadline = deadline
        self._clock = clock
        self._ahead = ahead
        self._slow_after = slow_after
        self._depth = max(int(depth), 1)
        self._stopped = False  # a queued download failed: the ones queued behind it are not run ahead
        self._pending = deque()  # (key, future), in the caller's order
        self._last_seconds = 0.0
        self._pool = None
        if len(self._keys) > 1:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="logikal-prefetch")
        self.prefetched = 0
        self.waited = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def take(self, key):
        """The download of `key`: the prefetched one when it is the one in flight, else downloaded now."""
        started = self._clock()
        try:
            data = self._result(key)
        finally:
            if self._slow_after is not None and self._clock() - started >= self._slow_after:
                self.waited = True
        if self._ahead:
            self.start_after(key)
        return data

    def start_after(self, key):
        """Queue the items after `key` on the helper thread, up to `depth` of them (when there is a helper thread
        and the time left allows each)."""
        if self._pool is None or key not in self._keys:
            return
        self._stopped = False
        queued = {pending_key for pending_key, _future in self._pending}
        for following in self._keys[self._keys.index(key) + 1 :]:
            if len(self._pending) >= self._depth:
                return
            if following in queued:
                continue
            if self._deadline is not None and self._deadline - self._clock() <= self._last_seconds * (
                len(self._pending) + 1
            ):
                return
            self._pending.append((following, self._pool.submit(self._run_ahead, following)))
            self.prefetched += 1

    def close(self):
        self._drop_queue()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _drop_queue(self):
        """Forget the queued downloads: those not started are cancelled, the one in flight is waited for."""
        while self._pending:
            _key, future = self._pending.popleft()
            if not future.cancel():
                future.result()

    def _result(self, key):
        while self._pending:
            pending_key, future = self._pending.popleft()
            result = future.result()  # a skipped item too: the session must be free before the next call
            if pending_key == key:
                data, error = result if result is not _NOT_RUN else self._run(key)
                break
        else:
            data, error = self._run(key)
        if self._stopped:  # what is queued behind a failure is not run ahead: the caller takes it itself
            self._drop_queue()
        if error is not None:
            raise error
        return data

    def _run_ahead(self, key):
        """A queued download on the helper thread; not run when one queued before it failed."""
        return _NOT_RUN if self._stopped else self._run(key)

    def _run(self, key):
        started = self._clock()
        try:
            return self._download(key), None
        except Exception as error:  # handed to the caller by take()
            self._stopped = True
            return None, error
        finally:
            self._last_seconds = self._clock() - started
