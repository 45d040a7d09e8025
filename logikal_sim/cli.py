"""`./logikal simulator serve ...`: run the MBIOE simulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from .dataset import PRESETS, DatasetError, generate_dataset
from .server import MODES, Simulator

PROG = "logikal simulator"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    parser = _Parser(prog=PROG, description="Run the MBIOE (LogiKal REST) simulator.")
    commands = parser.add_subparsers(dest="command", metavar="serve")
    serve = commands.add_parser("serve", help="serve a dataset over HTTP until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8899, help="0 picks a free port (default 8899)")
    serve.add_argument("--dataset", choices=sorted(PRESETS), default="demo")
    serve.add_argument("--mode", choices=MODES, default="observed")
    serve.add_argument(
        "--latency-scale",
        type=float,
        default=0.0,
        help="multiplier of the real per-endpoint latency profile (default 0)",
    )
    serve.add_argument(
        "--no-bump",
        action="store_true",
        help="an elevation or phase edit does not bump its project's changedDate (default: it does)",
    )
    serve.add_argument("--token-idle-seconds", type=float, default=None)
    serve.add_argument("--max-sessions", type=int, default=None)
    serve.add_argument("--username", default="admin")
    serve.add_argument("--password", default="secret")
    return parser


def parse_args(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        raise UsageError("missing command (expected: serve)")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be in 0..65535, got {args.port}")
    if args.latency_scale < 0:
        raise UsageError("--latency-scale must be >= 0")
    if args.max_sessions is not None and args.max_sessions < 1:
        raise UsageError("--max-sessions must be >= 1")
    if args.token_idle_seconds is not None and args.token_idle_seconds <= 0:
        raise UsageError("--token-idle-seconds must be > 0")
    return args


def serve(args, stop_event=None, out=None) -> int:
    out = out or sys.stdout
    dataset = generate_dataset(args.dataset, child_edits_bump_project=not args.no_bump)
    simulator = Simulator(
        dataset,
        mode=args.mode,
        latency_scale=args.latency_scale,
        token_idle_seconds=args.token_idle_seconds,
        max_sessions=args.max_sessions,
        username=args.username,
        password=args.password,
        host=args.host,
        port=args.port,
    )
    try:
        simulator.start()
    except OSError as exc:
        print(f"{PROG}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        announce(args, dataset, simulator, out)
        (stop_event or threading.Event()).wait()
    except KeyboardInterrupt:
        print("\nstopping", file=out)
    finally:
        simulator.stop()
    return 0


def announce(args, dataset, simulator, out):
    counts = dataset.counts()
    print(f"MBIOE simulator listening on {simulator.base_url}", file=out)
    print(f"  username: {args.username}   password: {args.password}", file=out)
    print(
        f"  dataset: {args.dataset} ({counts['directories']} directories, {counts['projects']} projects, "
        f"{counts['phases']} phases, {counts['elevations']} elevations)",
        file=out,
    )
    print(f"  mode: {args.mode}   latency scale: {args.latency_scale:g}", file=out)
    print(f"  control API: {simulator.root_url}/_sim/", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)


def main(argv=None, stop_event=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        build_parser().print_help()
        return 0
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help of the subcommand
        return int(exc.code or 0)
    try:
        return serve(args, stop_event)
    except DatasetError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
