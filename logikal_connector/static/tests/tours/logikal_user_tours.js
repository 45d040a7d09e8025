/** @odoo-module **/

import { registry } from "@web/core/registry";
import { currentSyncState, openAppSteps, pressForceSyncSteps, searchSteps } from "@logikal_connector/../tests/tours/tour_steps";

const tours = registry.category("web_tour.tours");

function openProject(name) {
    return [
        ...openAppSteps(),
        {
            content: "Projects open as a kanban of cards with thumbnails",
            trigger: ".o_kanban_view .o_kanban_record img",
        },
        {
            content: "Configuration is for managers only",
            trigger: '.o_menu_sections:has([data-menu-xmlid="logikal_connector.logikal_menu_monitoring"]):not(:has([data-menu-xmlid="logikal_connector.logikal_menu_configuration"]))',
        },
        ...searchSteps(name),
        {
            content: "Open the project",
            trigger: `.o_kanban_view .o_kanban_record:contains("${name}")`,
            run: "click",
        },
        {
            content: "The project form shows its phases",
            trigger: '.o_form_view .o_notebook a:contains("Phases")',
        },
    ];
}

tours.add("logikal_user_force_sync_queued", {
    url: "/odoo",
    steps: () => [
        ...openProject("Tour Project"),
        {
            content: "The project was synced once",
            trigger: currentSyncState("Synced"),
        },
        {
            content: "Synced data is read-only",
            trigger: ".o_form_view:not(:has(div[name=job_number] input))",
        },
        ...pressForceSyncSteps(),
        {
            content: "The project shows it is queued",
            trigger: currentSyncState("Queued"),
        },
        {
            content: "Force Sync is hidden while it waits",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_force_sync]))",
        },
    ],
});

tours.add("logikal_user_force_sync_done", {
    url: "/odoo",
    steps: () => [
        ...openProject("Tour Project revised"),
        {
            content: "The forced sync is done",
            trigger: currentSyncState("Synced"),
        },
        {
            content: "The new name from LogiKal is shown",
            trigger: '.o_form_view .oe_title h1:contains("Tour Project revised")',
        },
        {
            content: "Force Sync is offered again",
            trigger: ".o_form_view .o_form_statusbar button[name=action_force_sync]",
        },
        {
            content: "Open the project's sync runs",
            trigger: ".o_form_view button[name=action_view_runs]",
            run: "click",
        },
        {
            content: "The Force Sync run is listed as done",
            trigger: '.o_list_view .o_data_row:has(td[name=trigger]:contains("Force Sync")) td[name=state]:contains("Done")',
        },
    ],
});

tours.add("logikal_user_parts_list_error", {
    url: "/odoo",
    steps: () => [
        ...openProject("Tour Project"),
        {
            content: "The project shows one error",
            trigger: '.o_form_view button[name=action_view_errors] .o_stat_value:contains("1")',
        },
        {
            content: "Open the errors",
            trigger: ".o_form_view button[name=action_view_errors]",
            run: "click",
        },
        {
            content: "Open the broken elevation",
            trigger: '.o_kanban_view .o_kanban_record:contains("Broken Elevation")',
            run: "click",
        },
        {
            content: "A red banner says why the parts list could not be read",
            trigger: '.o_form_view .alert-danger:contains("The parts list could not be read"):contains("SQLite")',
        },
        {
            content: "The parse state says Error",
            trigger: '.o_form_view div[name=parse_state] .badge:contains("Error")',
        },
        {
            content: "The thumbnail is still shown",
            trigger: ".o_form_view div[name=image_1920] img",
        },
    ],
});
