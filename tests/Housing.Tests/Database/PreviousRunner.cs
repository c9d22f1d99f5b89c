using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Housing.Tests.Database;

/// <summary>
/// The migration runner of the last release before FluentMigrator, kept as it was (test-only): it makes databases
/// exactly as deployed ones were made, so that the upgrade from them is tested on the real thing.
/// </summary>
public static class PreviousRunner
{
    const long LockKey = 0x486F7573696E67;

    /// <summary>The shipped files of that release: 0001 to 0006.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Release() => Housing.Database.Migrations.Embedded()
        .Where(m => m.Version <= 6).Select(m => (m.Version, m.Name, m.Sql)).ToList();

    public static async Task ApplyAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey });
        try
        {
            await conn.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """);
            var applied = (await conn.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
            foreach (var m in Release().Where(m => !applied.Contains(m.Version)))
            {
                var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(m.Sql.ReplaceLineEndings("\n"))));
                await using var tx = await conn.BeginTransactionAsync();
                await conn.ExecuteAsync(m.Sql, transaction: tx, commandTimeout: 0);
                await conn.ExecuteAsync("INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @checksum)",
                    new { m.Version, m.Name, checksum }, tx);
                await tx.CommitAsync();
            }
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    /// <summary>The tables Quartz.NET 4.7 made for itself when that release first started on a database (its
    /// tables_postgres.sql, with their keys), and the rows its clustered scheduler kept: the nightly job, its cron trigger,
    /// the scheduler's check-in and its locks. Migration 0008 drops them.</summary>
    public static Task QuartzAsync(NpgsqlDataSource db) => db.ExecuteAsync("""
        CREATE TABLE qrtz_job_details (sched_name text NOT NULL, job_name text NOT NULL, job_group text NOT NULL, description text,
            job_class_name text NOT NULL, is_durable bool NOT NULL, is_nonconcurrent bool NOT NULL, is_update_data bool NOT NULL,
            requests_recovery bool NOT NULL, job_data bytea, PRIMARY KEY (sched_name, job_name, job_group));
        CREATE TABLE qrtz_triggers (sched_name text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL, job_name text NOT NULL,
            job_group text NOT NULL, description text, next_fire_time bigint, prev_fire_time bigint, priority integer, trigger_state text NOT NULL,
            trigger_type text NOT NULL, start_time bigint NOT NULL, end_time bigint, calendar_name text, misfire_instr smallint, job_data bytea,
            PRIMARY KEY (sched_name, trigger_name, trigger_group),
            FOREIGN KEY (sched_name, job_name, job_group) REFERENCES qrtz_job_details (sched_name, job_name, job_group));
        CREATE TABLE qrtz_simple_triggers (sched_name text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL,
            repeat_count bigint NOT NULL, repeat_interval bigint NOT NULL, times_triggered bigint NOT NULL, PRIMARY KEY (sched_name, trigger_name, trigger_group),
            FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers ON DELETE CASCADE);
        CREATE TABLE qrtz_simprop_triggers (sched_name text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL, str_prop_1 text,
            int_prop_1 integer, long_prop_1 bigint, dec_prop_1 numeric, bool_prop_1 bool, time_zone_id text, PRIMARY KEY (sched_name, trigger_name, trigger_group),
            FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers ON DELETE CASCADE);
        CREATE TABLE qrtz_cron_triggers (sched_name text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL,
            cron_expression text NOT NULL, time_zone_id text, PRIMARY KEY (sched_name, trigger_name, trigger_group),
            FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers ON DELETE CASCADE);
        CREATE TABLE qrtz_blob_triggers (sched_name text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL, blob_data bytea,
            PRIMARY KEY (sched_name, trigger_name, trigger_group), FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers ON DELETE CASCADE);
        CREATE TABLE qrtz_calendars (sched_name text NOT NULL, calendar_name text NOT NULL, calendar bytea NOT NULL, PRIMARY KEY (sched_name, calendar_name));
        CREATE TABLE qrtz_paused_trigger_grps (sched_name text NOT NULL, trigger_group text NOT NULL, PRIMARY KEY (sched_name, trigger_group));
        CREATE TABLE qrtz_fired_triggers (sched_name text NOT NULL, entry_id text NOT NULL, trigger_name text NOT NULL, trigger_group text NOT NULL,
            instance_name text NOT NULL, fired_time bigint NOT NULL, sched_time bigint NOT NULL, priority integer NOT NULL, state text NOT NULL,
            job_name text, job_group text, is_nonconcurrent bool NOT NULL, requests_recovery bool, PRIMARY KEY (sched_name, entry_id));
        CREATE TABLE qrtz_scheduler_state (sched_name text NOT NULL, instance_name text NOT NULL, last_checkin_time bigint NOT NULL,
            checkin_interval bigint NOT NULL, PRIMARY KEY (sched_name, instance_name));
        CREATE TABLE qrtz_locks (sched_name text NOT NULL, lock_name text NOT NULL, PRIMARY KEY (sched_name, lock_name));
        CREATE INDEX idx_qrtz_t_next_fire_time ON qrtz_triggers (sched_name, next_fire_time);
        CREATE INDEX idx_qrtz_ft_trig_inst_name ON qrtz_fired_triggers (sched_name, instance_name);
        INSERT INTO qrtz_job_details VALUES ('housing', 'rollups.full', 'DEFAULT', NULL, 'Housing.Jobs.RollupJob, Housing', true, true, false, true, NULL);
        INSERT INTO qrtz_triggers VALUES ('housing', 'rollups.full.nightly', 'DEFAULT', 'rollups.full', 'DEFAULT', NULL, 638671320000000000, NULL, 5,
            'WAITING', 'CRON', 638650000000000000, NULL, NULL, 0, NULL);
        INSERT INTO qrtz_cron_triggers VALUES ('housing', 'rollups.full.nightly', 'DEFAULT', '0 0 2 * * ?', 'Asia/Bangkok');
        INSERT INTO qrtz_scheduler_state VALUES ('housing', 'host-1', 638671310000000000, 15000);
        INSERT INTO qrtz_locks VALUES ('housing', 'STATE_ACCESS'), ('housing', 'TRIGGER_ACCESS');
        """);

    /// <summary>Rows in every kind of table the release had:    /// <summary>Rows in every kind of table the release had: budget, project, household, allocation, ledgers both ways
    /// (a payment and its reversal), a milestone, an audit row, a user, a job run.</summary>
    public static Task FillAsync(NpgsqlDataSource db) => db.ExecuteAsync("""
        WITH u AS (INSERT INTO users (username, display_name, password_hash, role, province_codes) VALUES ('staff.phrae', 'สมศรี', 'x', 'ProvincialStaff', '{54}') RETURNING id),
             b AS (INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2565, '54', 65, 1358500) RETURNING id),
             p AS (INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) SELECT id, '540101', 'ตำบลในเวียง', 6, 125400 FROM b RETURNING id),
             h AS (INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
                   VALUES ('1101700203450', 'นางบุญมี ใจดี', '12/3', 3, '540101', 4, 4500) RETURNING id),
             a AS (INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) SELECT p.id, h.id, 'BPP', 2565, 20900, 'repair' FROM p, h RETURNING id, project_id),
             t AS (INSERT INTO transfers (project_id, amount, received_on, reference) SELECT id, 62700, '2022-02-01', 'CODI-2565-001' FROM p),
             d AS (INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no) SELECT id, project_id, 12345.67, '2022-02-10', 'ร้านวัสดุแพร่', 'R-1' FROM a RETURNING id, allocation_id, project_id),
             d2 AS (INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no) SELECT allocation_id, project_id, 4000, '2022-02-12', 'ร้านวัสดุแพร่', 'R-2' FROM d),
             r AS (INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason) SELECT allocation_id, project_id, -12345.67, '2022-02-11', 'ร้านวัสดุแพร่', id, 'ใบเสร็จซ้ำ' FROM d),
             m AS (INSERT INTO milestones (allocation_id, stage, stage_order, reached_on) SELECT id, 'surveyed', 1, '2022-01-25' FROM a),
             l AS (INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, after) SELECT id, 'staff.phrae', 'create', 'budget', '1', '{"amount": 1358500}' FROM u)
        INSERT INTO job_runs (job, trigger, status, finished_at) VALUES ('rollups.full', 'schedule', 'succeeded', '2026-11-01T02:00:05Z')
        """);
}
