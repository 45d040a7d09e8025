/** @odoo-module **/

import { registry } from "@web/core/registry";
import { useBus } from "@web/core/utils/hooks";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";
import { SYNC_PROGRESS_EVENT } from "./sync_progress_service";

/**
 * A form of a LogiKal record (directory, project, elevation) or of a sync run that reloads its data when
 * the bus says its sync moved on: a run form on each progress message of that run, a record form when the
 * Force Sync of that record ends. Unsaved edits are never thrown away.
 */
export class LogikalSyncFormController extends FormController {
    setup() {
        super.setup();
        useBus(this.env.bus, SYNC_PROGRESS_EVENT, ({ detail }) => this.onSyncProgress(detail));
    }

    concerns(progress) {
        const resId = this.model.root.resId;
        if (!resId) {
            return false;
        }
        if (this.props.resModel === "logikal.sync.run") {
            return progress.run_id === resId;
        }
        return progress.final && progress.res_model === this.props.resModel && progress.res_id === resId;
    }

    async onSyncProgress(progress) {
        if (!this.concerns(progress) || (await this.model.root.isDirty())) {
            return;
        }
        await this.model.root.load();
    }
}

registry.category("views").add("logikal_sync_form", {
    ...formView,
    Controller: LogikalSyncFormController,
});
