from . import sale_logikal_import_wizard
