using System.Diagnostics;
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

    static async Task RunAsync(string tool, string connectionString, string[] args, string? binDirectory, CancellationToken ct)
    {
        var bin = binDirectory ?? FindClientBin(tool) ?? throw new InvalidOperationException($"{tool} was not found: install postgresql-client.");
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(Path.Combine(bin, tool))
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            // The password goes through the environment, never the command line (visible in ps).
            Environment = { ["PGPASSWORD"] = cs.Password ?? "", ["PGHOST"] = cs.Host, ["PGPORT"] = cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PGUSER"] = cs.Username, ["PGDATABASE"] = cs.Database },
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(tool == "pg_restore" ? "--dbname=" + cs.Database : cs.Database!);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync(ct);
        var output = p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed ({p.ExitCode}): {await err}{await output}");
    }

    /// <summary>The client of the newest server version on the machine (it can dump older servers too).</summary>
    static string? FindClientBin(string tool)
        => EmbeddedPostgres.FindBinDirectory() is { } dir && File.Exists(Path.Combine(dir, tool)) ? dir
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').FirstOrDefault(d => File.Exists(Path.Combine(d, tool)));
}
