using Dapper;
using Housing.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Database;

/// <summary>Databases made by the release before FluentMigrator, upgraded by this one: no row changes.</summary>
public sealed class UpgradeTests
{
    /// <summary>Every row of every table, as a count and a digest per table, over the columns it has now (or, given
    /// <paramref name="columns"/>, over those only: a later migration may add a column, which changes no row's data).</summary>
    internal static async Task<Dictionary<string, (long Rows, string Digest)>> SnapshotAsync(NpgsqlConnection conn, Dictionary<string, string[]>? columns = null)
    {
        var tables = await conn.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'VersionInfo' AND tablename NOT LIKE 'qrtz%' ORDER BY 1");
        var snapshot = new Dictionary<string, (long, string)>();
        foreach (var t in tables)
        {
            if (columns is not null && !columns.ContainsKey(t)) continue; // a table a later migration added
            var cols = columns?[t] ?? (await ColumnsAsync(conn))[t];
            var row = string.Join(", ", cols.Select(c => $"r.\"{c}\""));
            var where = t == "schema_migrations" && columns is not null ? "WHERE version <= 6" : "";
            snapshot[t] = await conn.QuerySingleAsync<(long, string)>(
                $"SELECT count(*), coalesce(md5(string_agg(row({row})::text, '|' ORDER BY row({row})::text)), '') FROM \"{t}\" r {where}");
        }
        return snapshot;
    }

    /// <summary>Each table's columns, in order.</summary>
    internal static async Task<Dictionary<string, string[]>> ColumnsAsync(NpgsqlConnection conn)
        => (await conn.QueryAsync<(string Table, string Column)>(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"))
            .GroupBy(c => c.Table).ToDictionary(g => g.Key, g => g.Select(c => c.Column).ToArray());

    internal const string Totals = """
        SELECT p.id, c.received, c.paid, (SELECT sum(amount) FROM transfers t WHERE t.project_id = p.id) AS transfers,
               (SELECT sum(amount) FROM disbursements d WHERE d.project_id = p.id) AS payments
        FROM projects p JOIN project_cash c ON c.project_id = p.id ORDER BY p.id
        """;

    [Fact]
    public async Task A_database_migrated_by_the_previous_runner_is_adopted_with_every_row_and_total_unchanged()
    {
        var superuser = await TestCluster.CreateDatabaseAsync("upgrade", empty: true);
        var owner = TestCluster.AsOwner(superuser);
        await using var db = NpgsqlDataSource.Create(owner);
        await PreviousRunner.ApplyAsync(db);
        await Housing.Geography.GeographySeeder.SeedAsync(db, NullLogger.Instance);
        await PreviousRunner.FillAsync(db);
        await PreviousRunner.QuartzAsync(db);
        await using var conn = await db.OpenConnectionAsync();
        const string Quartz = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'qrtz%'";
        Assert.Equal(11, await conn.ExecuteScalarAsync<long>(Quartz));
        var columns = await ColumnsAsync(conn);
        var before = await SnapshotAsync(conn, columns);
        var totals = (await conn.QueryAsync<(long, decimal, decimal, decimal, decimal)>(Totals)).ToList();
        Assert.Equal([(totals[0].Item1, 62_700m, 4_000m, 62_700m, 4_000m)], totals);
        Assert.Equal(6, before["schema_migrations"].Rows);
        Assert.Equal(7436, before["subdistricts"].Rows);

        await HousingDatabase.MigrateAsync(owner, EmbeddedPostgres.AppRole, NullLogger.Instance);

        Assert.Equal(before, await SnapshotAsync(conn, columns));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(Quartz)); // Quartz's tables, keys and rows gone with it (0008)
        Assert.Equal(totals, await conn.QueryAsync<(long, decimal, decimal, decimal, decimal)>(Totals));
        Assert.Equal(Enumerable.Range(1, 6).Select(v => (long)v), (await conn.QueryAsync<long>("SELECT \"Version\" FROM \"VersionInfo\" WHERE \"Version\" <= 6 ORDER BY 1")));
        Assert.Equal(Migrations.Embedded().Count, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM \"VersionInfo\""));
        // The adopted rows keep the earlier runner's names and times.
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM schema_migrations s JOIN "VersionInfo" v ON v."Version" = s.version
            WHERE v."Description" <> s.name OR v."AppliedOn" <> s.applied_at AT TIME ZONE 'UTC'
            """));
        // A second start changes nothing either.
        await HousingDatabase.MigrateAsync(owner, EmbeddedPostgres.AppRole, NullLogger.Instance);
        Assert.Equal(before, await SnapshotAsync(conn, columns));
    }

    [Fact]
    public async Task An_embedded_cluster_of_the_previous_version_is_handed_to_the_owner_and_the_app_runs_on_its_own_login()
    {
        var root = Path.Combine(Path.GetTempPath(), "housing-upgrade-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            // As the previous version left it: everything made and owned by the superuser, no other login.
            var old = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
            await HousingDatabase.CreateDatabaseIfMissingAsync(old.ConnectionString("postgres"), "housing");
            Dictionary<string, (long, string)> before;
            Dictionary<string, string[]> columns;
            await using (var db = NpgsqlDataSource.Create(old.ConnectionString("housing") + ";Pooling=false"))
            {
                await PreviousRunner.ApplyAsync(db);
                await Housing.Geography.GeographySeeder.SeedAsync(db, NullLogger.Instance);
                await PreviousRunner.FillAsync(db);
                await using var conn = await db.OpenConnectionAsync();
                columns = await ColumnsAsync(conn);
                before = await SnapshotAsync(conn, columns);
            }
            await old.StopAsync();

            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Housing:Database:DataDirectory"] = root }).Build();
            await using var database = new HousingDatabase(config, NullLogger<HousingDatabase>.Instance);
            await database.StartAsync();
            await using (var conn = await database.DataSource.OpenConnectionAsync())
            {
                Assert.Equal(EmbeddedPostgres.AppRole, await conn.ExecuteScalarAsync<string>("SELECT current_user"));
                Assert.False(await DatabaseRoles.CanChangeSchemaAsync(conn));
                Assert.Equal(before, await SnapshotAsync(conn, columns));
            }
            await using (var owner = new NpgsqlConnection(database.OwnerConnectionString))
            {
                await owner.OpenAsync();
                Assert.Equal(EmbeddedPostgres.OwnerRole, await owner.ExecuteScalarAsync<string>("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
                Assert.Equal([EmbeddedPostgres.OwnerRole], await owner.QueryAsync<string>("SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = 'public'"));
                Assert.Equal(0, await owner.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> 'housing_owner'::regrole AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"));
            }
            foreach (var role in new[] { EmbeddedPostgres.OwnerRole, EmbeddedPostgres.AppRole })
                if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, role + ".password")));
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
