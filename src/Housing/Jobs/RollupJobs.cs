using Quartz;

namespace Housing.Jobs;

/// <summary>Nightly (and on request): recomputes every rollup.</summary>
[DisallowConcurrentExecution]
public sealed class RollupFullJob(JobService jobs) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
        => await jobs.RunAsync(JobService.RollupsFull, RunId(context), context.ScheduledFireTimeUtc?.UtcDateTime,
            context.Scheduler.SchedulerInstanceId, keepIdle: true, ct, context.Recovering);

    internal static long? RunId(IJobExecutionContext context)
        => context.MergedJobDataMap.TryGetValue(JobService.RunIdKey, out var v) && v is not null ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>Every few seconds: recomputes the subdistricts writes marked dirty, and their parents.</summary>
[DisallowConcurrentExecution]
public sealed class RollupIncrementalJob(JobService jobs) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
        => await jobs.RunAsync(JobService.RollupsIncremental, RollupFullJob.RunId(context), context.ScheduledFireTimeUtc?.UtcDateTime,
            context.Scheduler.SchedulerInstanceId, keepIdle: false, ct, context.Recovering);
}
