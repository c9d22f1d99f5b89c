using Dapper;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Database;

/// <summary>The FluentMigrator runner, as the owner of an empty database of its own per test.</summary>
public sealed class MigrationTests
{
    /// <summary>The owner's connection string to a new empty database, and a data source on it for the assertions.</summary>
    static async Task<(string Owner, NpgsqlDataSource Db)> EmptyDatabaseAsync()
    {
        var owner = TestCluster.AsOwner(await TestCluster.CreateDatabaseAsync("migr", empty: true));
        return (owner, NpgsqlDataSource.Create(owner));
    }

    static Migrations.Migration M(string file, string sql) => Migrations.Parse(file, sql);
    static Task<int> ApplyAsync(string cs, IReadOnlyList<Migrations.Migration>? set = null, IReadOnlyList<Migrations.AfterStep>? after = null)
        => Migrations.ApplyAsync(cs, NullLogger.Instance, set, after);
    const string Versions = "SELECT \"Version\" FROM \"VersionInfo\" ORDER BY \"Version\"";

    [Fact]
    public async Task Migrations_apply_in_number_order_each_once_and_FluentMigrator_records_them()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        // Listed out of order on purpose: 0002 needs 0001's table, 0010 needs 0002's column.
        var set = new[]
        {
            M("0010_c.sql", "INSERT INTO t (a, b) VALUES (1, 'x');"),
            M("0001_a.sql", "CREATE TABLE t (a int);"),
            M("0002_b.sql", "ALTER TABLE t ADD COLUMN b text;"),
        };
        Assert.Equal(3, await ApplyAsync(cs, set));
        Assert.Equal(0, await ApplyAsync(cs, set));
        Assert.Equal(["0001_a.sql", "0002_b.sql", "0010_c.sql"], await db.QueryAsync<string>("SELECT name FROM schema_migrations ORDER BY applied_at, version"));
        Assert.Equal([1L, 2L, 10L], await db.QueryAsync<long>(Versions));
        Assert.Equal(["0001_a.sql", "0002_b.sql", "0010_c.sql"], await db.QueryAsync<string>("SELECT \"Description\" FROM \"VersionInfo\" ORDER BY \"Version\""));
        Assert.Equal(1, await db.CountAsync("t"));
        Assert.Equal(EmbeddedPostgres.OwnerRole, await db.ScalarAsync<string>("SELECT tableowner FROM pg_tables WHERE tablename = 't'"));
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_the_start_with_a_clear_error()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        await ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a int);")]);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a bigint);"), M("0002_b.sql", "CREATE TABLE u (a int);")]));
        Assert.Contains("0001_a.sql was changed after it was applied", e.Message);
        Assert.Equal(0, await db.CountAsync("pg_tables", "tablename = 'u'"));
        Assert.Equal([1L], await db.QueryAsync<long>(Versions));
    }

    [Fact]
    public async Task Line_endings_alone_do_not_count_as_an_edit()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        await ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a int);\nSELECT 1;\n")]);
        Assert.Equal(0, await ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a int);\r\nSELECT 1;\r\n")]));
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_of_itself_and_later_ones_do_not_run()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        var e = await Assert.ThrowsAsync<PostgresException>(() => ApplyAsync(cs,
        [
            M("0001_a.sql", "CREATE TABLE t (a int);"),
            M("0002_b.sql", "CREATE TABLE half (a int); INSERT INTO nowhere VALUES (1);"),
            M("0003_c.sql", "CREATE TABLE later (a int);"),
        ]));
        Assert.Equal("42P01", e.SqlState);
        Assert.Equal([1], await db.QueryAsync<int>("SELECT version FROM schema_migrations"));
        Assert.Equal([1L], await db.QueryAsync<long>(Versions));
        Assert.Equal(0, await db.CountAsync("pg_tables", "tablename IN ('half', 'later')"));
    }

    [Fact]
    public async Task Braces_dollar_quotes_and_comments_reach_the_server_as_written()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        // FluentMigrator formats SQL with string.Format and replaces $(tokens); a function body and a regex with braces must survive.
        await ApplyAsync(cs, [M("0001_a.sql", """
            -- a comment; and another
            CREATE TABLE t (code text CHECK (code ~ '^[0-9]{2}$'), tags text[] NOT NULL DEFAULT '{}');
            CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN '$(name) {0}'; END $$;
            INSERT INTO t (code) VALUES ('54');
            """)]);
        Assert.Equal("$(name) {0}", await db.ScalarAsync<string>("SELECT f()"));
        Assert.Equal("{}", await db.ScalarAsync<string>("SELECT tags::text FROM t"));
        await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("INSERT INTO t (code) VALUES ('5')"));
    }

    [Fact]
    public async Task Three_runners_started_at_once_on_an_empty_database_finish_without_an_error_and_apply_each_migration_once()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        var shipped = Migrations.Embedded();
        // Without the lock taken before FluentMigrator is built, two of them would fail creating VersionInfo (42P07).
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => ApplyAsync(cs))));
        Assert.Equal(shipped.Count, results.Sum());
        Assert.Equal(2, results.Count(r => r == 0));
        Assert.Equal(shipped.Select(m => (long)m.Version), await db.QueryAsync<long>(Versions));
        Assert.Equal(shipped.Count, await db.CountAsync("schema_migrations"));
    }

    [Fact]
    public async Task The_after_steps_run_under_the_lock_and_the_lock_is_released_afterwards()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        const string HeldHere = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
        long? heldDuringStep = null;
        await ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a int);")],
            [async (conn, ct) => heldDuringStep = await conn.ExecuteScalarAsync<long>(HeldHere + " AND pid = pg_backend_pid()")]);
        Assert.Equal(1, heldDuringStep);
        Assert.Equal(0, await db.ScalarAsync<long>(HeldHere));
        // A failing step fails the run, and the lock is released all the same.
        await Assert.ThrowsAsync<InvalidOperationException>(() => ApplyAsync(cs, [M("0001_a.sql", "CREATE TABLE t (a int);")],
            [(_, _) => throw new InvalidOperationException("step")]));
        Assert.Equal(0, await db.ScalarAsync<long>(HeldHere));
    }

    [Fact]
    public async Task The_shipped_migrations_apply_to_an_empty_database_and_are_numbered_without_gaps()
    {
        var (cs, db) = await EmptyDatabaseAsync();
        await using var _ = db;
        var shipped = Migrations.Embedded();
        Assert.Equal(Enumerable.Range(1, shipped.Count), shipped.Select(m => m.Version));
        Assert.Equal(shipped.Count, await ApplyAsync(cs));
        Assert.Equal(1, await db.CountAsync("pg_tables", "tablename = 'disbursements'"));
    }

    [Fact]
    public void A_file_without_a_number_is_refused()
        => Assert.Contains("must start with its number", Assert.Throws<InvalidOperationException>(() => Migrations.Parse("init.sql", "")).Message);
}
