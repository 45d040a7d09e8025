/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openAppSteps } from "@logikal_connector/../tests/tours/tour_steps";

const tours = registry.category("web_tour.tours");

function openConfigurationMenu(menuXmlid, description) {
    return [
        ...openAppSteps(),
        {
            content: "Open the Configuration menu",
            trigger: '.o_menu_sections [data-menu-xmlid="logikal_connector.logikal_menu_configuration"]',
            run: "click",
        },
        {
            content: description,
            trigger: `.dropdown-item[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

function intervalRow(label) {
    return `.o_data_row:has(td[name=object_type]:contains("${label}"))`;
}

function notification(kind, text) {
    return `.o_notification:has(.o_notification_bar.bg-${kind}):contains("${text}")`;
}

tours.add("logikal_admin_sync_intervals", {
    url: "/odoo",
    steps: () => [
        ...openConfigurationMenu("logikal_connector.logikal_menu_sync_configs", "Open Sync Intervals"),
        {
            content: "The five object types are listed",
            trigger: ".o_list_view .o_data_row:eq(4) td[name=object_type]",
        },
        {
            content: "Edit the Projects interval",
            trigger: `${intervalRow("Projects")} td[name=sync_interval_minutes]`,
            run: "click",
        },
        {
            content: "Projects every 45 minutes",
            trigger: `${intervalRow("Projects")}.o_selected_row td[name=sync_interval_minutes] input`,
            run: "edit 45",
        },
        {
            content: "Save the row",
            trigger: ".o_list_button_save:enabled",
            run: "click",
        },
        {
            content: "The row is saved",
            trigger: `${intervalRow("Projects")}:not(.o_selected_row) td[name=sync_interval_minutes]:contains("45")`,
        },
        {
            content: "Disable parts lists",
            trigger: `${intervalRow("Parts lists")} td[name=is_sync_enabled] .o_boolean_toggle input:checked`,
            run: "click",
        },
        {
            content: "Parts lists are disabled and the row is greyed out",
            trigger: `${intervalRow("Parts lists")}.text-muted td[name=is_sync_enabled] .o_boolean_toggle input:not(:checked)`,
        },
        {
            content: "Nothing is left unsaved",
            trigger: ".o_list_view:not(:has(.o_selected_row))",
        },
    ],
});

tours.add("logikal_admin_test_connection", {
    url: "/odoo",
    steps: () => [
        ...openConfigurationMenu("logikal_connector.logikal_menu_backends", "Open Connections"),
        {
            content: "Open the simulator connection",
            trigger: '.o_data_row td[name=name]:contains("Simulator")',
            run: "click",
        },
        {
            content: "The password is stored, never shown",
            trigger: '.o_form_view .o_row:has(div[name=password_input] input[type=password]) .badge:contains("Stored")',
        },
        {
            content: "Test the connection",
            trigger: ".o_form_view button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "A green notification says it worked",
            trigger: notification("success", "Connected to"),
        },
        {
            content: "Close it",
            trigger: `${notification("success", "Connected to")} .o_notification_close`,
            run: "click",
        },
        {
            content: "Point the connection at a closed port",
            trigger: ".o_form_view div[name=url] input",
            run: "edit http://127.0.0.1:9/api/v3",
        },
        {
            content: "Test again (the form is saved first)",
            trigger: ".o_form_view button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "A red notification says why it failed",
            trigger: notification("danger", "Connection failed"),
        },
        {
            content: "The failure stays until it is read",
            trigger: `${notification("danger", "Connection failed")} .o_notification_close`,
            run: "click",
        },
    ],
});
