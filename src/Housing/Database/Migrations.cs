using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Database;

/// <summary>Applies the versioned SQL files of migrations/ (embedded in this assembly) in order, each in
/// its own transaction, under an advisory lock so two instances never migrate at once.</summary>
public static class Migrations
{
    /// <summary>Any fixed number shared by every instance of the app: the key of the migration lock.</summary>
    const long LockKey = 0x486F7573696E67; // "Housing"

    public sealed record Migration(int Version, string Name, string Sql)
    {
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

    /// <summary>Applies what is missing; refuses to go on when an applied file was edited. Returns the number applied.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource db, ILogger logger, IReadOnlyList<Migration>? migrations = null, CancellationToken ct = default)
    {
        migrations = (migrations ?? Embedded()).OrderBy(m => m.Version).ToList();
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");

        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct));
        try
        {
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

            var count = 0;
            foreach (var m in migrations)
            {
                if (applied.TryGetValue(m.Version, out var done))
                {
                    if (done.Checksum != m.Checksum)
                        throw new InvalidOperationException(
                            $"Migration {m.Name} was changed after it was applied to this database (as {done.Name}, checksum {done.Checksum[..12]}…, now {m.Checksum[..12]}…). " +
                            "Applied migrations are never edited: restore the file and add a new migration with the change.");
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(m.Sql, transaction: tx, cancellationToken: ct, commandTimeout: 0));
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    new { m.Version, m.Name, m.Checksum }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Name}", m.Name);
                count++;
            }
            await Housing.Jobs.HangfireSchema.InstallAsync(conn, ct); // Hangfire's own schema, under the same lock
            var unknown = applied.Keys.Except(migrations.Select(m => m.Version)).Order().ToList();
            if (unknown.Count > 0)
                logger.LogWarning("The database has migrations this build does not know: {Versions}. Is an older build running against a newer database?", unknown);
            return count;
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }
}
