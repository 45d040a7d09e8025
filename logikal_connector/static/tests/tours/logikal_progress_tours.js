/** @odoo-module **/

import { registry } from "@web/core/registry";
import { currentSyncState, pressForceSyncSteps } from "@logikal_connector/../tests/tours/tour_steps";

const tours = registry.category("web_tour.tours");

const running = ".o_notification.o_logikal_sync_running";

tours.add("logikal_user_sees_sync_progress", {
    steps: () => [
        {
            content: "The directory form is open",
            trigger: '.o_form_view .oe_title:contains("Demo Odoo")',
        },
        {
            content: "It was never synced",
            trigger: currentSyncState("Never synced"),
        },
        ...pressForceSyncSteps(),
        {
            content: "A sticky progress notification names the directory",
            trigger: `${running} .o_notification_title:contains("LogiKal sync: Demo Odoo")`,
        },
        {
            content: "It counts the projects: one of three done",
            trigger: `${running} .o_notification_content:contains("1 of 3 projects")`,
        },
        {
            content: "Updated again: two of three done, and the project being read",
            trigger: `${running} .o_notification_content:contains("2 of 3 projects"):contains("now:")`,
        },
        {
            content: "It offers to open the run",
            trigger: `${running} .o_notification_buttons button:contains("Open")`,
        },
        {
            content: "It closes with the result",
            trigger: '.o_notification.o_logikal_sync_done:has(.o_notification_bar.bg-success) .o_notification_title:contains("LogiKal sync done")',
        },
        {
            content: "No progress notification is left",
            trigger: `body:not(:has(${running}))`,
        },
        {
            content: "The open form shows the new state without a reload",
            trigger: currentSyncState("Synced"),
        },
        {
            content: "Open the run from the result",
            trigger: '.o_notification.o_logikal_sync_done .o_notification_buttons button:contains("Open"):not(:contains("record"))',
            run: "click",
        },
        {
            content: "The run is done and its progress bar is full",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Done")',
        },
        {
            content: "Three of three projects",
            trigger: '.o_form_view div[name=progress_done] .o_progress[aria-valuenow="3"][aria-valuemax="3"]',
        },
    ],
});
