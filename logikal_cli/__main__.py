"""`python3 -m logikal_cli ...` from the repository root: the same as `./logikal ...`."""

import sys

from . import main

try:
    sys.exit(main())
except KeyboardInterrupt:
    sys.exit(130)
