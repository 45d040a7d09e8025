"""MBIOE (Orgadata LogiKal REST) simulator — standard library only; used by tests, the demo and benchmarks.

    from logikal_sim import Simulator, generate_dataset
    with Simulator(generate_dataset("small"), mode="observed") as sim:
        base_url = sim.base_url          # http://127.0.0.1:PORT/api/v3
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
