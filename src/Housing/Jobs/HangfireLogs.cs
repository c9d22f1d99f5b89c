using Hangfire.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Housing.Jobs;

/// <summary>
/// Hangfire logs through one process-wide provider (<see cref="LogProvider"/>), which <c>AddHangfire</c> points at the
/// logger factory of the host that configured it last. With two hosts in one process (the tests), the disposal of that
/// host left the other's Hangfire on a disposed factory: its next logger threw <see cref="ObjectDisposedException"/> in a
/// background service, which stopped the live host (DemoDataTests beside the other demo tests, one run in two). This
/// provider logs through the newest host still running, and each logger follows it when that host stops.
/// </summary>
public sealed class HangfireLogs : ILogProvider
{
    public static readonly HangfireLogs Instance = new();
    static readonly Lock Gate = new();
    static volatile ILoggerFactory[] running = [];

    /// <summary>This host's factory takes Hangfire's logs from now until the host has stopped.</summary>
    public static void Attach(IServiceProvider services)
    {
        var factory = services.GetRequiredService<ILoggerFactory>();
        lock (Gate) running = [.. running, factory];
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(() => Detach(factory));
    }

    static void Detach(ILoggerFactory factory)
    {
        lock (Gate) running = Array.FindAll(running, f => !ReferenceEquals(f, factory));
    }

    public ILog GetLogger(string name) => new Logger(name);

    sealed record Bound(ILoggerFactory Factory, ILogger Logger);

    sealed class Logger(string name) : ILog
    {
        volatile Bound? bound;

        public bool Log(HangfireLevel level, Func<string>? message, Exception? exception = null)
        {
            var hosts = running;
            if (hosts.Length == 0) return false;
            var factory = hosts[^1];
            try
            {
                var b = bound;
                if (b is null || !ReferenceEquals(b.Factory, factory)) bound = b = new Bound(factory, factory.CreateLogger(name));
                var to = level switch
                {
                    HangfireLevel.Trace => LogLevel.Trace,
                    HangfireLevel.Debug => LogLevel.Debug,
                    HangfireLevel.Info => LogLevel.Information,
                    HangfireLevel.Warn => LogLevel.Warning,
                    HangfireLevel.Error => LogLevel.Error,
                    _ => LogLevel.Critical,
                };
                // Without a message, Hangfire asks whether the level is on.
                if (message is null) return b.Logger.IsEnabled(to);
                b.Logger.Log(to, 0, message(), exception, static (text, _) => text);
                return true;
            }
            catch (ObjectDisposedException)
            {
                Detach(factory); // disposed without stopping first: the next call goes to the host before it
                return false;
            }
        }
    }
}
