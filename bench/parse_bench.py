#!/usr/bin/env python3
"""Parts-list benchmark: build and parse times for the simulator's "real" (~1 MB) and "small" files.

    python3 bench/parse_bench.py [-n 30] [--elevations 5]

Prints one table (median and p90 over N runs per elevation, in milliseconds); no assertions.
"""

import argparse
import base64
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # logikal_sim and the pure package logikal_connector.logikal

from logikal_connector.logikal.partslist import decode_parts_payload, parse_parts_list  # noqa: E402
from logikal_sim.partsdb import build_parts_db  # noqa: E402

PROJECT = {"id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c", "name": "DOS22309"}
PHASE = {"id": "00000000-0000-0000-0000-000000000000", "name": "Posities zonder levering"}
SYSTEMS = ("Reynaers MasterLine 8", "Reynaers ConceptPatio 130-LS", "Schüco AWS 75.SI+")


def elevations(count):
    """Elevations from 0.6 m x 0.6 m to 6 m x 3 m, so the "real" files span their 0.7-1.7 MB range."""
    result = []
    for index in range(count):
        share = index / max(count - 1, 1)
        result.append(
            {
                "id": f"ab000000-0000-4000-8000-{index:012d}",
                "name": f"P{index + 1:02d}",
                "systemDescription": SYSTEMS[index % len(SYSTEMS)],
                "width": 600 + share * 5400,
                "height": 600 + share * 2400,
                "surfaceOfBaseElement": {"name": "RAL 7016"},
            }
        )
    return result


def timed(function, runs):
    """Milliseconds of each of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p90(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def measure(profile, variant, elevation_list, runs):
    sizes, build, parse, decode_parse = [], [], [], []
    for elevation in elevation_list:
        data = build_parts_db(PROJECT, PHASE, elevation, profile=profile, variant=variant)
        encoded = base64.b64encode(data)
        sizes.append(len(data))
        build += timed(lambda e=elevation: build_parts_db(PROJECT, PHASE, e, profile=profile, variant=variant), runs)
        parse += timed(lambda d=data, e=elevation: parse_parts_list(d, elevation_id=e["id"]), runs)
        decode_parse += timed(
            lambda b=encoded, e=elevation: parse_parts_list(decode_parts_payload(b), elevation_id=e["id"]),
            runs,
        )
    return sizes, build, parse, decode_parse


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=30, help="runs per file (default 30)")
    parser.add_argument("--elevations", type=int, default=5, help="distinct elevations per profile (default 5)")
    args = parser.parse_args(argv)
    elevation_list = elevations(args.elevations)
    print(
        f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}, "
        f"{args.elevations} elevations x {args.runs} runs each; times in ms"
    )
    header = (
        f"{'profile':<8} {'variant':<11} {'size KB (min-max)':>18} {'build med/p90':>15} "
        f"{'parse med/p90':>15} {'b64+parse med/p90':>19}"
    )
    print(header)
    print("-" * len(header))
    for profile in ("real", "small"):
        for variant in ("production", "legacy"):
            sizes, build, parse, decode_parse = measure(profile, variant, elevation_list, args.runs)
            size = f"{min(sizes) / 1024:.0f}-{max(sizes) / 1024:.0f}"
            print(
                f"{profile:<8} {variant:<11} {size:>18} {_pair(build):>15} {_pair(parse):>15} {_pair(decode_parse):>19}"
            )
    return 0


def _pair(samples):
    return f"{statistics.median(samples):.2f}/{p90(samples):.2f}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
