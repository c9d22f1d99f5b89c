using Dapper;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Infrastructure;

/// <summary>
/// One private PostgreSQL cluster for the whole test run, started by the app's own launcher, with a
/// migrated template database; each test class clones its own database from it. A missing server
/// fails the tests, never skips them.
/// </summary>
public static class TestCluster
{
    public const string Template = "housing_template";
    static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);
    static int counter;

    static async Task<EmbeddedPostgres> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"housing-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var pg = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            pg.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        await HousingDatabase.CreateDatabaseIfMissingAsync(pg.ConnectionString("postgres"), Template);
        // No pooling: a template with an idle pooled connection cannot be cloned.
        await using (var db = NpgsqlDataSource.Create(pg.ConnectionString(Template) + ";Pooling=false"))
        {
            await Migrations.ApplyAsync(db, NullLogger.Instance);
            await Housing.Geography.GeographySeeder.SeedAsync(db, NullLogger.Instance);
        }
        return pg;
    }

    public static Task<EmbeddedPostgres> GetAsync() => Cluster.Value;

    /// <summary>A new database: a copy of the migrated template (geography included), or empty.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, bool empty = false)
    {
        var pg = await GetAsync();
        var name = $"{prefix.ToLowerInvariant()}_{Interlocked.Increment(ref counter)}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 14)];
        name = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').ToArray());
        await using var conn = new NpgsqlConnection(pg.ConnectionString("postgres") + ";Pooling=false");
        await conn.OpenAsync();
        await conn.ExecuteAsync(empty ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE {Template}");
        return pg.ConnectionString(name);
    }
}
