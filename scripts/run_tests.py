"""`make test`: the Odoo-free suite, then (when Odoo 18 is found) the addon's tests in a throw-away database.

Ends with one line: `summary: odoo-free N passed; odoo N passed; tours N passed; reliability N passed` (or
`odoo SKIPPED (...)`); the reliability checks (scripts/reliability.py) run after the whole Odoo suite only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv
import odoo_setup

TEST_START = re.compile(r"odoo\.addons\.logikal_connector\w*\.tests\.(\w+): Starting (\w+)\.(\w+)")
TEST_RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): (.*)$")
TOUR_MODULE_PREFIX = "test_tour"  # test_tours.py, test_tours_sale.py, ...: counted as browser tours
ADDONS = [
    name for name in ("logikal_connector", "logikal_connector_sale") if os.path.isdir(os.path.join(devenv.ROOT, name))
]
DEFAULT_TAGS = ",".join(f"/{name}" for name in ADDONS)


def run_pure_suite(python, extra):
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(devenv.ROOT, "tests"), *extra]
    result = subprocess.run(cmd, cwd=devenv.ROOT, capture_output=True, text=True)
    sys.stdout.write(result.stdout[-6000:])
    sys.stderr.write(result.stderr[-3000:])
    passed = _count(r"(\d+) passed", result.stdout)
    failed = _count(r"(\d+) failed", result.stdout) + _count(r"(\d+) errors?", result.stdout)
    ok = result.returncode == 0 or (result.returncode == 5 and not failed)
    return ok, f"odoo-free {passed} passed" + (f", {failed} failed" if failed else "")


def _count(pattern, text):
    found = re.findall(pattern, text)
    return int(found[-1]) if found else 0


CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")


def ensure_chromium():
    """The tours need headless Chromium: install Debian's `chromium` when missing and we are root."""
    if any(shutil.which(name) for name in CHROME_NAMES):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        devenv.say("Chromium not found: installing Debian's chromium for the browser tours (apt-get)")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=False,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            **quiet,
        )
        if any(shutil.which(name) for name in CHROME_NAMES):
            return True
    devenv.say("Chromium not found (install it with `apt-get install chromium`): the browser tours are SKIPPED")
    return False


def run_odoo_suite(test_tags):
    """The Odoo suite; stops the private PostgreSQL cluster afterwards when this run started it."""
    found = odoo_setup.ensure_odoo()
    if not found:
        return True, "odoo SKIPPED (Odoo 18 not found and not set up: see the line above; README: Odoo 18)"
    ensure_chromium()
    db_args, pg_started = devenv.ensure_postgres()
    try:
        return _run_odoo_suite(test_tags, *found, db_args)
    finally:
        if pg_started:
            devenv.stop_private_cluster()
            devenv.say("stopped the PostgreSQL cluster this run started")


def _run_odoo_suite(test_tags, python, source, db_args):
    database = f"logikal_test_{os.getpid()}_{int(time.time())}"
    data_dir = os.path.join(devenv.ROOT, ".run", "testdata")
    os.makedirs(data_dir, exist_ok=True)
    cmd = [
        python,
        "-m",
        "odoo",
        "-d",
        database,
        *db_args,
        f"--addons-path={devenv.odoo_addons_path(source)}",
        f"--data-dir={data_dir}",
        "-i",
        ",".join(ADDONS),
        "--test-enable",
        f"--test-tags={test_tags}",
        "--stop-after-init",
        "--without-demo=all",
        "--log-level=info",
        "--http-interface=127.0.0.1",
        f"--http-port={devenv.free_port()}",
        "--max-cron-threads=0",
    ]
    devenv.say(f"running the Odoo suite in database {database}")
    try:
        log = _stream(cmd)
    finally:
        devenv.drop_database(db_args, database, python)
    log_path = os.path.join(devenv.ROOT, ".run", f"{database}.log")
    with open(log_path, "w") as handle:
        handle.write("\n".join(log) + "\n")
    devenv.say(f"full Odoo log: {log_path}")
    ok, summary = _judge_odoo_log(log)
    if test_tags != DEFAULT_TAGS:
        return ok, summary
    reliability_ok, reliability_summary = run_reliability(log_path)
    return ok and reliability_ok, f"{summary}; {reliability_summary}"


def run_reliability(odoo_log):
    """scripts/reliability.py (kill/restart and two-server checks); its last line is the summary."""
    result = subprocess.run(
        [sys.executable, os.path.join(devenv.ROOT, "scripts", "reliability.py"), "--odoo-log", odoo_log],
        capture_output=True,
        text=True,
    )
    sys.stdout.write(result.stdout[-4000:] + result.stderr[-2000:])
    summary = [line for line in result.stdout.splitlines() if line.startswith("reliability ")]
    return result.returncode == 0, summary[-1] if summary else f"reliability FAILED (exit {result.returncode})"


def _stream(cmd):
    lines = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if _worth_showing(line):
                sys.stdout.write(line)
    return lines


def _worth_showing(line):
    return any(
        word in line
        for word in (
            " ERROR ",
            " WARNING ",
            " CRITICAL ",
            "FAIL:",
            "odoo.tests.result",
            "odoo.tests.stats",
            "Traceback",
        )
    )


def _judge_odoo_log(lines):
    tests = {"odoo": 0, "tours": 0}
    problems = []
    result = None
    for line in lines:
        start = TEST_START.search(line)
        if start:
            tests["tours" if start.group(1).startswith(TOUR_MODULE_PREFIX) else "odoo"] += 1
        if TEST_RESULT.search(line):
            result = TEST_RESULT.search(line)
        problems += _problem(line)
    failed = int(result.group(1)) + int(result.group(2)) if result else 0
    if result is None and not any(tests.values()):
        problems.append("no Odoo test ran (install failed?)")
    elif result is None:
        problems.append("the Odoo suite did not finish (no odoo.tests.result line: killed or hung?)")
    ok = not failed and not problems
    for problem in problems[:20]:
        devenv.say(f"  problem: {problem}")
    summary = f"odoo {tests['odoo']} passed; tours {tests['tours']} passed"
    if not ok:
        summary = f"odoo FAILED ({failed} failed tests, {len(problems)} log problems; {tests} started)"
    return ok, summary


def _problem(line):
    match = LOG_LINE.match(line)
    if not match:
        return []
    level, logger, message = match.groups()
    if level in ("ERROR", "CRITICAL"):
        return [f"{logger}: {message[:300]}"]
    if level == "WARNING" and logger != "odoo.tests.result" and ("logikal" in logger or "logikal" in message):
        return [f"{logger}: {message[:300]}"]
    return []


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the Odoo-free suite")
    parser.add_argument(
        "--odoo-tags",
        default=DEFAULT_TAGS,
        help="Odoo --test-tags (the default, the whole suite, also runs scripts/reliability.py)",
    )
    parser.add_argument("--skip-odoo", action="store_true")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    pure_ok, pure_summary = run_pure_suite(args.python, args.pytest_args)
    odoo_ok, odoo_summary = (True, "odoo SKIPPED (--skip-odoo)") if args.skip_odoo else run_odoo_suite(args.odoo_tags)
    devenv.say(f"summary: {pure_summary}; {odoo_summary}")
    return 0 if pure_ok and odoo_ok else 1


if __name__ == "__main__":
    sys.exit(main())
