using Hangfire;
using Hangfire.Logging;
using Housing.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Tests.Jobs;

/// <summary>Hangfire logs through one provider per process. Two hosts in one process (as in these tests): the one that
/// started last stops and is disposed, and the other's Hangfire must go on logging to its own log, not throw. Run alone,
/// after the other tests: with their hosts running too, the newest of them would take the log.</summary>
[Collection(Alone)]
public sealed class HangfireLogsTests
{
    public const string Alone = "Hangfire's logs, alone in the process";

    [CollectionDefinition(Alone, DisableParallelization = true)]
    public sealed class AloneCollection;

    static IHost Instance(string connectionString, CapturedLog log) => JobHost.Create(connectionString, log: log);

    [Fact]
    public async Task After_the_host_that_started_last_is_disposed_the_other_hosts_Hangfire_logs_to_its_own_log()
    {
        var cs = await TestCluster.CreateDatabaseAsync(nameof(HangfireLogsTests));
        CapturedLog firstLog = new(), secondLog = new();
        using var first = Instance(cs, firstLog);
        await first.StartAsync();
        var second = Instance(cs, secondLog);
        await second.StartAsync();
        // Hangfire's client, made after the second host configured Hangfire: before HangfireLogs, its loggers came from that host's factory.
        Assert.NotNull(first.Services.GetRequiredService<IBackgroundJobClient>());

        LogProvider.GetLogger("Housing.Tests.Probe").Log(Hangfire.Logging.LogLevel.Warn, () => "both running");
        await second.StopAsync();
        second.Dispose();
        // Before HangfireLogs this threw ObjectDisposedException (the second host's logger factory), and in a background
        // service that stopped the first host.
        var logged = LogProvider.GetLogger("Housing.Tests.Probe").Log(Hangfire.Logging.LogLevel.Warn, () => "the second one gone");

        Assert.True(logged);
        Assert.Equal([("Housing.Tests.Probe", "the second one gone")], firstLog.Lines.Where(l => l.Category == "Housing.Tests.Probe").Select(l => (l.Category, l.Message)));
        Assert.Equal([("Housing.Tests.Probe", "both running")], secondLog.Lines.Where(l => l.Category == "Housing.Tests.Probe").Select(l => (l.Category, l.Message)));
        // The first host's jobs still run: a run-now is taken by its Hangfire server and finishes.
        var jobs = first.Services.GetRequiredService<JobService>();
        var run = await jobs.RequestAsync(Housing.Access.Caller.System, JobService.RollupsFull);
        var status = (await JobTests.EventuallyAsync(() => jobs.FindRunAsync(Housing.Access.Caller.System, run),
            r => r.Status is "succeeded" or "failed", TimeSpan.FromSeconds(30))).Status;
        Assert.Equal("succeeded", status);
        await first.StopAsync();
    }
}
