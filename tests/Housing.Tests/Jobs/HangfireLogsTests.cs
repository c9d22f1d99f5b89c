using System.Collections.Concurrent;
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

    sealed class Captured : ILoggerProvider
    {
        public readonly ConcurrentQueue<(string Category, string Message)> Lines = new();
        public ILogger CreateLogger(string category) => new Line(this, category);
        public void Dispose() { }

        sealed class Line(Captured to, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel level) => true;
            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel level, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> format)
                => to.Lines.Enqueue((category, format(state, exception)));
        }
    }

    static IHost Instance(string connectionString, Captured log) => JobHost.Create(connectionString, log: log);

    [Fact]
    public async Task After_the_host_that_started_last_is_disposed_the_other_hosts_Hangfire_logs_to_its_own_log()
    {
        var cs = await TestCluster.CreateDatabaseAsync(nameof(HangfireLogsTests));
        Captured firstLog = new(), secondLog = new();
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
        Assert.Equal([("Housing.Tests.Probe", "the second one gone")], firstLog.Lines.Where(l => l.Category == "Housing.Tests.Probe"));
        Assert.Equal([("Housing.Tests.Probe", "both running")], secondLog.Lines.Where(l => l.Category == "Housing.Tests.Probe"));
        // The first host's jobs still run: a run-now is taken by its Hangfire server and finishes.
        var jobs = first.Services.GetRequiredService<JobService>();
        var run = await jobs.RequestAsync(Housing.Access.Caller.System, JobService.RollupsFull);
        var status = "";
        for (var i = 0; i < 300 && status is not ("succeeded" or "failed"); i++)
        {
            await Task.Delay(100);
            status = (await jobs.FindRunAsync(Housing.Access.Caller.System, run)).Status;
        }
        Assert.Equal("succeeded", status);
        await first.StopAsync();
    }
}
