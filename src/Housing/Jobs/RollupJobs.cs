using Hangfire;
using Hangfire.Server;

namespace Housing.Jobs;

/// <summary>
/// The Hangfire jobs: one method per job, each calling <see cref="JobService.RunAsync"/>. Every job is
/// idempotent (a recompute or a prune done twice leaves the same rows), because Hangfire runs a job again
/// when the instance running it died. Failures are recorded in <c>job_runs</c>, not thrown; what throws
/// (the database away) is retried by Hangfire.
/// </summary>
[AutomaticRetry(Attempts = 3)]
public sealed class RollupJobs(JobService jobs)
{
    [JobDisplayName("rollups.full")]
    public Task FullAsync(long? runId, PerformContext? context, CancellationToken ct)
        => jobs.RunAsync(JobService.RollupsFull, runId, ScheduledFor(context), keepIdle: true, ct);

    [JobDisplayName("rollups.incremental")]
    public Task IncrementalAsync(long? runId, CancellationToken ct)
        => jobs.RunAsync(JobService.RollupsIncremental, runId, null, keepIdle: true, ct);

    [JobDisplayName("jobs.prune")]
    public Task PruneAsync(long? runId, PerformContext? context, CancellationToken ct)
        => jobs.RunAsync(JobService.Prune, runId, ScheduledFor(context), keepIdle: true, ct);

    [JobDisplayName("attention.full")]
    public Task AttentionFullAsync(long? runId, PerformContext? context, CancellationToken ct)
        => jobs.RunAsync(JobService.AttentionFull, runId, ScheduledFor(context), keepIdle: true, ct);

    [JobDisplayName("attention.incremental")]
    public Task AttentionIncrementalAsync(long? runId, CancellationToken ct)
        => jobs.RunAsync(JobService.AttentionIncremental, runId, null, keepIdle: true, ct);

    /// <summary>A recurring fire's time, which Hangfire passes as the "Time" parameter (Unix seconds).</summary>
    static DateTime? ScheduledFor(PerformContext? context)
        => context?.GetJobParameter<long?>("Time") is long t ? DateTime.UnixEpoch.AddSeconds(t) : null;

    internal static void Enqueue(IBackgroundJobClient client, string job, long runId)
    {
        _ = job switch
        {
            JobService.RollupsFull => client.Enqueue<RollupJobs>(j => j.FullAsync(runId, null, CancellationToken.None)),
            JobService.RollupsIncremental => client.Enqueue<RollupJobs>(j => j.IncrementalAsync(runId, CancellationToken.None)),
            JobService.Prune => client.Enqueue<RollupJobs>(j => j.PruneAsync(runId, null, CancellationToken.None)),
            JobService.AttentionFull => client.Enqueue<RollupJobs>(j => j.AttentionFullAsync(runId, null, CancellationToken.None)),
            JobService.AttentionIncremental => client.Enqueue<RollupJobs>(j => j.AttentionIncrementalAsync(runId, CancellationToken.None)),
            _ => throw new ArgumentOutOfRangeException(nameof(job), job, null),
        };
    }
}
