/** @odoo-module **/

import { registry } from "@web/core/registry";
import { currentSyncState, openAppSteps, pressForceSyncSteps, searchSteps } from "@logikal_connector/../tests/tours/tour_steps";

const tours = registry.category("web_tour.tours");
const NAME = "Broken Elevation";

function elevationRow() {
    return `.o_list_view .o_data_row:has(td[name=name]:contains("${NAME}"))`;
}

function openElevationList() {
    return [
        ...openAppSteps(),
        {
            content: "Open the elevations",
            trigger: '.o_menu_sections [data-menu-xmlid="logikal_connector.logikal_menu_elevations"]',
            run: "click",
        },
        {
            content: "The elevations open",
            trigger: '.o_last_breadcrumb_item:contains("Elevations")',
        },
        {
            content: "Show them as a list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The elevations are listed with their sync state and last sync date",
            trigger: ".o_list_view:has(th[data-name=last_sync_date]) .o_data_row td[name=sync_state]",
        },
        ...searchSteps(NAME),
    ];
}

tours.add("logikal_user_elevation_failed_force_sync", {
    url: "/odoo",
    steps: () => [
        ...openElevationList(),
        {
            content: "The list says the elevation failed",
            trigger: `${elevationRow()} td[name=sync_state]:contains("Failed")`,
        },
        {
            content: "Open the failed elevation",
            trigger: `${elevationRow()} td[name=name]`,
            run: "click",
        },
        {
            content: "Its status bar says Failed",
            trigger: currentSyncState("Failed"),
        },
        {
            content: "A red banner says why",
            trigger: '.o_form_view .alert-danger:contains("Last sync failed"):contains("parts list")',
        },
        ...pressForceSyncSteps(),
        {
            content: "The elevation shows it is queued",
            trigger: currentSyncState("Queued"),
        },
    ],
});

tours.add("logikal_user_elevation_synced", {
    url: "/odoo",
    steps: () => [
        ...openElevationList(),
        {
            content: "The list says Synced",
            trigger: `${elevationRow()} td[name=sync_state]:contains("Synced")`,
        },
        {
            content: "The list shows the last sync date",
            trigger: `${elevationRow()} td[name=last_sync_date]:not(:empty)`,
        },
        {
            content: "Open the elevation",
            trigger: `${elevationRow()} td[name=name]`,
            run: "click",
        },
        {
            content: "Its status bar says Synced",
            trigger: currentSyncState("Synced"),
        },
        {
            content: "It shows when it was synced",
            trigger: '.o_form_view div[name=last_sync_line] div[name=last_sync_date]:not(:empty)',
        },
        {
            content: "No error is left",
            trigger: ".o_form_view:not(:has(.alert-danger))",
        },
        {
            content: "The parts list is parsed",
            trigger: '.o_form_view div[name=parse_state] .badge:contains("Parsed")',
        },
    ],
});
