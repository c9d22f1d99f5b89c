using System.Diagnostics;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Benchmarks;

/// <summary>A timed scenario: <c>dotnet run -c Release --project tests/Housing.Benchmarks -- NAME [options]</c>.</summary>
public interface IScenario
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(string[] args);
}

/// <summary>What scenarios share: a private durable PostgreSQL cluster with a migrated database (geography loaded), and timing.</summary>
public sealed class Bench : IAsyncDisposable
{
    readonly EmbeddedPostgres cluster;
    readonly string root;
    public NpgsqlDataSource Db { get; }

    Bench(EmbeddedPostgres cluster, string root, NpgsqlDataSource db) => (this.cluster, this.root, Db) = (cluster, root, db);

    /// <summary>Durable (fsync on) like a production server, so the figures are not flattered.</summary>
    public static async Task<Bench> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"housing-bench-{Environment.ProcessId}");
        var cluster = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: true);
        await HousingDatabase.CreateDatabaseIfMissingAsync(cluster.ConnectionString("postgres"), "bench");
        var db = NpgsqlDataSource.Create(cluster.ConnectionString("bench"));
        await Migrations.ApplyAsync(db, NullLogger.Instance);
        await Geography.GeographySeeder.SeedAsync(db, NullLogger.Instance);
        return new Bench(cluster, root, db);
    }

    public static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>Runs <paramref name="work"/> and reports its time and the peak managed heap sampled while it ran.</summary>
    public static async Task<(TimeSpan Elapsed, long PeakHeapBytes)> MeasureAsync(Func<Task> work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long peak = GC.GetTotalMemory(true);
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                try { await Task.Delay(5, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var watch = Stopwatch.StartNew();
        await work();
        watch.Stop();
        await stop.CancelAsync();
        await sampler;
        return (watch.Elapsed, peak);
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        await cluster.StopAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
