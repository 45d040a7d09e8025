-- neutralization of LogiKal connections (duplicated, restored or staging databases):
-- no credentials, no scheduled sync, no queued Force Sync
UPDATE logikal_backend
   SET password = NULL;

INSERT INTO ir_config_parameter (key, value)
VALUES ('logikal_connector.background_sync_enabled', 'False')
    ON CONFLICT (key) DO
       UPDATE SET value = 'False';

UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'logikal_connector'
);

UPDATE logikal_sync_request
   SET state = 'failed',
       message = 'Cancelled: the database was neutralized.'
 WHERE state IN ('queued', 'running');

UPDATE logikal_sync_run
   SET state = 'aborted',
       error_summary = CONCAT_WS(E'\n', error_summary, 'Aborted: the database was neutralized.')
 WHERE state = 'running';
