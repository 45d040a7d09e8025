{
    "name": "LogiKal Connector – Sales",
    "summary": "Quotations from LogiKal projects: one section per phase, one priced line per elevation",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/logikal-connector/logikal_connector",
    "author": "logikal_connector contributors",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["sale_management", "logikal_connector"],
    "data": [
        "security/logikal_connector_sale_security.xml",
        "security/ir.model.access.csv",
        "data/product_category_data.xml",
        "wizards/sale_logikal_import_wizard_views.xml",
        "views/sale_order_views.xml",
        "views/logikal_project_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "logikal_connector_sale/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
