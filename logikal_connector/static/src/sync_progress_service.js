/** @odoo-module **/

import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

export const SYNC_PROGRESS_EVENT = "LOGIKAL:SYNC_PROGRESS";

const RESULT_TYPES = { done: "success", partial: "warning", failed: "danger", aborted: "danger" };

/**
 * The text of a progress message: "2 of 5 projects · 31 elevations · now: Project X".
 * @param {Object} progress payload of a `logikal_sync_progress` bus message
 */
export function progressText(progress) {
    const parts = [];
    if (progress.total) {
        parts.push(_t("%(done)s of %(total)s projects", { done: progress.done, total: progress.total }));
    } else if (!progress.final) {
        parts.push(_t("reading LogiKal…"));
    }
    parts.push(_t("%(count)s elevations", { count: progress.elevations || 0 }));
    if (progress.failures) {
        parts.push(_t("%(count)s failed", { count: progress.failures }));
    }
    if (progress.current && !progress.final) {
        parts.push(_t("now: %(name)s", { name: progress.current }));
    }
    const text = parts.join(" · ");
    return progress.final && progress.message ? `${progress.message}` : text;
}

/**
 * Live LogiKal sync progress from the bus: one sticky notification per run, replaced by each update (same
 * place, same look) and by the result when the run ends; open forms hear about it through the env bus.
 */
export const logikalSyncProgressService = {
    dependencies: ["bus_service", "notification", "action"],

    start(env, { bus_service, notification, action }) {
        const shown = new Map(); // run id -> close function of its notification

        function openRun(runId) {
            action.doAction({
                type: "ir.actions.act_window",
                res_model: "logikal.sync.run",
                res_id: runId,
                views: [[false, "form"]],
                target: "current",
            });
        }

        function openRecord(resModel, resId) {
            action.doAction({
                type: "ir.actions.act_window",
                res_model: resModel,
                res_id: resId,
                views: [[false, "form"]],
                target: "current",
            });
        }

        function replace(runId, message, options) {
            const close = shown.get(runId);
            shown.delete(runId);
            if (close) {
                close();
            }
            const update = close ? " o_logikal_sync_update" : ""; // in place: no second fade-in
            const closeNew = notification.add(message, {
                ...options,
                className: options.className + update,
                onClose: () => {
                    if (shown.get(runId) === closeNew) {
                        shown.delete(runId);
                    }
                },
            });
            shown.set(runId, closeNew);
        }

        function buttons(progress) {
            const result = [];
            if (progress.run_id) {
                result.push({ name: _t("Open"), primary: true, onClick: () => openRun(progress.run_id) });
            }
            if (progress.final && progress.res_model && progress.res_id) {
                result.push({
                    name: _t("Open record"),
                    onClick: () => openRecord(progress.res_model, progress.res_id),
                });
            }
            return result;
        }

        function onProgress(progress) {
            if (progress.final) {
                const type = RESULT_TYPES[progress.state] || "danger";
                replace(progress.run_id, progressText(progress), {
                    title: progress.title,
                    type,
                    sticky: type !== "success",
                    className: `o_logikal_sync_progress o_logikal_sync_result o_logikal_sync_${progress.state}`,
                    buttons: buttons(progress),
                });
            } else {
                replace(progress.run_id, progressText(progress), {
                    title: _t("LogiKal sync: %(scope)s", { scope: progress.scope }),
                    type: "info",
                    sticky: true,
                    className: "o_logikal_sync_progress o_logikal_sync_running",
                    buttons: buttons(progress),
                });
            }
            env.bus.trigger(SYNC_PROGRESS_EVENT, progress);
        }

        function onAlert(alert) {
            notification.add(alert.message, {
                title: alert.title,
                type: "danger",
                sticky: true,
                className: "o_logikal_sync_alert",
                buttons: alert.run_id
                    ? [{ name: _t("Open"), primary: true, onClick: () => openRun(alert.run_id) }]
                    : [],
            });
        }

        bus_service.subscribe("logikal_sync_progress", onProgress);
        bus_service.subscribe("logikal_sync_alert", onAlert);
        bus_service.start();
        return { progressText };
    },
};

registry.category("services").add("logikal_sync_progress", logikalSyncProgressService);
