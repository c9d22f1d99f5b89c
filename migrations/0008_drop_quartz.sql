-- Jobs moved from Quartz.NET to Hangfire (schema "hangfire", installed under the migration lock).
-- Quartz 4.7 made its qrtz_ tables itself at start (ProvisionSchema), not in a migration, so a database
-- has them only if that build ran on it: hence IF EXISTS. On PostgreSQL it made tables and their indexes only.
DROP TABLE IF EXISTS
    qrtz_fired_triggers, qrtz_paused_trigger_grps, qrtz_paused_job_grps, qrtz_scheduler_state, qrtz_locks,
    qrtz_simple_triggers, qrtz_simprop_triggers, qrtz_cron_triggers, qrtz_blob_triggers,
    qrtz_execution_history, qrtz_misfire_history, qrtz_job_status,
    qrtz_triggers, qrtz_job_details, qrtz_calendars
    CASCADE;
