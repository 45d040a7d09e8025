/** @odoo-module **/

// Steps and selectors the LogiKal tours share (the tours import them from
// "@logikal_connector/../tests/tours/tour_steps"; this file is in web.assets_tests with them).

import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** Open the LogiKal app from the home menu. */
export function openAppSteps() {
    return stepUtils.goToAppSteps("logikal_connector.logikal_menu_root", "Open the LogiKal app");
}

/** The current step of a form's sync-state status bar. */
export function currentSyncState(label) {
    return `.o_form_view .o_statusbar_status .o_arrow_button_current:contains("${label}")`;
}

/** Search the current view for `name` and wait until the search is applied. */
export function searchSteps(name) {
    return [
        {
            content: `Search ${name}`,
            trigger: ".o_searchview_input",
            run: `edit ${name}`,
        },
        {
            content: "Search by name",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "The search is applied",
            trigger: `.o_searchview_facet:contains("${name}")`,
        },
    ];
}

/** Press Force Sync on the open form: the browser only queues the sync (the notification says so). */
export function pressForceSyncSteps() {
    return [
        {
            content: "Press Force Sync",
            trigger: ".o_form_view .o_form_statusbar button[name=action_force_sync]",
            run: "click",
        },
        {
            content: "The sync is queued for the background scheduler, not run in the browser",
            trigger: '.o_notification:contains("Sync queued")',
        },
    ];
}
