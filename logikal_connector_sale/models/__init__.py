from . import res_company
from . import res_config_settings
from . import product_template
from . import logikal_project
from . import logikal_sync_request
from . import sale_order
from . import sale_order_line
