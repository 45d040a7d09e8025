from . import test_sync
from . import test_security
from . import test_input_validation
from . import test_reliability
from . import test_tours
from . import test_scheduler
from . import test_sync_truth
from . import test_tour_elevation_force_sync
