"""MBIOE (Orgadata LogiKal REST) simulator — standard library only; used by tests, the demo and benchmarks.

    from logikal_sim import Simulator, generate_dataset
    with Simulator(generate_dataset("small"), mode="observed") as sim:
        base_url = sim.base_url  # http://127.0.0.1:PORT/api/v3; control API: sim.root_url + "/_sim/"

Modes (per-token cursor root -> directory -> project -> phase -> elevation):
- lenient: every valid move; a directory can be selected from any level, project -> project in the same
  directory works.
- observed (default): selecting a directory below directory level -> 409 "...isn't valid in the current
  mapping."; selecting a project below directory level -> 405; GET /directories below directory level moves
  the cursor back to the project's directory and lists its children (the cheap escape). Phase -> phase,
  elevation -> sibling elevation and elevation -> other phase of the same project are allowed.
- strict: observed + after an elevation select every further select on that token -> 409, and a directory
  can only be selected when it is a root or its parent is the current directory or one of its ancestors.
Everywhere: 405 when the level is too shallow, 404 for a path/GUID that is missing or not in the current
parent, 409 for locked projects, 401 for unknown/expired tokens, POST /auth over max_sessions -> 409.

Counters beyond docs/internal-api.md: expired_sessions, injected_errors and nominal_latency_seconds (the
unscaled §1.9 profile sum; latency_seconds is what was actually slept = nominal x latency_scale).
Faults: `hang` accepts {"endpoint": "GET /x", "seconds": s} or {"GET /x": s}; endpoint keys may omit the
method ("/x"). A hang or latency delays the answer after the request took effect.
Date rules of mutations: see logikal_sim.dataset.
"""

from .dataset import DatasetError, NotFound, generate_dataset
from .server import MODES, Simulator

DATASETS = {
    "small": "tests: 9 directories (3 roots, 3 levels, empty ones), 6 projects, 11 phases, 31 elevations",
    "s1": "benchmark: 'Demo Odoo' / DOS22309, default phase with 13 elevations + 'Fase 1' with 4",
    "demo": "make run: 6 directories, 8 projects, 17 phases, 80 elevations with realistic names",
    "scale": "volume: dirs=10, projects=200, phases=3, elevations=10 per phase (6,000), built lazily",
}

__all__ = ["DATASETS", "MODES", "DatasetError", "NotFound", "Simulator", "build_parts_db", "generate_dataset"]


def __getattr__(name):
    if name == "build_parts_db":  # lazy: partsdb is written separately and is the only heavy module
        from .partsdb import build_parts_db

        return build_parts_db
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
