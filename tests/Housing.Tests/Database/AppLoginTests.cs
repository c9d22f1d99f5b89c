using System.Net;
using Dapper;
using Housing.Access;
using Housing.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Tests.Database;

/// <summary>The app's own database login (issue: "the app connects as a database superuser").</summary>
public sealed class AppLoginTests(TestApp app) : IClassFixture<TestApp>
{
    const string TriggersOn = "SELECT count(*) FROM pg_trigger WHERE tgname IN ('audit_log_append_only', 'transfers_append_only', 'disbursements_append_only', 'disbursements_no_truncate') AND tgenabled = 'O'";

    [Theory]
    [InlineData("ALTER TABLE disbursements DISABLE TRIGGER disbursements_append_only")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER ALL")]
    [InlineData("ALTER TABLE households ADD COLUMN note text")]
    [InlineData("DROP TRIGGER transfers_append_only ON transfers")]
    [InlineData("CREATE OR REPLACE FUNCTION refuse_direct_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")]
    [InlineData("TRUNCATE disbursements")]
    [InlineData("TRUNCATE audit_log CASCADE")]
    [InlineData("DROP TABLE disbursements")]
    [InlineData("CREATE TABLE intruder (a int)")]
    [InlineData("CREATE SCHEMA intruder")]
    [InlineData("SET session_replication_role = replica")]
    [InlineData("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')")]
    [InlineData("DELETE FROM \"VersionInfo\"")]
    public async Task The_apps_own_login_cannot_change_the_schema_or_switch_off_the_ledgers_triggers(string sql)
    {
        Assert.Equal(4, await app.Db.ScalarAsync<long>(TriggersOn));
        var e = await Assert.ThrowsAsync<PostgresException>(() => app.Db.ExecuteAsync(sql));
        Assert.Equal("42501", e.SqlState);
        Assert.Equal(4, await app.Db.ScalarAsync<long>(TriggersOn));
        Assert.Equal(0, await app.Db.CountAsync("pg_tables", "tablename = 'intruder'"));
    }

    [Fact]
    public async Task The_apps_login_owns_nothing_and_reads_and_writes_rows_and_temporary_tables()
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        Assert.Equal(EmbeddedPostgres.AppRole, await conn.ExecuteScalarAsync<string>("SELECT current_user"));
        Assert.False(await DatabaseRoles.CanChangeSchemaAsync(conn));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"));
        await using var tx = await conn.BeginTransactionAsync();
        // What the import does: a temporary table, COPY into it, ANALYZE it, and the lock on households.
        await conn.ExecuteAsync("CREATE TEMP TABLE staged (a int) ON COMMIT DROP", transaction: tx);
        await using (var copy = await conn.BeginTextImportAsync("COPY staged (a) FROM STDIN"))
            await copy.WriteAsync("1\n2\n");
        await conn.ExecuteAsync("ANALYZE staged; LOCK TABLE households IN SHARE ROW EXCLUSIVE MODE", transaction: tx);
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM staged", transaction: tx));
        Assert.Equal(1, await conn.ExecuteAsync("INSERT INTO rollup_dirty (code) VALUES ('540101')", transaction: tx));
        Assert.Equal(6, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE version <= 6", transaction: tx));
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task Tables_and_schemas_the_owner_makes_later_are_open_to_the_app_for_rows_only()
    {
        // As a package's schema step does (Hangfire's, in a schema of its own), after the grants of this start.
        await using (var owner = NpgsqlDataSource.Create(app.OwnerConnectionString))
            await owner.ExecuteAsync("CREATE SCHEMA jobstore; CREATE TABLE jobstore.job (id bigint GENERATED ALWAYS AS IDENTITY, name text)");
        Assert.Equal(1, await app.Db.ExecuteAsync("INSERT INTO jobstore.job (name) VALUES ('x')"));
        Assert.Equal(1, await app.Db.ExecuteAsync("UPDATE jobstore.job SET name = 'y'"));
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => app.Db.ExecuteAsync("DROP TABLE jobstore.job"))).SqlState);
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => app.Db.ExecuteAsync("TRUNCATE jobstore.job"))).SqlState);
        Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => app.Db.ExecuteAsync("CREATE TABLE jobstore.more (a int)"))).SqlState);
    }
}

/// <summary>The app given only ConnectionStrings:Housing, as every deployment before there were two logins.</summary>
public sealed class OneLoginApp : TestApp
{
    readonly CapturedLog log = new();
    public IEnumerable<CapturedLog.Line> Logs => log.Lines;
    protected override bool TwoLogins => false;
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureLogging(l => l.AddProvider(log));
}

public sealed class OneLoginTests(OneLoginApp app) : IClassFixture<OneLoginApp>
{
    [Fact]
    public async Task Given_only_one_connection_string_the_app_starts_and_runs_on_it_and_warns_once()
    {
        Assert.Equal(EmbeddedPostgres.OwnerRole, await app.Db.ScalarAsync<string>("SELECT current_user"));
        var client = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var created = await client.PostAsync("/api/v1/budgets", System.Net.Http.Json.JsonContent.Create(
            new { program = "BPP", fiscalYear = 2565, provinceCode = "54", targetHouseholds = 65, amount = 1358500m }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var warnings = app.Logs.Where(l => l.Level == LogLevel.Warning && l.Message.Contains("Only one database login is configured", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("ConnectionStrings:HousingOwner", warnings[0].Message);
    }
}
