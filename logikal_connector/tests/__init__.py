from . import test_sync
from . import test_reliability
