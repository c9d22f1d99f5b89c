using Hangfire.PostgreSql;
using Npgsql;

namespace Housing.Jobs;

/// <summary>Hangfire's tables, in a schema of their own.</summary>
public static class HangfireSchema
{
    public const string Name = "hangfire";

    /// <summary>
    /// Creates or upgrades Hangfire's schema. Call it while the migration lock is held: two instances starting
    /// on an empty database each ran <c>CREATE SCHEMA</c> and one failed with 23505. At run time the storage
    /// never prepares its schema, so the app's own login needs no DDL right.
    /// </summary>
    public static Task InstallAsync(NpgsqlConnection conn, CancellationToken ct = default)
        => Task.Run(() => PostgreSqlObjectsInstaller.Install(conn, Name), ct); // the installer is synchronous
}
