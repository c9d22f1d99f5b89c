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
