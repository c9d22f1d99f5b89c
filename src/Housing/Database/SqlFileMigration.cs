using Dapper;
using FluentMigrator;
using FluentMigrator.Infrastructure;
using FluentMigrator.Runner;
using Microsoft.Extensions.Logging;

namespace Housing.Database;

/// <summary>
/// FluentMigrator's list of migrations: one per SQL file of migrations/, numbered by the file's leading digits.
/// A source of our own rather than one <c>[Migration(7)]</c> class per file: adding a migration stays "add the
/// .sql file" (no class to forget, no file without its class or class without its file), the checksum is taken
/// of exactly the text that runs, and the tests run sets of SQL of their own through the same runner.
/// </summary>
sealed class SqlFileMigrationLoader(IReadOnlyList<Migrations.Migration> files, ILogger logger) : IMigrationInformationLoader
{
    public SortedList<long, IMigrationInfo> LoadMigrations()
    {
        var list = new SortedList<long, IMigrationInfo>();
        foreach (var file in files)
            list.Add(file.Version, new MigrationInfo(file.Version, file.Name, TransactionBehavior.Default, false, () => new SqlFileMigration(file, logger)));
        return list;
    }
}

/// <summary>One SQL file, run in the transaction FluentMigrator opens for each migration; its checksum row is
/// written in that same transaction, so no migration is ever recorded as applied without it.</summary>
sealed class SqlFileMigration(Migrations.Migration file, ILogger logger) : FluentMigrator.Migration
{
    public override void Up()
    {
        Execute.Sql(file.Sql);
        Execute.WithConnection((conn, tx) =>
        {
            conn.Execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                new { file.Version, file.Name, file.Checksum }, tx);
            logger.LogInformation("Applied migration {Name}", file.Name);
        });
    }

    public override void Down() => throw new NotSupportedException("Migrations only go forward: to go back, restore the backup taken before the upgrade.");
}
