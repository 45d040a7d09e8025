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
that is about to stop for its budget does not start a call it would have to wait for. `close()` waits for the
download in flight.

`waited` tells the caller whether the server is the slower side: it turns true once a `take` kept the caller
waiting `slow_after` seconds or more (then the caller has time to store what it holds while a download runs).
"""

import time
from concurrent.futures import ThreadPoolExecutor


class Prefetcher:
    def __init__(self, download, keys, *, deadline=None, clock=time.monotonic, ahead=True, slow_after=None):
        self._download = download
        self._keys = list(keys)
        self._deadline = deadline
        self._clock = clock
        self._ahead = ahead
        self._slow_after = slow_after
        self._pending = None  # (key, future)
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
        """Start downloading the item after `key` on the helper thread (when there is one and time allows)."""
        if self._pool is None or key not in self._keys:
            return
        index = self._keys.index(key) + 1
        if index >= len(self._keys):
            return
        if self._deadline is not None and self._deadline - self._clock() <= self._last_seconds:
            return
        following = self._keys[index]
        self._pending = (following, self._pool.submit(self._run, following))
        self.prefetched += 1

    def close(self):
        pending, self._pending = self._pending, None
        if pending is not None:
            pending[1].result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _result(self, key):
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == key:
            data, error = pending[1].result()
        else:
            if pending is not None:
                pending[1].result()  # the caller skipped it: the session must be free before the next call
            data, error = self._run(key)
        if error is not None:
            raise error
        return data

    def _run(self, key):
        started = self._clock()
        try:
            return self._download(key), None
        except Exception as error:  # handed to the caller by take()
            return None, error
        finally:
            self._last_seconds = self._clock() - started
