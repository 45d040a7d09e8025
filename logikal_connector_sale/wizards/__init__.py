from . import logikal_import_wizard
