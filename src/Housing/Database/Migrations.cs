using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Database;

/// <summary>
/// Applies the versioned SQL files of migrations/ (embedded in this assembly) with FluentMigrator, in number
/// order, each in its own transaction, as the owner of the tables. Around the whole run: an advisory lock, so
/// instances starting at once migrate one after the other; a checksum of every applied file, so an edited
/// migration stops the start; the adoption of databases the earlier runner made (its <c>schema_migrations</c>
/// copied into FluentMigrator's <c>VersionInfo</c>); then the steps that must also run under the lock.
/// </summary>
public static class Migrations
{
    /// <summary>Any fixed number shared by every instance of the app: the key of the migration lock.</summary>
    const long LockKey = 0x486F7573696E67; // "Housing"

    /// <summary>Work that must run under the migration lock, as the owner, after the migrations (e.g. a
    /// package's own schema, the app role's grants). It gets the connection that holds the lock.</summary>
    public delegate Task AfterStep(NpgsqlConnection owner, CancellationToken ct);

    public sealed record Migration(int Version, string Name, string Sql)
    {
        /// <summary>SHA-256 of the text with "\n" line endings: the same figure the earlier runner stored.</summary>
        public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
    }

    public static IReadOnlyList<Migration> Embedded()
    {
        var asm = typeof(Migrations).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Parse(n["migrations/".Length..], Read(asm, n)))
            .OrderBy(m => m.Version)
            .ToList();
    }

    public static Migration Parse(string fileName, string sql)
    {
        var digits = new string(fileName.TakeWhile(char.IsAsciiDigit).ToArray());
        if (digits.Length == 0 || !int.TryParse(digits, out var version))
            throw new InvalidOperationException($"Migration file {fileName} must start with its number, e.g. 0003_name.sql");
        return new Migration(version, fileName, sql);
    }

    static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    /// <summary>Applies what is missing, then runs <paramref name="after"/>, all under the lock; refuses to go on when an
    /// applied file was edited. Returns the number of migrations applied.</summary>
    public static async Task<int> ApplyAsync(string connectionString, ILogger logger, IReadOnlyList<Migration>? migrations = null,
        IReadOnlyList<AfterStep>? after = null, CancellationToken ct = default)
    {
        migrations = (migrations ?? Embedded()).OrderBy(m => m.Version).ToList();
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");

        // Connections of their own, closed for good afterwards: a session lock on a pooled connection would outlive the run.
        // No command timeout: a migration of a large table, or the wait for another instance's run, may take minutes.
        var cs = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, CommandTimeout = 0 }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        // Taken before FluentMigrator is even built: its version loader creates VersionInfo as soon as it is resolved, and
        // instances that resolved it before waiting for the lock failed with 42P07 (relation already exists).
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct));
        try
        {
            var applied = await CheckedLedgerAsync(conn, migrations, ct);
            var known = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('\"VersionInfo\"') IS NOT NULL")
                ? (await conn.QueryAsync<long>("SELECT \"Version\" FROM \"VersionInfo\"")).ToHashSet()
                : null;
            // Nothing to apply and nothing to adopt: FluentMigrator is not started at all (a start of an up-to-date database).
            if (known is null || migrations.Any(m => !known.Contains(m.Version)))
                await RunAsync(conn, cs, migrations, logger, ct);
            foreach (var step in after ?? []) await step(conn, ct);

            var unknown = applied.Keys.Except(migrations.Select(m => m.Version)).Order().ToList();
            if (unknown.Count > 0)
                logger.LogWarning("The database has migrations this build does not know: {Versions}. Is an older build running against a newer database?", unknown);
            return await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations") - applied.Count;
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    /// <summary>The checksum ledger: <c>schema_migrations</c>, as the earlier runner kept it (FluentMigrator keeps none).
    /// Each migration writes its row in its own transaction (<see cref="SqlFileMigration"/>).</summary>
    static async Task<Dictionary<int, (int Version, string Name, string Checksum)>> CheckedLedgerAsync(
        NpgsqlConnection conn, IReadOnlyList<Migration> migrations, CancellationToken ct)
    {
        // Looked up first: CREATE TABLE IF NOT EXISTS needs the right to create even when the table is there.
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migrations') IS NOT NULL"))
            await conn.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken: ct));
        var applied = (await conn.QueryAsync<(int Version, string Name, string Checksum)>(
            new CommandDefinition("SELECT version, name, checksum FROM schema_migrations", cancellationToken: ct)))
            .ToDictionary(a => a.Version);
        foreach (var m in migrations)
        {
            if (applied.TryGetValue(m.Version, out var done) && done.Checksum != m.Checksum)
                throw new InvalidOperationException(
                    $"Migration {m.Name} was changed after it was applied to this database (as {done.Name}, checksum {done.Checksum[..12]}…, now {m.Checksum[..12]}…). " +
                    "Applied migrations are never edited: restore the file and add a new migration with the change.");
        }
        return applied;
    }

    /// <summary>FluentMigrator's part: its version table, the adoption of the earlier runner's ledger, then the missing migrations.</summary>
    static async Task RunAsync(NpgsqlConnection conn, string cs, IReadOnlyList<Migration> migrations, ILogger logger, CancellationToken ct)
    {
        await using var services = new ServiceCollection()
            .AddScoped<IMigrationInformationLoader>(_ => new SqlFileMigrationLoader(migrations, logger)) // before the default one
            .AddFluentMigratorCore()
            .ConfigureRunner(rb => rb.AddPostgres().WithGlobalConnectionString(cs).WithGlobalStripComments(false))
            .BuildServiceProvider(validateScopes: false);
        // FluentMigrator is synchronous: its calls run off the caller's thread.
        await Task.Run(() =>
        {
            using var scope = services.CreateScope();
            scope.ServiceProvider.GetRequiredService<IVersionLoader>(); // creates VersionInfo when missing
        }, ct);
        // Databases migrated by the earlier runner: what it applied counts as applied. Rows already there are left alone,
        // so this is a no-op on every later start.
        var adopted = await conn.ExecuteAsync("""
            INSERT INTO "VersionInfo" ("Version", "AppliedOn", "Description")
            SELECT s.version, s.applied_at AT TIME ZONE 'UTC', s.name FROM schema_migrations s
            WHERE NOT EXISTS (SELECT FROM "VersionInfo" v WHERE v."Version" = s.version)
            ORDER BY s.version
            """);
        if (adopted > 0) logger.LogInformation("Adopted {Count} migrations applied by the earlier runner into VersionInfo", adopted);
        try
        {
            await Task.Run(() =>
            {
                using var scope = services.CreateScope(); // a new scope: its version loader reads the adopted rows
                scope.ServiceProvider.GetRequiredService<IMigrationRunner>().MigrateUp();
            }, ct);
        }
        catch (Exception e) when (e is not PostgresException && Innermost<PostgresException>(e) is { } pg)
        {
            // FluentMigrator wraps the server's error in an Exception holding the whole script: answer with the server's own.
            var failed = await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT name FROM unnest(@names, @versions) AS m(name, version) WHERE version NOT IN (SELECT version FROM schema_migrations) ORDER BY version LIMIT 1",
                new { names = migrations.Select(m => m.Name).ToArray(), versions = migrations.Select(m => m.Version).ToArray() });
            logger.LogError("Migration {Name} failed and was rolled back: {SqlState} {Message}", failed, pg.SqlState, pg.MessageText);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(pg);
        }
    }

    static T? Innermost<T>(Exception? e) where T : Exception
    {
        T? found = null;
        for (; e is not null; e = e.InnerException)
            if (e is T t) found = t;
        return found;
    }
}
