from . import test_import
from . import test_reimport
from . import test_update
from . import test_access
from . import test_tour_sale
from . import test_translations
