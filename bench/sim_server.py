#!/usr/bin/env python3
"""The simulator in its own process for the benchmarks (so its work never shares Odoo's GIL).

    LOGIKAL_BENCH_PASSWORD=... python3 bench/sim_server.py '{"dataset": "scale", "projects": 50, "latency_scale": 0.1}'

The password comes from the environment (never from the command line, which `ps` shows).

With "warm": true every thumbnail and parts list is fetched once at zero latency before the line is printed
and the counters are reset: the simulator builds each SQLite file on first request (~150 ms for a "real"
file, a simulator artefact a LogiKal server does not have), and a warm cache keeps that out of the figures.

Prints one JSON line {"base_url", "root_url", "counts"} once it listens, then serves until stdin closes
(the parent process ends or closes the pipe) or it is terminated.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # logikal_sim and the pure package logikal_connector.logikal

from logikal_connector.logikal import LogikalClient, LogikalSession  # noqa: E402
from logikal_sim import Simulator, generate_dataset  # noqa: E402

SIM_KEYS = ("mode", "latency_scale", "username")
PASSWORD_VARIABLE = "LOGIKAL_BENCH_PASSWORD"


def build(spec):
    spec = dict(spec)
    warm = spec.pop("warm", False)
    options = {key: spec.pop(key) for key in SIM_KEYS if key in spec}
    options["password"] = os.environ[PASSWORD_VARIABLE]
    dataset = generate_dataset(spec.pop("dataset"), **spec)
    return dataset, Simulator(dataset, **options), warm


def warm_up(simulator):
    """Fetch every thumbnail and parts list once at zero latency, then forget the calls."""
    scale = simulator.latency_scale
    simulator.configure(latency_scale=0.0, mode="lenient")
    expected = simulator.expected()
    with LogikalSession(LogikalClient(simulator.base_url), simulator.username, simulator.password) as session:
        for elevation in expected["elevations"]:
            project = next(p for p in expected["projects"] if p["id"] == elevation["project"])
            address = (project["directory"], elevation["project"], elevation["phase"], elevation["id"])
            session.thumbnail(*address)
            session.parts_list(*address)
    return scale


def main(argv):
    dataset, simulator, warm = build(json.loads(argv[1]))
    mode = simulator.mode
    simulator.start()
    if warm:
        simulator.configure(latency_scale=warm_up(simulator), mode=mode)
    simulator.reset_counters()
    print(
        json.dumps({"base_url": simulator.base_url, "root_url": simulator.root_url, "counts": dataset.counts()}),
        flush=True,
    )
    try:
        while sys.stdin.read(4096):
            pass
    except (ValueError, OSError):
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
