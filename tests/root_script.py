"""The root script `./logikal` as the CLI tests run it: in a child process, as a user would."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def logikal_command(*args):
    """The command line running `./logikal` with `args` under this Python."""
    return [sys.executable, os.path.join(ROOT, "logikal"), *map(str, args)]
