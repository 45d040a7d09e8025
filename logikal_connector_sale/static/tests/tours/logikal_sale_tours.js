/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("logikal_sale_import", {
    steps: () => [
        {
            content: "The quotation offers the LogiKal import",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_logikal_import]",
            run: "click",
        },
        {
            content: "Pick the project by its job number",
            trigger: ".modal .o_field_widget[name=project_id] input",
            run: "edit DOS22309",
        },
        {
            content: "Projects read 'name [job number] (folder)'",
            trigger: '.o-autocomplete--dropdown-item a:contains("DOS22309 ["):contains("(Demo Odoo)")',
            run: "click",
        },
        {
            content: "Every phase is ticked by default",
            trigger: ".modal .o_field_widget[name=phase_ids] input:checked",
        },
        {
            content: "Untick Fase 2",
            trigger: '.modal .o_field_widget[name=phase_ids] .form-check:contains("Fase 2") input',
            run: "click",
        },
        {
            content: "Quote the total price per unit",
            trigger: '.modal .o_field_widget[name=price] .form-check:contains("Total price per unit") input',
            run: "click",
        },
        {
            content: "Import",
            trigger: ".modal button[name=action_import]",
            run: "click",
        },
        {
            content: "One section per ticked phase, in LogiKal order; none for Fase 2",
            trigger: ".o_field_widget[name=order_line] .o_is_line_section textarea",
            run() {
                const rows = document.querySelectorAll(".o_field_widget[name=order_line] .o_is_line_section");
                const names = [...rows].map((row) => row.querySelector("textarea").value.trim());
                const expected = ["Posities zonder levering", "Fase 1 – Gelijkvloers"];
                if (JSON.stringify(names) !== JSON.stringify(expected)) {
                    throw new Error(`sections ${JSON.stringify(names)}, expected ${JSON.stringify(expected)}`);
                }
            },
        },
        {
            content: "Elevation lines carry the LogiKal product reference",
            trigger: '.o_field_widget[name=order_line] .o_data_row:contains("[DOS22309-P05]")',
        },
        {
            content: "Open Other Info",
            trigger: '.o_notebook a:contains("Other Info")',
            run: "click",
        },
        {
            content: "The LogiKal project is shown",
            trigger: '.o_field_widget[name=logikal_project_id]:contains("DOS22309")',
        },

    ],
});
