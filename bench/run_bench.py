#!/usr/bin/env python3
"""`make bench`: S1-S5 against the simulator through a real Odoo 18 database; medians of N repetitions.

    python3 bench/run_bench.py [--reps 3] [--latency-scale 0.1] [--projects 200] [--memory-projects 50]

Creates a throw-away database (private PostgreSQL cluster of scripts/devenv.py), runs every repetition in
a fresh Odoo process (bench/odoo_side.py) against a simulator in its own process (bench/sim_server.py),
prints a table, writes bench/results.json and bench/RESULTS.md, and drops the database. No assertions
about time: it reports, and says which targets of the benchmark issue are met.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH, os.path.join(ROOT, "scripts")]  # ROOT: logikal_sim, logikal_connector.logikal

import devenv  # noqa: E402
from callplan import LATENCY_PROFILE, minimal_plan, unchanged_pass_plan  # noqa: E402

from logikal_connector.logikal.planning import rotation_share  # noqa: E402
from logikal_sim import generate_dataset  # noqa: E402

PASSWORD_VARIABLE = "LOGIKAL_BENCH_PASSWORD"
USERNAME = "bench"
NOTES_START, NOTES_END = "<!-- notes: kept when the figures are regenerated -->", "<!-- /notes -->"


# ---------------------------------------------------------------------- processes
class SimulatorProcess:
    """bench/sim_server.py in its own process; `spec` is its JSON (dataset, mode, latency_scale, ...)."""

    def __init__(self, spec, env):
        self.spec = dict(spec, username=USERNAME)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(BENCH, "sim_server.py"), json.dumps(self.spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the simulator did not start ({self.spec})")
        self.info = json.loads(line)

    def odoo_spec(self):
        return {"base_url": self.info["base_url"], "root_url": self.info["root_url"], "username": USERNAME}

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Bench:
    def __init__(self, args):
        self.args = args
        self.python, source, reason = devenv.find_odoo()
        if not source:
            raise SystemExit(f"make bench needs Odoo 18: {reason}")
        if not args.fsync_off:
            devenv.use_durable_cluster()  # default durability: commit flushes cost what they cost in production
        self.db_args, _started = devenv.ensure_postgres()
        self.database = f"logikal_bench_{os.getpid()}"
        self.data_dir = os.path.join(ROOT, ".run", "benchdata")
        self.log_path = os.path.join(ROOT, ".run", f"{self.database}.log")
        self.odoo_args = [
            "-d",
            self.database,
            *self.db_args,
            f"--addons-path={devenv.odoo_addons_path(source)}",
            f"--data-dir={self.data_dir}",
            "--log-level=warn",
            "--max-cron-threads=0",
        ]
        self.env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.env[PASSWORD_VARIABLE] = secrets.token_urlsafe(18)
        if args.profile:
            self.env["LOGIKAL_BENCH_PROFILE"] = os.path.abspath(args.profile)
        if args.timeline:
            self.env["LOGIKAL_BENCH_TIMELINE"] = "1"
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.problems = []

    def install(self):
        started = time.monotonic()
        cmd = [
            self.python,
            "-m",
            "odoo",
            *self.odoo_args,
            "-i",
            "logikal_connector",
            "--stop-after-init",
            "--without-demo=all",
            "--http-interface=127.0.0.1",
            f"--http-port={devenv.free_port()}",
        ]
        self._run(cmd, "install")
        return time.monotonic() - started

    def drop(self):
        devenv.drop_database(self.db_args, self.database, self.python)
        shutil.rmtree(os.path.join(self.data_dir, "filestore", self.database), ignore_errors=True)

    def odoo_side(self, scenario, sim, options=None):
        spec = dict(sim.odoo_spec(), **(options or {}))
        cmd = [self.python, os.path.join(BENCH, "odoo_side.py"), scenario, json.dumps(spec), "--", *self.odoo_args]
        output = self._run(cmd, scenario)
        lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
        if not lines:
            raise SystemExit(f"{scenario}: no result (see {self.log_path})")
        return json.loads(lines[-1][len("RESULT ") :])

    def _run(self, cmd, label):
        result = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=ROOT)
        with open(self.log_path, "a") as log:
            log.write(f"===== {label}\n{result.stderr}\n")
        for line in result.stderr.splitlines():
            if " ERROR " in line or " CRITICAL " in line or "Traceback" in line:
                self.problems.append(f"{label}: {line}")
        if result.returncode:
            sys.stderr.write(result.stderr[-4000:])
            raise SystemExit(f"{label} failed (exit {result.returncode}); log: {self.log_path}")
        return result.stdout

    # ------------------------------------------------------------------ scenarios
    def repeat(self, label, spec, scenario, reps, options=None):
        results = []
        for rep in range(reps):
            started = time.monotonic()
            with SimulatorProcess(spec, self.env) as sim:
                results.append(self.odoo_side(scenario, sim, options))
            devenv.say(f"  {label} repetition {rep + 1}/{reps}: {time.monotonic() - started:.1f} s")
        return results

    def run(self):
        args = self.args
        s1 = {"dataset": "s1", "latency_scale": args.latency_scale, "warm": True}
        scale_spec = {"dataset": "scale", "projects": args.projects, "latency_scale": 0.0}
        memory_spec = dict(scale_spec, projects=args.memory_projects)
        if args.only_s6:
            return {"s6": self.run_s6()}
        if args.only_s4:
            label = f"S4 ({args.projects} projects)"
            return {"scale_small": self.repeat(label, dict(scale_spec), "scale_memory", args.reps)}
        observed = self.repeat("S1+S3 (observed)", dict(s1, mode="observed"), "force_project", args.reps)
        if args.only_s1:
            return {"observed": observed}
        return {
            "observed": observed,
            "strict": self.repeat("S2 (strict)", dict(s1, mode="strict"), "force_project", args.reps),
            "scale": self.repeat(
                f"S4+S5 ({args.projects} projects)", scale_spec, "scale", args.scale_reps, {"steady_reps": args.reps}
            ),
            "scale_small": self.repeat(
                f"S4 ({args.memory_projects} projects)", memory_spec, "scale_memory", args.memory_reps
            ),
            "s6": self.run_s6(),
        }

    def run_s6(self):
        """S6: each tree size and server kind once (an initial sync each), then the parallel passes, on the
        bump tree of their size when there is one (no second initial sync of it)."""
        args, results = self.args, {"passes": [], "parallel": None}
        seed = {"seed_sessions": args.s6_seed_sessions}
        parallel = {"sessions": args.s6_sessions, "pass_latency_scale": args.s6_parallel_latency}
        for mode in args.s6_modes:
            for projects in args.s6_sizes:
                spec = s6_spec(projects, bump=mode == "bump", latency_scale=0.0)
                options = dict(seed)
                with_parallel = bool(args.s6_sessions) and mode == "bump" and projects == args.s6_parallel_projects
                if with_parallel:
                    options.update(parallel)
                label = f"S6 {mode} {projects} projects{' + parallel passes' if with_parallel else ''}"
                (result,) = self.repeat(label, spec, "freshness", 1, options)
                devenv.say(
                    f"    initial sync {result['initial_seconds']:.0f} s ({result['seed_sessions']} sessions); "
                    f"load average now {load_average()}"
                )
                if with_parallel:
                    results["parallel"] = dict(result.pop("parallel"), projects=projects)
                results["passes"].append(dict(result, mode=mode, projects=projects, expected=s6_expected(spec)))
                self.keep_partial(results)
        if args.s6_sessions and results["parallel"] is None:
            spec = s6_spec(args.s6_parallel_projects, bump=True, latency_scale=0.0)
            label = f"S6 parallel {args.s6_parallel_projects} projects"
            (result,) = self.repeat(label, spec, "parallel", 1, dict(seed, **parallel))
            results["parallel"] = dict(result, projects=args.s6_parallel_projects)
            self.keep_partial(results)
        return results

    def keep_partial(self, results):
        """Each S6 tree's figures as soon as they are in (`.run/s6_partial_<pid>.txt`): a long run that is
        stopped keeps what it measured."""
        with open(os.path.join(ROOT, ".run", f"s6_raw_{os.getpid()}.json"), "w") as handle:
            json.dump(without_datasets({"s6": results}), handle, indent=1, default=str)
        path = os.path.join(ROOT, ".run", f"s6_partial_{os.getpid()}.txt")
        with open(path, "w") as handle:
            summary = s6_summary({"passes": results["passes"], "parallel": results["parallel"]})
            for scenario, metric, value in s6_rows(summary):
                handle.write(f"{scenario:<18} {metric:<64}  {value}\n")


# ---------------------------------------------------------------------- S6
def without_datasets(raw):
    """The raw results without each S6 tree's dataset (`expected`: megabytes, regenerated from its spec)."""
    s6 = raw.get("s6") or {}
    passes = [{k: v for k, v in p.items() if k != "expected"} for p in s6.get("passes", [])]
    return dict(raw, s6=dict(s6, passes=passes)) if s6 else raw


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


S6_PHASES, S6_ELEVATIONS = 2, 5  # ~10 elevations a project
PASS_MINUTES = 15  # the seeded phase / elevation / parts-list interval
PRICE_READS = (  # made while a project whose changedDate moved is selected (see bench/callplan.py)
    "GET /projects/selected/estimation",
    "GET /projects/selected/estimation-data",
    "GET /projects/selected/addresses",
    "GET /projects/selected/addresses/{addressType}",
)


def s6_spec(projects, *, bump, latency_scale):
    dirs = max(5, projects // 25)  # nested: a fifth are roots, the rest two levels below them
    return {
        "dataset": "scale",
        "projects": projects,
        "dirs": dirs,
        "phases": S6_PHASES,
        "elevations": S6_ELEVATIONS,
        "child_edits_bump_project": bump,
        "latency_scale": latency_scale,
    }


def s6_expected(spec):
    options = {k: v for k, v in spec.items() if k not in ("dataset", "latency_scale")}
    return generate_dataset("scale", **options).expected()


def s6_pass_summary(result):
    """Figures of one S6 tree: the unchanged pass against its minimal plan, the 1 % changed pass."""
    expected = result.pop("expected")
    live = [p["id"] for p in expected["projects"] if not p.get("isDeleted")]
    share = rotation_share(len(live), PASS_MINUTES, result["verification_hours"])
    unchanged, changed = result["unchanged"], result["changed"]
    rotation = (unchanged["descended"] + [p for p in live if p not in unchanged["descended"]])[:share]
    plan = unchanged_pass_plan(expected, rotation)
    every = unchanged_pass_plan(expected, live)  # what a server whose project dates prove nothing needs
    changed_projects = sorted(set(rotation) | set(result["mutated_projects"]))
    downloads = len(result["mutated"])
    # a changed project whose date moved (bump server) is priced again while selected: its four price reads
    repriced = len(result["mutated_projects"]) if result["mode"] == "bump" else 0
    changed_plan = (
        unchanged_pass_plan(expected, changed_projects)["nominal_seconds"]
        + downloads
        * (
            LATENCY_PROFILE["GET /elevations/{id}/thumbnail"]
            + LATENCY_PROFILE["POST /elevations/select"]
            + LATENCY_PROFILE["GET /elevations/selected/parts-list"]
        )
        + repriced * sum(LATENCY_PROFILE[endpoint] for endpoint in PRICE_READS)
    )
    return {
        "mode": result["mode"],
        "projects": result["projects"],
        "directories": len(expected["directories"]),
        "elevations": result["data"]["elevations"],
        "trust": result["trust"]["state"],
        "initial_seconds": result["initial_seconds"],
        "seed_sessions": result.get("seed_sessions", 1),
        "rotation_share": share,
        "unchanged": pass_figures(unchanged),
        "minimal_calls": plan["calls"],
        "minimal_priced_seconds": plan["nominal_seconds"],
        "ratio": unchanged["sim"]["nominal_latency_seconds"] / plan["nominal_seconds"],
        "full_read_priced_seconds": every["nominal_seconds"],
        "full_read_ratio": unchanged["sim"]["nominal_latency_seconds"] / every["nominal_seconds"],
        "changed": pass_figures(changed),
        "changed_elevations": downloads,
        "changed_projects": len(result["mutated_projects"]),
        "changed_in_odoo": result["mutated_in_odoo"],
        "changed_plan_priced_seconds": round(changed_plan, 3),
        "changed_ratio": changed["sim"]["nominal_latency_seconds"] / changed_plan,
    }


def pass_figures(tick):
    sim = tick["sim"]
    return {
        "calls": sum(sim["calls"].values()),
        "logins": sim["logins"],
        "priced_seconds": sim["nominal_latency_seconds"],
        "odoo_seconds": tick["odoo_seconds"],
        "wall_seconds": tick["wall_seconds"],
        "projects_read": len(tick["descended"]),
        "calls_by_endpoint": sim["calls"],
        "ticks": tick.get("ticks"),
    }


def s6_summary(raw):
    passes = [s6_pass_summary(dict(result)) for result in raw["passes"]]
    parallel = raw.get("parallel")
    if parallel:
        one = next((p for p in parallel["passes"] if p["sessions"] == 1), None)
        for figures in parallel["passes"]:
            figures["speed_ratio"] = figures["wall_seconds"] / one["wall_seconds"] if one else None
    return {"passes": passes, "parallel": parallel}


def s6_rows(s6):
    rows = []
    for p in s6["passes"]:
        name = f"S6 {p['mode']} {p['projects']}"
        u, c = p["unchanged"], p["changed"]
        rows += [
            (
                name,
                "tree: directories / elevations / trust after the first sync",
                f"{p['directories']} / {p['elevations']} / {p['trust']}",
            ),
            (
                name,
                "initial sync (not measured): wall s / sessions",
                f"{p['initial_seconds']:.0f} / {p['seed_sessions']}",
            ),
            (
                name,
                "unchanged pass: calls / logins / projects read (rotation share)",
                f"{u['calls']} / {u['logins']} / {u['projects_read']} ({p['rotation_share']})",
            ),
            (
                name,
                "unchanged pass: priced s at x1.0 / minimal s / ratio",
                f"{u['priced_seconds']:.1f} / {p['minimal_priced_seconds']:.1f} / {p['ratio']:.3f}",
            ),
            (name, "unchanged pass: Odoo side s", f"{u['odoo_seconds']:.2f}"),
            (
                name,
                "unchanged pass: minimal s reading every project / ratio",
                f"{p['full_read_priced_seconds']:.1f} / {p['full_read_ratio']:.3f}",
            ),
            (
                name,
                "1 % changed: elevations in Odoo after the pass",
                f"{p['changed_in_odoo']} of {p['changed_elevations']} ({p['changed_projects']} projects)",
            ),
            (
                name,
                "1 % changed: calls / projects read / priced s / plan s / ratio",
                f"{c['calls']} / {c['projects_read']} / {c['priced_seconds']:.1f} / "
                f"{p['changed_plan_priced_seconds']:.1f} / {p['changed_ratio']:.3f}",
            ),
            (name, "1 % changed: Odoo side s", f"{c['odoo_seconds']:.2f}"),
        ]
    parallel = s6["parallel"]
    if parallel:
        for figures in parallel["passes"]:
            name = f"S6 parallel {figures['sessions']}"
            ratio = f" ({figures['speed_ratio']:.3f} x 1 session)" if figures.get("speed_ratio") else ""
            load = figures.get("load_average")
            if load:
                ratio += f"; load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after"
            rows += [
                (name, f"{parallel['projects']} projects read: wall s", f"{figures['wall_seconds']:.1f}{ratio}"),
                (
                    name,
                    "most sessions open / logins / projects read (distinct)",
                    f"{figures['max_open_sessions']} / {figures['logins']} / {figures['projects_read']} "
                    f"({figures['distinct_projects_read']})",
                ),
            ]
    return rows


def s6_targets(s6):
    targets = []
    for p in s6["passes"]:
        if p["mode"] == "bump" and p["projects"] == max(q["projects"] for q in s6["passes"]):
            targets.append(
                (f"S6 bump {p['projects']} unchanged pass <= 1.10 x minimal", p["ratio"] <= 1.10, f"{p['ratio']:.3f}")
            )
        if p["mode"] == "no-bump":
            targets.append(
                (
                    f"S6 no-bump {p['projects']}: detected (trust) and no change missed",
                    p["trust"] == "distrusted" and p["changed_in_odoo"] == p["changed_elevations"],
                    f"{p['trust']}, {p['changed_in_odoo']} of {p['changed_elevations']}",
                )
            )
        targets.append(
            (
                f"S6 {p['mode']} {p['projects']}: every change in Odoo after the pass",
                p["changed_in_odoo"] == p["changed_elevations"],
                f"{p['changed_in_odoo']} of {p['changed_elevations']}",
            )
        )
    parallel = s6["parallel"]
    if parallel:
        four = next((f for f in parallel["passes"] if f["sessions"] == 4), None)
        if four and four.get("speed_ratio") is not None:
            targets.append(
                ("S6 parallel 4: wall <= 0.30 x 1 session", four["speed_ratio"] <= 0.30, f"{four['speed_ratio']:.2f}")
            )
            targets.append(
                (
                    "S6 parallel 4: <= 4 sessions open, each project once",
                    four["max_open_sessions"] <= 4
                    and four["projects_read"] == parallel["projects"] == four["distinct_projects_read"],
                    f"{four['max_open_sessions']} open, {four['projects_read']} read",
                )
            )
    return targets


def print_s6_only(raw, total):
    s6 = s6_summary(raw["s6"])
    rows = s6_rows(s6)
    width = max(len(r[1]) for r in rows)
    for scenario, metric, value in rows:
        print(f"{scenario:<18} {metric:<{width}}  {value}")
    print("\ntargets:")
    for label, met, value in s6_targets(s6):
        print(f"  {'met' if met else 'MISSED':<7} {label}: {value}")
    print(f"total {total:.0f} s")
    return s6


# ---------------------------------------------------------------------- figures
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def first_run(result):
    return result["runs"][0] if result["runs"] else {}


def reason_counts(results):
    """Each re-login reason with its count per repetition (median), e.g. {"409 refused ...": 16}."""
    per_rep = [Counter(reason for run in r["runs"] for reason in run["relogin_reasons"]) for r in results]
    reasons = sorted(set().union(*per_rep)) if per_rep else []
    return {reason: median([counts[reason] for counts in per_rep]) for reason in reasons}


def sync_summary(results, plan_seconds=None):
    """Medians of one Force Sync over repetitions (`results`: the per-repetition figures)."""
    calls = {}
    for result in results:
        for endpoint, count in result["sim"]["calls"].items():
            calls.setdefault(endpoint, []).append(count)
    summary = {
        "wall_seconds": median([r["wall_seconds"] for r in results]),
        "odoo_seconds": median([r["odoo_seconds"] for r in results]),
        "client_seconds": median([r["client_seconds"] for r in results]),
        "blocked_seconds": median([r["blocked_seconds"] for r in results]),
        "latency_seconds": median([r["sim"]["latency_seconds"] for r in results]),
        "logins": median([r["sim"]["logins"] for r in results]),
        "logouts": median([r["sim"]["logouts"] for r in results]),
        "api_calls": median([sum(r["sim"]["calls"].values()) for r in results]),
        "calls_by_endpoint": {endpoint: median(counts) for endpoint, counts in sorted(calls.items())},
        "parts_downloads": median([r["sim"]["parts_downloads"] for r in results]),
        "thumbnails": median([r["sim"]["thumbnails"] for r in results]),
        "max_open_sessions": max(r["sim"]["max_open_sessions"] for r in results),
        "run_states": sorted({run["state"] for r in results for run in r["runs"]}),
        "relogin_reasons": reason_counts(results),
        "changes": median([sum(run["changes"] for run in r["runs"]) for r in results]),
        "wall_seconds_each": [round(r["wall_seconds"], 3) for r in results],
    }
    if plan_seconds:
        summary["lower_bound_seconds"] = plan_seconds
        summary["ratio"] = summary["wall_seconds"] / plan_seconds
        summary["ratio_each"] = [round(r["wall_seconds"] / plan_seconds, 3) for r in results]
    if results and "data" in results[0]:
        summary["data"] = results[-1]["data"]
    return summary


def scale_summary(results, projects):
    syncs = [r["sync"] for r in results]
    elevations = syncs[0]["data"]["elevations"]
    summary = sync_summary(syncs)
    per_elevation = [s["odoo_seconds"] / max(s["data"]["elevations"], 1) for s in syncs]
    floor = [s["floor"]["sql_seconds"] + s["floor"]["parse_seconds"] for s in syncs]
    store = {}
    for sync in syncs:
        for name, seconds in sync["store_seconds"].items():
            store.setdefault(name, []).append(seconds)
    summary.update(
        {
            "projects": projects,
            "repetitions": len(syncs),
            "elevations": elevations,
            "ticks": median([s["ticks"] for s in syncs]),
            "odoo_ms_per_elevation": median(per_elevation) * 1000,
            "floor_sql_seconds": median([s["floor"]["sql_seconds"] for s in syncs]),
            "floor_parse_seconds": median([s["floor"]["parse_seconds"] for s in syncs]),
            "floor_seconds": median(floor),
            "floor_rows": syncs[-1]["floor"]["rows"],
            "floor_files": syncs[-1]["floor"]["files"],
            "floor_ratio": median([s["odoo_seconds"] / f for s, f in zip(syncs, floor, strict=True)]),
            "floor_ratio_sql_only": median([s["odoo_seconds"] / s["floor"]["sql_seconds"] for s in syncs]),
            "store_seconds": {name: median(values) for name, values in sorted(store.items())},
            "peak_rss_mb": median([s["peak_rss_mb"] for s in syncs]),
            "rss_before_mb": median([s["rss_before_mb"] for s in syncs]),
        }
    )
    return summary


def steady_summary(results, key):
    ticks = [tick for r in results for tick in r.get(key, [])]
    return sync_summary(ticks) if ticks else None


def changed_synced(results):
    """(ticks after which Odoo held the mutated elevation's new version, ticks)."""
    ticks = [tick for r in results for tick in r.get("changed_ticks", [])]
    return sum(bool(tick["mutated_version_synced"]) for tick in ticks), len(ticks)


def summarise(raw, args):
    plan = minimal_plan(generate_dataset("s1").expected())
    lower_bound = plan["nominal_seconds"] * args.latency_scale
    observed = [r["first"] for r in raw["observed"]]
    strict = [r["first"] for r in raw["strict"]]
    return {
        "latency_scale": args.latency_scale,
        "repetitions": args.reps,
        "plan": plan,
        "S1": sync_summary(observed, lower_bound),
        "S2": sync_summary(strict, lower_bound),
        "S3": sync_summary([r["again"] for r in raw["observed"]], lower_bound),
        "S4": scale_summary(raw["scale"], args.projects),
        "S4_small": scale_summary(raw["scale_small"], args.memory_projects),
        "S4_memory": {
            "projects": {
                args.memory_projects: median([r["sync"]["peak_rss_mb"] for r in raw["scale_small"]]),
                args.projects: median([r["sync"]["peak_rss_mb"] for r in raw["scale"]]),
            },
            "elevations": {
                args.memory_projects: raw["scale_small"][0]["sync"]["data"]["elevations"],
                args.projects: raw["scale"][0]["sync"]["data"]["elevations"],
            },
        },
        "S5_idle": steady_summary(raw["scale"], "idle_ticks"),
        "S5_changed": steady_summary(raw["scale"], "changed_ticks"),
        "S5_changed_synced": changed_synced(raw["scale"]),
        "S6": s6_summary(raw["s6"]),
    }


# ---------------------------------------------------------------------- report
def targets(summary):
    s1, s2, s3, s4 = summary["S1"], summary["S2"], summary["S3"], summary["S4"]
    memory = summary["S4_memory"]["projects"]
    small, large = sorted(memory)
    return [
        ("S1 logins = 1", s1["logins"] == 1, f"{s1['logins']:g}"),
        ("S1 wall / lower bound <= 1.10", s1["ratio"] <= 1.10, f"{s1['ratio']:.3f}"),
        (
            "S3 no parts-list / thumbnail downloads",
            s3["parts_downloads"] == 0 and s3["thumbnails"] == 0,
            f"{s3['parts_downloads']:g} / {s3['thumbnails']:g}",
        ),
        ("S3 logins <= 1", s3["logins"] <= 1, f"{s3['logins']:g}"),
        ("S4 Odoo-side / floor <= 3", s4["floor_ratio"] <= 3, f"{s4['floor_ratio']:.2f}"),
        (
            f"S4 memory flat ({small} vs {large} projects, within 15 %)",
            memory[large] <= memory[small] * 1.15,
            f"{memory[small]:.0f} MB vs {memory[large]:.0f} MB",
        ),
        ("S2 logins (strict; reasons below)", None, f"{s2['logins']:g}"),
        *s6_targets(summary["S6"]),
    ]


def sync_rows(name, s):
    rows = [
        (name, "logins / logouts", f"{s['logins']:g} / {s['logouts']:g}"),
        (name, "API calls", f"{s['api_calls']:g}"),
        (name, "parts lists / thumbnails downloaded", f"{s['parts_downloads']:g} / {s['thumbnails']:g}"),
        (name, "wall s (median; each)", f"{s['wall_seconds']:.3f}  {s['wall_seconds_each']}"),
        (name, "simulated latency of the calls made s", f"{s['latency_seconds']:.3f}"),
        (
            name,
            "LogiKal calls s (any thread) / Odoo thread waiting on them s",
            f"{s['client_seconds']:.3f} / {s['blocked_seconds']:.3f}",
        ),
        (name, "Odoo side (wall - waiting) s", f"{s['odoo_seconds']:.3f}"),
        (name, "records written (created+updated+archived)", f"{s['changes']:g}"),
    ]
    if "ratio" in s:
        rows.insert(
            4,
            (
                name,
                "lower bound s / ratio wall:lower bound",
                f"{s['lower_bound_seconds']:.3f} / {s['ratio']:.3f}  {s['ratio_each']}",
            ),
        )
    return rows


def table_rows(summary):
    rows = []
    for name in ("S1", "S2", "S3"):
        rows += sync_rows(name, summary[name])
    rows += scale_rows(f"S4 {summary['S4']['projects']} proj", summary["S4"])
    rows += scale_rows(f"S4 {summary['S4_small']['projects']} proj", summary["S4_small"])
    rows.append(
        (
            "S4",
            "peak RSS of the Odoo process MB (by projects)",
            ", ".join(f"{p}: {mb:.0f}" for p, mb in summary["S4_memory"]["projects"].items()),
        )
    )
    for key, label in (("S5_idle", "S5 nothing due"), ("S5_changed", "S5 one changed")):
        s = summary[key]
        rows.append(
            (
                label,
                "API calls / logins / downloads (parts, thumbs)",
                f"{s['api_calls']:g} / {s['logins']:g} / {s['parts_downloads']:g}, {s['thumbnails']:g}",
            )
        )
        rows.append((label, "wall s", f"{s['wall_seconds']:.3f}  {s['wall_seconds_each']}"))
    synced, ticks = summary["S5_changed_synced"]
    rows.append(("S5 one changed", "changed elevation's new version in Odoo after the tick", f"{synced} of {ticks}"))
    rows += s6_rows(summary["S6"])
    return rows


def scale_rows(name, s4):
    return [
        (
            name,
            "repetitions / elevations (parsed / with thumbnail)",
            f"{s4['repetitions']} / {s4['elevations']} ({s4['data']['parsed']} / {s4['data']['with_thumbnail']})",
        ),
        (name, "cron ticks / API calls / logins", f"{s4['ticks']:g} / {s4['api_calls']:g} / {s4['logins']:g}"),
        (
            name,
            "wall s / LogiKal calls s / Odoo thread waiting s / Odoo side s",
            f"{s4['wall_seconds']:.1f} / {s4['client_seconds']:.1f} / {s4['blocked_seconds']:.1f} / "
            f"{s4['odoo_seconds']:.1f}",
        ),
        (name, "Odoo side per elevation ms", f"{s4['odoo_ms_per_elevation']:.2f}"),
        (name, "floor: plain COPY s + parse s", f"{s4['floor_sql_seconds']:.2f} + {s4['floor_parse_seconds']:.2f}"),
        (
            name,
            "ratio Odoo side : floor (COPY+parse) / : COPY only",
            f"{s4['floor_ratio']:.2f} / {s4['floor_ratio_sql_only']:.2f}",
        ),
        (name, "store steps s", ", ".join(f"{k} {v:.1f}" for k, v in s4["store_seconds"].items())),
    ]


def print_report(summary, machine, total):
    rows = table_rows(summary)
    width = max(len(r[1]) for r in rows)
    print(f"\nlatency profile x{summary['latency_scale']:g}, {summary['repetitions']} repetitions, medians")
    for scenario, metric, value in rows:
        print(f"{scenario:<15} {metric:<{width}}  {value}")
    print("\nS1 calls by endpoint:", json.dumps(summary["S1"]["calls_by_endpoint"]))
    print("S2 re-login reasons:", json.dumps(summary["S2"]["relogin_reasons"]) or "none")
    print("\ntargets:")
    for label, met, value in targets(summary):
        status = "info" if met is None else ("met" if met else "MISSED")
        print(f"  {status:<7} {label}: {value}")
    print(
        f"\nmachine: {machine['cores']} cores, {machine['memory_gb']:.1f} GB; commit {machine['commit']}; "
        f"total {total:.0f} s"
    )


def print_s1_only(raw, args, total):
    plan = minimal_plan(generate_dataset("s1").expected())
    lower_bound = plan["nominal_seconds"] * args.latency_scale
    print(f"\nlatency profile x{args.latency_scale:g}, {args.reps} repetitions, medians")
    for name, key in (("S1", "first"), ("S3", "again")):
        for scenario, metric, value in sync_rows(name, sync_summary([r[key] for r in raw["observed"]], lower_bound)):
            print(f"{scenario:<4} {metric:<62}  {value}")
    for rep, result in enumerate(raw["observed"], 1):
        commits = result["first"].get("commits")
        if commits:
            print(
                f"S1 repetition {rep}: commits on the Odoo thread: {commits['cheap']} cheap "
                f"({commits['cheap_seconds'] * 1000:.1f} ms in COMMIT), {commits['durable']} durable "
                f"({commits['durable_seconds'] * 1000:.1f} ms in COMMIT: {', '.join(commits.get('durable_from', []))})"
            )
        timeline = result["first"].get("timeline")
        if timeline:
            print(f"\nS1 repetition {rep}: call seconds above their simulated latency, by endpoint:")
            calls = result["first"]["sim"]["calls"]
            for endpoint, seconds in sorted(result["first"]["client_seconds_by_endpoint"].items()):
                simulated = LATENCY_PROFILE.get(endpoint, 0.0) * args.latency_scale * calls.get(endpoint, 0)
                print(
                    f"  {endpoint:<50} {calls.get(endpoint, 0):>3} calls {seconds:7.3f} s  (+{seconds - simulated:.3f})"
                )
            print(
                f"\nS1 repetition {rep}: wall {result['first']['wall_seconds']:.3f} s, {json.dumps(timeline, indent=1)}"
            )
    print(f"total {total:.0f} s")
    return 0


def print_s4_only(raw, args, total):
    summary = scale_summary(raw["scale_small"], args.projects)
    print(f"\nS4 at {args.projects} projects, {args.reps} repetitions, medians")
    for scenario, metric, value in scale_rows(f"S4 {args.projects} proj", summary):
        print(f"{scenario:<12} {metric:<62}  {value}")
    each = [1000 * r["sync"]["odoo_seconds"] / max(r["sync"]["data"]["elevations"], 1) for r in raw["scale_small"]]
    print(f"per repetition ms/elevation: {[round(ms, 2) for ms in each]}")
    print(f"total {total:.0f} s")
    return 0


def machine_info():
    with open("/proc/meminfo") as handle:
        mem_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT
    )
    with open("/proc/cpuinfo") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    return {
        "cores": os.cpu_count(),
        "memory_gb": mem_kb / 1024 / 1024,
        "cpu": cpu,
        "commit": commit.stdout.strip() + (" (+ uncommitted changes)" if dirty.stdout.strip() else ""),
        "python": platform.python_version(),
    }


def write_markdown(summary, machine, total, path):
    notes = ""
    if os.path.exists(path):
        with open(path) as handle:
            text = handle.read()
        if NOTES_START in text and NOTES_END in text:
            notes = text[text.index(NOTES_START) : text.index(NOTES_END) + len(NOTES_END)]
    notes = notes or f"{NOTES_START}\n{NOTES_END}"
    plan = summary["plan"]
    lines = [
        "# Benchmark results (`make bench`)",
        "",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · machine: {machine['cores']} cores, "
        f"{machine['memory_gb']:.1f} GB RAM ({machine['cpu']}) · commit {machine['commit']} · "
        f"`make bench` total {total / 60:.1f} min.",
        "",
        f"Latency profile of logikal-api.md §1.9 (logikal_sim/server.py `LATENCY_PROFILE`) scaled "
        f"×{summary['latency_scale']:g} for S1-S3, ×0 for S4-S5; {summary['repetitions']} repetitions, medians "
        "(each repetition in a fresh Odoo process against a fresh simulator process).",
        f"Lower bound (S1-S3): the one-session minimal call plan of the S1 tree, {plan['calls']} calls, "
        f"{plan['nominal_seconds']:.2f} s nominal = {plan['nominal_seconds'] * summary['latency_scale']:.3f} s "
        f"at ×{summary['latency_scale']:g}.",
        "",
        "| scenario | metric | value |",
        "|---|---|---|",
    ]
    lines += [f"| {s} | {m} | {v} |" for s, m, v in table_rows(summary)]
    lines += [
        "",
        "S1 calls by endpoint (median): "
        + ", ".join(f"`{k}` {v:g}" for k, v in summary["S1"]["calls_by_endpoint"].items()),
        "",
    ]
    reasons = summary["S2"]["relogin_reasons"]
    lines += [
        "S2 re-login reasons (count per sync, median): "
        + ("; ".join(f"{count:g} × {reason}" for reason, count in reasons.items()) or "none"),
        "",
    ]
    lines += ["## Targets", "", "| target | value | status |", "|---|---|---|"]
    for label, met, value in targets(summary):
        lines.append(f"| {label} | {value} | {'info' if met is None else ('met' if met else '**missed**')} |")
    lines += ["", "## Notes", "", notes, ""]
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--latency-scale", type=float, default=0.1)
    parser.add_argument("--projects", type=int, default=200, help="S4/S5 size (x 3 phases x 10 elevations)")
    parser.add_argument("--memory-projects", type=int, default=50, help="second S4 size for the memory curve")
    parser.add_argument(
        "--scale-reps",
        type=int,
        default=1,
        help="S4 repetitions at --projects (each one a full initial sync; S5 repeats --reps times inside each)",
    )
    parser.add_argument("--memory-reps", type=int, default=3, help="S4 repetitions at --memory-projects")
    parser.add_argument("--no-write", action="store_true", help="print only; keep results.json and RESULTS.md")
    parser.add_argument(
        "--only-s4",
        action="store_true",
        help="S4 only at --projects (e.g. --projects 20), --reps times, printed, nothing written",
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="cProfile each Odoo-side repetition into PATH.<scenario>.<pid> (pstats format)",
    )
    parser.add_argument(
        "--only-s1", action="store_true", help="S1 and S3 only, printed, nothing written (e.g. with --latency-scale 1)"
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="sample the Odoo thread each ms: the time no LogiKal call is in flight, by addon function (S1)",
    )
    parser.add_argument("--only-s6", action="store_true", help="S6 only, printed (and bench/results_s6.json)")
    parser.add_argument("--s6-sizes", type=_int_list, default=[100, 500, 1000], help="S6 tree sizes (projects)")
    parser.add_argument("--s6-modes", type=_mode_list, default=["bump", "no-bump"], help="bump,no-bump")
    parser.add_argument("--s6-parallel-projects", type=int, default=500)
    parser.add_argument("--s6-sessions", type=_int_list, default=[1, 2, 4], help="parallel sessions to measure")
    parser.add_argument("--s6-parallel-latency", type=float, default=0.1, help="latency scale of parallel passes")
    parser.add_argument(
        "--s6-seed-sessions",
        type=int,
        default=3,
        help="sessions (Odoo processes) of each tree's initial sync, which is not measured (default 3)",
    )
    parser.add_argument(
        "--fsync-off",
        action="store_true",
        help="measure on the test cluster (fsync=off) instead of one with PostgreSQL's default durability",
    )
    return parser.parse_args(argv)


def _int_list(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("every number must be at least 1")
    return values


def _mode_list(text):
    modes = [part.strip() for part in text.split(",") if part.strip()]
    if not modes or set(modes) - {"bump", "no-bump"}:
        raise argparse.ArgumentTypeError(f"expected bump and/or no-bump, got {text!r}")
    return modes


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    bench = Bench(args)
    devenv.say(f"benchmark database {bench.database}; latency scale {args.latency_scale:g}; {args.reps} repetitions")
    try:
        devenv.say(f"installed logikal_connector in {bench.install():.0f} s")
        raw = bench.run()
    finally:
        bench.drop()
    total = time.monotonic() - started
    if args.only_s1:
        return print_s1_only(raw, args, total)
    if args.only_s4:
        return print_s4_only(raw, args, total)
    if args.only_s6:
        s6 = print_s6_only(raw, total)
        for problem in bench.problems:
            print("problem:", problem)
        if not args.no_write:
            with open(os.path.join(BENCH, "results_s6.json"), "w") as handle:
                json.dump({"S6": s6, "raw": without_datasets(raw)}, handle, indent=1, default=str)
            print("wrote bench/results_s6.json")
        return 1 if bench.problems else 0
    summary = summarise(raw, args)
    machine = machine_info()
    summary.update({"machine": machine, "total_seconds": total, "problems": bench.problems})
    print_report(summary, machine, total)
    for problem in bench.problems:
        print("problem:", problem)
    if not args.no_write:
        with open(os.path.join(BENCH, "results.json"), "w") as handle:
            json.dump({"summary": summary, "raw": raw}, handle, indent=1, default=str)
        write_markdown(summary, machine, total, os.path.join(BENCH, "RESULTS.md"))
        print("wrote bench/results.json and bench/RESULTS.md")
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
