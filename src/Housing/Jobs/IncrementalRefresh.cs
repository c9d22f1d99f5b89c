using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Jobs;

/// <summary>
/// The incremental refresh, every <c>Housing:Jobs:IncrementalSeconds</c> (5) so a write shows in the rollups
/// within 10 s. Not a Hangfire recurring job: Hangfire 1.8 takes 6-field (seconds) crons, but each fire would
/// be a Hangfire job with its state rows, some 17,000 a day, and only a 1 s scheduler and queue poll on every
/// instance would keep it within 10 s, for work that is one short statement and mostly finds nothing. So each
/// instance loops, and a try-lock lets one instance work at a time (<see cref="JobService.RunAsync"/>); a tick
/// that found work is recorded in <c>job_runs</c>. An instance that dies stops only its own loop.
/// </summary>
public sealed class IncrementalRefresh(IServiceProvider services, TimeSpan every, ILogger<IncrementalRefresh> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Resolved here, not in the constructor: hosted services are all made before DatabaseStartup has run.
        var jobs = services.GetRequiredService<JobService>();
        using var timer = new PeriodicTimer(every);
        jobs.IncrementalNext = DateTime.UtcNow + every;
        while (await timer.WaitForNextTickAsync(ct))
        {
            var tick = DateTime.UtcNow;
            jobs.IncrementalPrevious = tick;
            jobs.IncrementalNext = tick + every;
            try
            {
                // Flags first (within 10 s too): the subdistricts whose count of flags changed are marked, and the rollups, which
                // carry the counts, take them in the same tick.
                await jobs.RunAsync(JobService.AttentionIncremental, null, tick, keepIdle: false, ct, skipIfBusy: true);
                await jobs.RunAsync(JobService.RollupsIncremental, null, tick, keepIdle: false, ct, skipIfBusy: true);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) // the database away: the next tick tries again
            {
                logger.LogWarning(e, "The incremental refresh could not run; trying again in {Seconds} s", every.TotalSeconds);
            }
        }
    }
}
