using System.Diagnostics;
using Dapper;
using Housing.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Benchmarks;

/// <summary>What scenarios share: a private durable PostgreSQL cluster with a migrated database (geography loaded), and timing.</summary>
public sealed class Bench : IAsyncDisposable
{
    readonly EmbeddedPostgres cluster;
    readonly string root;
    readonly bool kept;
    public NpgsqlDataSource Db { get; }
    /// <summary>The migrated "bench" database's connection string (with its password), e.g. to host the app on it.</summary>
    public string ConnectionString => cluster.ConnectionString("bench");
    /// <summary>The cluster's folder, for the files a scenario writes.</summary>
    public string Folder => root;

    Bench(EmbeddedPostgres cluster, string root, bool kept, NpgsqlDataSource db) => (this.cluster, this.root, this.kept, Db) = (cluster, root, kept, db);

    /// <summary>Durable (fsync on) like a production server, so the figures are not flattered, unless told otherwise.
    /// <paramref name="keepable"/>: with HOUSING_BENCH_KEEP=1, the national data's cluster is kept in a fixed folder for the next
    /// run (the rollups benchmark's), so a scenario on it skips the generation.</summary>
    public static async Task<Bench> StartAsync(bool durable = true, bool keepable = false)
    {
        var kept = keepable && Environment.GetEnvironmentVariable("HOUSING_BENCH_KEEP") == "1";
        var root = Path.Combine(Path.GetTempPath(), kept ? "housing-bench-kept" : $"housing-bench-{Environment.ProcessId}");
        var cluster = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: durable);
        await HousingDatabase.CreateDatabaseIfMissingAsync(cluster.ConnectionString("postgres"), "bench");
        await HousingDatabase.MigrateAsync(cluster.ConnectionString("bench"), appRole: null, NullLogger.Instance);
        var db = NpgsqlDataSource.Create(cluster.ConnectionString("bench"));
        return new Bench(cluster, root, kept, db);
    }

    /// <summary>The national data set (<see cref="NationalData"/>), generated unless a kept cluster holds it already.</summary>
    public async Task NationalDataAsync(int households)
    {
        if (await Db.CreateCommand("SELECT count(*) FROM households").ExecuteScalarAsync() is not 0L) return;
        Console.WriteLine($"Generating {households:N0} households …");
        await NationalData.GenerateAsync(Db, households);
    }

    /// <summary>The app over <paramref name="connectionString"/> on a free loopback Kestrel port: production settings,
    /// quiet logs, no demo data, no sign-in rate limit (the clients sign in all at once).</summary>
    /// <summary>A new database that is a copy of "bench" as it is now (the "bench" pool is emptied first: a template
    /// must have no sessions). Returns its connection string.</summary>
    public async Task<string> CopyAsync(string database)
    {
        Db.Clear();
        await using var admin = new NpgsqlConnection(cluster.ConnectionString("postgres") + ";Pooling=false");
        await admin.OpenAsync();
        await admin.ExecuteAsync($"CREATE DATABASE {database} TEMPLATE bench");
        return cluster.ConnectionString(database);
    }

    public static (WebApplicationFactory<Program> App, string BaseUrl) HostApp(string connectionString)
    {
        // The factory finds the app's content root through MvcTestingAppManifest.json in the working folder.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("ConnectionStrings:Housing", connectionString);
            b.UseSetting("Housing:Demo", "false");
            b.UseSetting("Housing:Auth:SignInsPerMinute", "100000");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        });
        app.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        app.StartServer();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1");
        return (app, baseUrl);
    }

    /// <summary>The nearest-rank percentile (p from 0 to 1) of sorted values; 0 when there are none.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Prints one figure against its target; returns whether it was met.</summary>
    public static bool Report(string what, double seconds, string detail, bool met)
    {
        Console.WriteLine($"{what,-28} {seconds * 1000,10:N1} ms  {detail}  {(met ? "OK" : "MISSED")}");
        return met;
    }

    /// <summary>The best of <paramref name="runs"/> timed runs, in seconds.</summary>
    public static async Task<double> BestAsync(int runs, Func<Task> action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    public static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>What a measured run took: wall time, the peak managed heap sampled while it ran, and the CPU
    /// seconds spent by this process and by the PostgreSQL cluster (every process under its postmaster).</summary>
    public sealed record Measure(TimeSpan Elapsed, long PeakHeapBytes, double ClientCpu, double ServerCpu)
    {
        /// <summary>On a quiet machine with a core each, the client and the server work side by side: the busier one sets the pace.</summary>
        public double QuietRowsPerSecond(int rows) => rows / Math.Max(ClientCpu, ServerCpu);
    }

    public async Task<Measure> MeasureAsync(Func<Task> work)
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
        var (client0, server0) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpuSeconds());
        var watch = Stopwatch.StartNew();
        await work();
        watch.Stop();
        var (client1, server1) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpuSeconds());
        await stop.CancelAsync();
        await sampler;
        return new Measure(watch.Elapsed, peak, (client1 - client0).TotalSeconds, server1 - server0);
    }

    /// <summary>CPU seconds of the postmaster and its children, from /proc (clock ticks of 1/100 s).</summary>
    public double ServerCpuSeconds()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(root, "pgdata", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime(15).
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (pid == postmaster || f[1] == postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture))
                ticks += long.Parse(f[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        return ticks / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        await cluster.StopAsync();
        if (kept) return;
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
