using Npgsql;

namespace Housing.Database;

/// <summary>Backups are PostgreSQL's own: <c>pg_dump --format=custom</c> of the whole database (ledgers,
/// audit log and milestone photos are all in it) and <c>pg_restore</c> into an empty database.</summary>
public static class Backup
{
    public static Task DumpAsync(string connectionString, string file, string? binDirectory = null, CancellationToken ct = default)
        => RunAsync("pg_dump", connectionString, ["--format=custom", "--no-owner", "--no-privileges", "--file", file], binDirectory, ct);

    /// <summary>Restores into the database of <paramref name="connectionString"/>, which must be empty
    /// (create it first); the whole restore is one transaction, so a failure leaves it empty.</summary>
    public static Task RestoreAsync(string connectionString, string file, string? binDirectory = null, CancellationToken ct = default)
        => RunAsync("pg_restore", connectionString, ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", file], binDirectory, ct);

    static Task RunAsync(string tool, string connectionString, string[] args, string? binDirectory, CancellationToken ct)
    {
        // The newest server's client tools can dump older servers too.
        var bin = EmbeddedPostgres.FindBinDirectory(binDirectory, [tool]) ?? throw new InvalidOperationException($"{tool} was not found: install postgresql-client.");
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        // The password goes through the environment, never the command line (visible in ps).
        var environment = new Dictionary<string, string>
        {
            ["PGPASSWORD"] = cs.Password ?? "", ["PGHOST"] = cs.Host ?? "localhost", ["PGPORT"] = cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = cs.Username ?? "", ["PGDATABASE"] = cs.Database ?? "",
        };
        string[] all = [.. args, tool == "pg_restore" ? "--dbname=" + cs.Database : cs.Database!];
        return EmbeddedPostgres.RunAsync(Path.Combine(bin, tool), all, asAccount: false, ct, environment);
    }
}
