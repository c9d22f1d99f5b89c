using Dapper;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Infrastructure;

/// <summary>
/// One private PostgreSQL cluster for the whole test run, started by the app's own launcher, with the app's
/// two logins (made once: roles are cluster-wide) and a template database owned, migrated and granted as the
/// app migrates and grants; each test class clones its own database from it. A missing server fails the
/// tests, never skips them.
/// </summary>
public static class TestCluster
{
    public const string Template = "housing_template";
    static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);
    static int counter;

    static async Task<EmbeddedPostgres> StartAsync()
    {
        RemoveFinishedRuns();
        var root = Path.Combine(Path.GetTempPath(), $"housing-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var pg = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            pg.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        await pg.EnsureRolesAsync();
        await HousingDatabase.CreateDatabaseIfMissingAsync(pg.ConnectionString("postgres"), Template, EmbeddedPostgres.OwnerRole);
        // No pooling: a template with an idle pooled connection cannot be cloned.
        await HousingDatabase.MigrateAsync(pg.ConnectionString(Template, EmbeddedPostgres.OwnerRole) + ";Pooling=false", EmbeddedPostgres.AppRole, NullLogger.Instance);
        return pg;
    }

    public static Task<EmbeddedPostgres> GetAsync() => Cluster.Value;

    /// <summary>The clusters of earlier runs whose test process and server are both gone: the exit handler above is often
    /// cut short by the test runner (a full run left 2 GB behind each time). A cluster whose process or postmaster still
    /// lives (another run at this moment) is left alone.</summary>
    static void RemoveFinishedRuns()
    {
        static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "housing-tests-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out var pid) || pid == Environment.ProcessId || Alive(pid)) continue;
            var pidFile = Path.Combine(dir, "pgdata", "postmaster.pid");
            try
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && Alive(postmaster)) continue;
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { } catch (UnauthorizedAccessException) { } // not ours to remove, or going already
        }
    }

    /// <summary>A new database owned by the owner role: a copy of the migrated template (geography and grants included),
    /// or empty. Returns the superuser's connection string to it; <see cref="AsOwner"/> and <see cref="AsApp"/> give the
    /// two logins the app uses.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, bool empty = false)
    {
        var pg = await GetAsync();
        var name = $"{prefix.ToLowerInvariant()}_{Interlocked.Increment(ref counter)}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 14)];
        name = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').ToArray());
        await using var conn = new NpgsqlConnection(pg.ConnectionString("postgres") + ";Pooling=false");
        await conn.OpenAsync();
        await conn.ExecuteAsync($"CREATE DATABASE \"{name}\" OWNER {EmbeddedPostgres.OwnerRole}" + (empty ? "" : $" TEMPLATE {Template}"));
        return pg.ConnectionString(name);
    }

    /// <summary>This connection string (of the shared cluster) with the owner's login.</summary>
    public static string AsOwner(string connectionString) => Cluster.Value.Result.AsRole(connectionString, EmbeddedPostgres.OwnerRole);

    /// <summary>This connection string (of the shared cluster) with the app's login.</summary>
    public static string AsApp(string connectionString) => Cluster.Value.Result.AsRole(connectionString, EmbeddedPostgres.AppRole);
}
