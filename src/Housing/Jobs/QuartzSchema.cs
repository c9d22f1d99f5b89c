using Dapper;
using Npgsql;

namespace Housing.Jobs;

/// <summary>
/// Quartz's tables, created by the owner under the migration lock (<see cref="Database.HousingDatabase.AfterMigrations"/>):
/// the app's login may not create tables, so Quartz's own provisioning at start only finds them complete.
/// Goes with Quartz when Hangfire replaces it (its schema step takes this one's place).
/// </summary>
public static class QuartzSchema
{
    const string Prefix = "qrtz_";

    public static async Task InstallAsync(NpgsqlConnection owner, CancellationToken ct)
    {
        if (await owner.ExecuteScalarAsync<bool>($"SELECT to_regclass('{Prefix}locks') IS NOT NULL")) return;
        // The script Quartz runs for itself: statements separated by "--;;", each creating only what is missing.
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream("Quartz.Impl.AdoJobStore.Schema.create_postgres.sql")
            ?? throw new InvalidOperationException("Quartz's PostgreSQL schema script is not in its assembly");
        using var reader = new StreamReader(stream);
        var script = (await reader.ReadToEndAsync(ct)).Replace("{0}", Prefix, StringComparison.Ordinal).Replace("{1}", Prefix, StringComparison.Ordinal);
        await using var tx = await owner.BeginTransactionAsync(ct);
        foreach (var statement in script.Split("\n--;;", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            await owner.ExecuteAsync(new CommandDefinition(statement, transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
