"""The LogiKal connector command-line tool: `./logikal probe|parts|simulator` (USAGE below).

Not part of the addon. It imports the addon's pure package by its real name, `logikal_connector.logikal`,
which loads none of the addon's Odoo parts (see `logikal_connector/__init__.py`); the repository root must
be importable, which `./logikal` and `python3 -m logikal_cli` (run from the root) see to.
"""

import sys

USAGE = """LogiKal connector command-line tool.

    ./logikal probe      check a real (or simulated) LogiKal server: reachability, login, tree counts
    ./logikal parts      parse a parts-list SQLite file (raw or base64) and print what it holds
    ./logikal simulator  run the MBIOE simulator (development and tests)

Runs without Odoo: it only needs Python 3.10+ and `requests`."""


def main(argv=None):
    """Run one subcommand; returns the exit status (0 ok, 1 server problem, 2 usage)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE + "\n")
        return 0
    command, rest = argv[0], argv[1:]
    if command == "probe":
        from .probe import main as run
    elif command == "parts":
        from .parts import main as run
    elif command == "simulator":
        from logikal_sim.cli import main as run
    else:
        sys.stderr.write(f"logikal: unknown command {command!r} (expected probe, parts or simulator)\n")
        return 2
    return run(rest)
