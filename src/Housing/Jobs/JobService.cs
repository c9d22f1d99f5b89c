using Dapper;
using Housing.Access;
using Housing.Rollups;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Quartz;

namespace Housing.Jobs;

public sealed record JobRun(long Id, string Job, string Trigger, long? RequestedBy, string? Instance, DateTime? ScheduledFor, DateTime QueuedAt,
    DateTime? StartedAt, DateTime? FinishedAt, string Status, string? Error, int? RowsTouched);

/// <summary>A job as its page shows it: when it fires next and last, and how its last run went.</summary>
public sealed record JobInfo(string Job, Msg Name, DateTime? NextFireAt, DateTime? PreviousFireAt, JobRun? LastRun);

/// <summary>
/// The jobs: what each does (one service method), the record of every run in <c>job_runs</c>, and
/// run-now requests. Quartz decides when and on which app instance a job runs; without the scheduler
/// (<c>Housing:Jobs:Enabled</c> false) a requested run happens inline.
/// </summary>
public sealed class JobService(NpgsqlDataSource db, RollupService rollups, ILogger<JobService> logger, IConfiguration config,
    ISchedulerFactory? schedulers = null)
{
    /// <summary>Days a finished run stays in <c>job_runs</c> (<c>Housing:Jobs:KeepRunsDays</c>). While payments come in,
    /// the incremental job records a run every few seconds: some 17,000 a day, which the nightly run prunes.</summary>
    int KeepRunsDays => Math.Max(1, config.GetValue("Housing:Jobs:KeepRunsDays", 90));

    public const string RollupsFull = "rollups.full", RollupsIncremental = "rollups.incremental";
    public const string RunIdKey = "runId";

    public static readonly IReadOnlyDictionary<string, Msg> Names = new Dictionary<string, Msg>
    {
        [RollupsFull] = new("คำนวณสรุปผลใหม่ทั้งหมด", "Recompute all rollups"),
        [RollupsIncremental] = new("ปรับสรุปผลของตำบลที่มีการเปลี่ยนแปลง", "Refresh rollups of changed subdistricts"),
    };

    Func<CancellationToken, Task<int>> Work(string job) => job switch
    {
        RollupsFull => rollups.RecomputeAllAsync,
        RollupsIncremental => rollups.RefreshDirtyAsync,
        _ => throw NotFound.Of($"งาน {job}", $"Job {job}"),
    };

    /// <summary>
    /// Runs a job and records it. A run asked for (<paramref name="runId"/>) or kept even when idle
    /// (<paramref name="keepIdle"/>) is recorded from its start; the frequent incremental job is recorded
    /// only when it found work or failed, so its idle polls every few seconds do not bury the history.
    /// A failure is recorded and logged, not thrown: the next fire tries again.
    /// </summary>
    public async Task<long?> RunAsync(string job, long? runId, DateTime? scheduledFor, string? instance, bool keepIdle, CancellationToken ct = default,
        bool recovering = false)
    {
        var work = Work(job);
        var startedAt = DateTime.UtcNow;
        if (recovering) await MarkInterruptedAsync(job, runId, ct);
        if (runId is not null || keepIdle)
            runId = await StartAsync(job, runId, scheduledFor, instance, ct);
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
        runId ??= await StartAsync(job, null, scheduledFor, instance, CancellationToken.None, startedAt);
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync("""
            UPDATE job_runs SET finished_at = clock_timestamp(), status = @status, error = @error, rows_touched = @rows WHERE id = @runId
            """, new { runId, status = error is null ? "succeeded" : "failed", error, rows });
        if (job == RollupsFull)
        {
            var pruned = await conn.ExecuteAsync("""
                DELETE FROM job_runs WHERE status IN ('succeeded', 'failed') AND finished_at < now() - make_interval(days => @KeepRunsDays)
                """, new { KeepRunsDays });
            if (pruned > 0) logger.LogInformation("Pruned {Count} job runs older than {Days} days", pruned, KeepRunsDays);
        }
        ct.ThrowIfCancellationRequested();
        return runId;
    }

    const string Inline = "inline";

    /// <summary>Quartz re-fires a job whose instance died mid-run (recovering), and runs a job on one instance at a time
    /// across the cluster ([DisallowConcurrentExecution]): any other run of it still marked running died with that instance.</summary>
    async Task MarkInterruptedAsync(string job, long? runId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var stale = await conn.ExecuteAsync("""
            UPDATE job_runs SET status = 'failed', finished_at = clock_timestamp(),
                   error = 'Interrupted: the app instance running it stopped before it finished; nothing of it was kept.'
            WHERE job = @job AND status = 'running' AND id IS DISTINCT FROM @runId
            """, new { job, runId });
        if (stale > 0) logger.LogWarning("Marked {Count} interrupted run(s) of {Job} as failed", stale, job);
    }

    async Task<long> StartAsync(string job, long? runId, DateTime? scheduledFor, string? instance, CancellationToken ct, DateTime? startedAt = null)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return runId is long id
            ? await conn.ExecuteScalarAsync<long>("""
                UPDATE job_runs SET status = 'running', started_at = clock_timestamp(), instance = @instance WHERE id = @id RETURNING id
                """, new { id, instance })
            : await conn.ExecuteScalarAsync<long>("""
                INSERT INTO job_runs (job, trigger, instance, scheduled_for, started_at, status)
                VALUES (@job, 'schedule', @instance, @scheduledFor, coalesce(@startedAt, clock_timestamp()), 'running') RETURNING id
                """, new { job, instance, scheduledFor, startedAt });
    }

    /// <summary>Run-now: queues a run (recorded at once, so its id can be followed) and fires the job on
    /// whichever instance picks it up. Admins and provincial staff may ask; rollups are everyone's figures.</summary>
    public async Task<long> RequestAsync(Caller caller, string job, CancellationToken ct = default)
    {
        if (!caller.CanRunJobs)
            throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบและเจ้าหน้าที่จังหวัดสั่งงานได้", "Only administrators and provincial staff may run jobs."));
        Work(job);
        long runId;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            runId = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO job_runs (job, trigger, requested_by, status) VALUES (@job, 'manual', @ActorId, 'queued') RETURNING id
                """, new { job, caller.ActorId }, tx);
            await Audit.WriteAsync(conn, tx, caller, "job.request", "job_run", runId, null, new { job }, ct);
            await tx.CommitAsync(ct);
        }
        if (schedulers is null)
            await RunAsync(job, runId, null, Inline, keepIdle: true, ct);
        else
        {
            var scheduler = await schedulers.GetScheduler(ct);
            await scheduler.TriggerJob(new JobKey(job), new JobDataMap { [RunIdKey] = runId }, ct);
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

    /// <summary>Each job with its next and previous fire times (from the shared Quartz store) and its last run.</summary>
    public async Task<IReadOnlyList<JobInfo>> ListJobsAsync(Caller caller, CancellationToken ct = default)
    {
        EnsureCanRead(caller);
        await using var conn = await db.OpenConnectionAsync(ct);
        var last = (await conn.QueryAsync<JobRun>("""
            SELECT DISTINCT ON (job) * FROM job_runs WHERE job = ANY(@jobs) ORDER BY job, id DESC
            """, new { jobs = Names.Keys.ToArray() })).ToDictionary(r => r.Job);
        var scheduler = schedulers is null ? null : await schedulers.GetScheduler(ct);
        var list = new List<JobInfo>();
        foreach (var (job, name) in Names)
        {
            DateTime? next = null, previous = null;
            if (scheduler is not null)
            {
                var triggers = await scheduler.GetTriggersOfJob(new JobKey(job), ct);
                next = triggers.Select(t => t.NextFireTimeUtc).Where(t => t is not null).Min()?.UtcDateTime;
                previous = triggers.Select(t => t.PreviousFireTimeUtc).Where(t => t is not null).Max()?.UtcDateTime;
            }
            list.Add(new JobInfo(job, name, next, previous, last.GetValueOrDefault(job)));
        }
        return list;
    }
}
