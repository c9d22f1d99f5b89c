using Dapper;
using Hangfire;
using Housing.Access;
using Housing.Attention;
using Housing.Rollups;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Jobs;

public sealed record JobRun(long Id, string Job, string Trigger, long? RequestedBy, string? Instance, DateTime? ScheduledFor, DateTime QueuedAt,
    DateTime? StartedAt, DateTime? FinishedAt, string Status, string? Error, int? RowsTouched);

/// <summary>This app instance's name: its machine, process and a tag, as two hosts in one process (the tests) differ too.</summary>
public sealed class JobInstance
{
    public string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..4]}";
}

/// <summary>A job as its page shows it: when it fires next and last, and how its last run went.</summary>
public sealed record JobInfo(string Job, Msg Name, DateTime? NextFireAt, DateTime? PreviousFireAt, JobRun? LastRun);

/// <summary>
/// The jobs: what each does (one service method), the record of every run in <c>job_runs</c>, and
/// run-now requests. Hangfire decides when and on which app instance a job runs (the incremental refresh
/// is a loop of each instance, <see cref="IncrementalRefresh"/>); without Hangfire (<c>Housing:Jobs:Enabled</c>
/// false) a requested run happens inline.
/// </summary>
public sealed class JobService(NpgsqlDataSource db, RollupService rollups, AttentionRefresh attention, ILogger<JobService> logger, IConfiguration config,
    JobInstance instance, IBackgroundJobClient? hangfire = null, JobStorage? storage = null)
{
    /// <summary>Days a finished run stays in <c>job_runs</c> (<c>Housing:Jobs:KeepRunsDays</c>). While payments come in,
    /// the incremental refresh records a run every few seconds: some 17,000 a day, which the nightly prune removes.</summary>
    int KeepRunsDays => Math.Max(1, config.GetValue("Housing:Jobs:KeepRunsDays", 90));

    public const string RollupsFull = "rollups.full", RollupsIncremental = "rollups.incremental", Prune = "jobs.prune",
        AttentionFull = "attention.full", AttentionIncremental = "attention.incremental";

    public static readonly IReadOnlyDictionary<string, Msg> Names = new Dictionary<string, Msg>
    {
        [RollupsFull] = new("คำนวณสรุปผลใหม่ทั้งหมด", "Recompute all rollups"),
        [RollupsIncremental] = new("ปรับสรุปผลของตำบลที่มีการเปลี่ยนแปลง", "Refresh rollups of changed subdistricts"),
        [Prune] = new("ลบประวัติการทำงานที่เก่าเกินกำหนด", "Remove old job runs"),
        [AttentionFull] = new("หาเรื่องที่ต้องติดตามใหม่ทั้งหมด", "Find everything that needs attention again"),
        [AttentionIncremental] = new("ปรับเรื่องที่ต้องติดตามของโครงการที่มีการเปลี่ยนแปลง", "Refresh what needs attention in changed projects"),
    };

    /// <summary>This app instance, as <c>job_runs.instance</c> and Hangfire's server name show it.</summary>
    public string Instance => instance.Name;

    /// <summary>The incremental loop's last and next tick on this instance (<see cref="IncrementalRefresh"/>).</summary>
    public DateTime? IncrementalPrevious { get; internal set; }
    public DateTime? IncrementalNext { get; internal set; }

    /// <summary>A queued run younger than this is joined by a new request; an older one was lost (its instance died between
    /// recording and enqueueing it, or Hangfire gave up on it) and a request queues a new one.</summary>
    static readonly TimeSpan JoinWindow = TimeSpan.FromMinutes(10);

    /// <summary>The advisory lock (this, <c>hashtext(job)</c>) held while a job runs: one run of a job at a time across instances.</summary>
    public const int RunLockClass = 0x4A4F4253; // "JOBS"
    const int RequestLockClass = 0x4A4F4252; // "JOBR": the run-now requests of a job, one at a time

    Func<CancellationToken, Task<int>> Work(string job) => job switch
    {
        RollupsFull => rollups.RecomputeAllAsync,
        RollupsIncremental => rollups.RefreshDirtyAsync,
        Prune => PruneAsync,
        AttentionFull => attention.RecomputeAllAsync,
        AttentionIncremental => attention.RefreshDirtyAsync,
        _ => throw NotFound.Of($"งาน {job}", $"Job {job}"),
    };

    /// <summary>
    /// Runs a job and records it, one run of a job at a time across every instance (a session advisory lock,
    /// which PostgreSQL frees at once when the holder's process dies). Holding the lock, any run of the job still
    /// marked running was cut off with its instance (SIGKILL, power loss) and is marked failed. A requested run
    /// (<paramref name="runId"/>) uses its queued row; run again after such a cut, it gets a new row. A run kept even
    /// when idle (<paramref name="keepIdle"/>) is recorded from its start; the frequent incremental job only when
    /// it found work or failed, so its idle polls do not bury the history. With <paramref name="skipIfBusy"/>, a
    /// run that finds the job running elsewhere does nothing. A failure is recorded and logged, not thrown.
    /// </summary>
    public async Task<long?> RunAsync(string job, long? runId, DateTime? scheduledFor, bool keepIdle, CancellationToken ct = default,
        bool skipIfBusy = false)
    {
        var work = Work(job);
        await using var held = await db.OpenConnectionAsync(ct);
        var key = new { RunLockClass, job };
        if (skipIfBusy)
        {
            if (!await held.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@RunLockClass, hashtext(@job))", key)) return null;
        }
        else await held.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@RunLockClass, hashtext(@job))", key, cancellationToken: ct, commandTimeout: 0));
        try { return await RunLockedAsync(job, work, runId, scheduledFor, keepIdle, ct); }
        finally
        {
            // Pooled connections are not reset (NoResetOnClose), so the lock is given back explicitly.
            try { await held.ExecuteAsync("SELECT pg_advisory_unlock(@RunLockClass, hashtext(@job))", key); }
            catch (NpgsqlException) { } // a broken connection holds no lock any more
        }
    }

    async Task<long?> RunLockedAsync(string job, Func<CancellationToken, Task<int>> work, long? runId, DateTime? scheduledFor, bool keepIdle,
        CancellationToken ct)
    {
        var startedAt = DateTime.UtcNow;
        var interrupted = await MarkInterruptedAsync(job, ct);
        if (runId is long id)
        {
            runId = await StartRequestedAsync(id, ct);
            if (interrupted.Contains(id)) await NoteRetryAsync(id, runId.Value); // Hangfire runs a cut-off run again
        }
        else if (keepIdle)
            runId = await StartScheduledAsync(job, scheduledFor, null, ct);
        string? error = null;
        var rows = 0;
        try { rows = await work(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error = "Cancelled: the app stopped or the request was abandoned before the run finished; nothing of it was kept.";
        }
        catch (Exception e) // whatever broke, the run is recorded as failed
        {
            logger.LogError(e, "Job {Job} failed", job);
            error = e.Message;
        }
        if (runId is null && rows == 0 && error is null) return null;
        runId ??= await StartScheduledAsync(job, scheduledFor, startedAt, CancellationToken.None);
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync("""
            UPDATE job_runs SET finished_at = clock_timestamp(), status = @status, error = @error, rows_touched = @rows WHERE id = @runId
            """, new { runId, status = error is null ? "succeeded" : "failed", error, rows });
        ct.ThrowIfCancellationRequested(); // so Hangfire runs it again after a restart
        return runId;
    }

    /// <summary>Holding the job's lock, no run of it is going on anywhere: a row still marked running died with its instance.</summary>
    async Task<IReadOnlyList<long>> MarkInterruptedAsync(string job, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var stale = (await conn.QueryAsync<long>("""
            UPDATE job_runs SET status = 'failed', finished_at = clock_timestamp(),
                   error = 'Interrupted: the app instance running it stopped before it finished; nothing of it was kept.'
            WHERE job = @job AND status = 'running' RETURNING id
            """, new { job })).ToList();
        if (stale.Count > 0) logger.LogWarning("Marked {Count} interrupted run(s) of {Job} as failed", stale.Count, job);
        return stale;
    }

    async Task NoteRetryAsync(long interrupted, long retry)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync("UPDATE job_runs SET error = error || @note WHERE id = @interrupted", new { note = $" Run again as run {retry}.", interrupted });
    }

    /// <summary>The queued row of a requested run starts; a row that is no longer queued (interrupted or cancelled
    /// before) stays as it is, and this attempt gets a row of its own, for the same job and asker.</summary>
    async Task<long> StartRequestedAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long?>("""
            UPDATE job_runs SET status = 'running', started_at = clock_timestamp(), instance = @Instance WHERE id = @id AND status = 'queued' RETURNING id
            """, new { id, Instance })
            ?? await conn.ExecuteScalarAsync<long>("""
                INSERT INTO job_runs (job, trigger, requested_by, instance, started_at, status)
                SELECT job, trigger, requested_by, @Instance, clock_timestamp(), 'running' FROM job_runs WHERE id = @id RETURNING id
                """, new { id, Instance });
    }

    async Task<long> StartScheduledAsync(string job, DateTime? scheduledFor, DateTime? startedAt, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO job_runs (job, trigger, instance, scheduled_for, started_at, status)
            VALUES (@job, 'schedule', @Instance, @scheduledFor, coalesce(@startedAt, clock_timestamp()), 'running') RETURNING id
            """, new { job, Instance, scheduledFor, startedAt });
    }

    /// <summary>The nightly prune: finished runs older than <c>Housing:Jobs:KeepRunsDays</c>.</summary>
    async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var pruned = await conn.ExecuteAsync(new CommandDefinition("""
            DELETE FROM job_runs WHERE status IN ('succeeded', 'failed') AND finished_at < now() - make_interval(days => @KeepRunsDays)
            """, new { KeepRunsDays }, cancellationToken: ct));
        if (pruned > 0) logger.LogInformation("Pruned {Count} job runs older than {Days} days", pruned, KeepRunsDays);
        return pruned;
    }

    /// <summary>
    /// Run-now: queues a run (recorded at once, so its id can be followed) for whichever instance picks it up.
    /// While a run of that job waits to start, a new request joins it and gets its id: nobody can pile up
    /// national recomputes. Admins and provincial staff may ask; rollups are everyone's figures.
    /// </summary>
    public async Task<long> RequestAsync(Caller caller, string job, CancellationToken ct = default)
    {
        if (!caller.CanRunJobs)
            throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบและเจ้าหน้าที่จังหวัดสั่งงานได้", "Only administrators and provincial staff may run jobs."));
        Work(job);
        long runId;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Two requests at once: the second waits here and then finds the first one's row.
            await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@RequestLockClass, hashtext(@job))", new { RequestLockClass, job }, tx);
            // FOR UPDATE: a worker starting that run waits for this commit, and a run that started meanwhile is not joined.
            var waiting = await conn.ExecuteScalarAsync<long?>("""
                SELECT id FROM job_runs WHERE job = @job AND status = 'queued' AND queued_at > now() - @JoinWindow
                ORDER BY id DESC LIMIT 1 FOR UPDATE
                """, new { job, JoinWindow }, tx);
            if (waiting is long joined)
            {
                await Audit.WriteAsync(conn, tx, caller, "job.join", "job_run", joined, null, new { job }, ct);
                await tx.CommitAsync(ct);
                return joined;
            }
            runId = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO job_runs (job, trigger, requested_by, status) VALUES (@job, 'manual', @ActorId, 'queued') RETURNING id
                """, new { job, caller.ActorId }, tx);
            await Audit.WriteAsync(conn, tx, caller, "job.request", "job_run", runId, null, new { job }, ct);
            await tx.CommitAsync(ct);
        }
        if (hangfire is null)
        {
            await RunAsync(job, runId, null, keepIdle: true, ct);
            return runId;
        }
        try { RollupJobs.Enqueue(hangfire, job, runId); }
        catch (Exception e) // the storage refused it: the row must not stay queued for others to join
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync("UPDATE job_runs SET status = 'failed', finished_at = clock_timestamp(), error = @error WHERE id = @runId",
                new { runId, error = "Not queued: " + e.Message });
            throw;
        }
        return runId;
    }

    static void EnsureCanRead(Caller caller)
    {
        if (!caller.CanRunJobs)
            throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบและเจ้าหน้าที่จังหวัดดูงานได้", "Only administrators and provincial staff may see jobs."));
    }

    /// <summary>The most recent runs, newest first.</summary>
    public async Task<IReadOnlyList<JobRun>> ListRunsAsync(Caller caller, int limit = 50, CancellationToken ct = default)
    {
        EnsureCanRead(caller);
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<JobRun>("SELECT * FROM job_runs ORDER BY id DESC LIMIT @limit", new { limit = Math.Clamp(limit, 1, 500) })).ToList();
    }

    public async Task<JobRun> FindRunAsync(Caller caller, long id, CancellationToken ct = default)
    {
        EnsureCanRead(caller);
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<JobRun>("SELECT * FROM job_runs WHERE id = @id", new { id })
            ?? throw NotFound.Of($"การทำงานรหัส {id}", $"Job run {id}");
    }

    /// <summary>Each job with its next and previous fire (Hangfire's recurring jobs; the incremental loop of this
    /// instance) and its last run.</summary>
    public async Task<IReadOnlyList<JobInfo>> ListJobsAsync(Caller caller, CancellationToken ct = default)
    {
        EnsureCanRead(caller);
        await using var conn = await db.OpenConnectionAsync(ct);
        var last = (await conn.QueryAsync<JobRun>("""
            SELECT DISTINCT ON (job) * FROM job_runs WHERE job = ANY(@jobs) ORDER BY job, id DESC
            """, new { jobs = Names.Keys.ToArray() })).ToDictionary(r => r.Job);
        var recurring = new Dictionary<string, Hangfire.Storage.RecurringJobDto>();
        if (storage is not null)
        {
            using var hangfireConnection = storage.GetConnection();
            foreach (var dto in Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(hangfireConnection, [RollupsFull, Prune, AttentionFull]))
                recurring[dto.Id] = dto;
        }
        return Names.Select(n => n.Key is RollupsIncremental or AttentionIncremental
                ? new JobInfo(n.Key, n.Value, IncrementalNext, IncrementalPrevious, last.GetValueOrDefault(n.Key))
                : new JobInfo(n.Key, n.Value, recurring.GetValueOrDefault(n.Key)?.NextExecution, recurring.GetValueOrDefault(n.Key)?.LastExecution,
                    last.GetValueOrDefault(n.Key)))
            .ToList();
    }
}
