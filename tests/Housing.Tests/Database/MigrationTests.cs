using Dapper;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Database;

public sealed class MigrationTests
{
    static async Task<NpgsqlDataSource> EmptyDatabaseAsync() => NpgsqlDataSource.Create(await TestCluster.CreateDatabaseAsync("migr", empty: true));

    static Migrations.Migration M(string file, string sql) => Migrations.Parse(file, sql);

    [Fact]
    public async Task Migrations_apply_in_number_order_each_once()
    {
        await using var db = await EmptyDatabaseAsync();
        // Listed out of order on purpose: 0002 needs 0001's table, 0010 needs 0002's column.
        var set = new[]
        {
            M("0010_c.sql", "INSERT INTO t (a, b) VALUES (1, 'x');"),
            M("0001_a.sql", "CREATE TABLE t (a int);"),
            M("0002_b.sql", "ALTER TABLE t ADD COLUMN b text;"),
        };
        Assert.Equal(3, await Migrations.ApplyAsync(db, NullLogger.Instance, set));
        Assert.Equal(0, await Migrations.ApplyAsync(db, NullLogger.Instance, set));
        Assert.Equal(["0001_a.sql", "0002_b.sql", "0010_c.sql"], await db.QueryAsync<string>("SELECT name FROM schema_migrations ORDER BY applied_at, version"));
        Assert.Equal(1, await db.CountAsync("t"));
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_the_start_with_a_clear_error()
    {
        await using var db = await EmptyDatabaseAsync();
        await Migrations.ApplyAsync(db, NullLogger.Instance, [M("0001_a.sql", "CREATE TABLE t (a int);")]);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Migrations.ApplyAsync(db, NullLogger.Instance, [M("0001_a.sql", "CREATE TABLE t (a bigint);"), M("0002_b.sql", "CREATE TABLE u (a int);")]));
        Assert.Contains("0001_a.sql was changed after it was applied", e.Message);
        Assert.Equal(0, await db.CountAsync("pg_tables", "tablename = 'u'"));
    }

    [Fact]
    public async Task Line_endings_alone_do_not_count_as_an_edit()
    {
        await using var db = await EmptyDatabaseAsync();
        await Migrations.ApplyAsync(db, NullLogger.Instance, [M("0001_a.sql", "CREATE TABLE t (a int);\nSELECT 1;\n")]);
        Assert.Equal(0, await Migrations.ApplyAsync(db, NullLogger.Instance, [M("0001_a.sql", "CREATE TABLE t (a int);\r\nSELECT 1;\r\n")]));
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_of_itself_and_later_ones_do_not_run()
    {
        await using var db = await EmptyDatabaseAsync();
        var e = await Assert.ThrowsAsync<PostgresException>(() => Migrations.ApplyAsync(db, NullLogger.Instance,
        [
            M("0001_a.sql", "CREATE TABLE t (a int);"),
            M("0002_b.sql", "CREATE TABLE half (a int); INSERT INTO nowhere VALUES (1);"),
            M("0003_c.sql", "CREATE TABLE later (a int);"),
        ]));
        Assert.Equal("42P01", e.SqlState);
        Assert.Equal([1], await db.QueryAsync<int>("SELECT version FROM schema_migrations"));
        Assert.Equal(0, await db.CountAsync("pg_tables", "tablename IN ('half', 'later')"));
    }

    [Fact]
    public async Task Two_instances_starting_at_once_apply_each_migration_exactly_once()
    {
        var cs = await TestCluster.CreateDatabaseAsync("migr", empty: true);
        await using var a = NpgsqlDataSource.Create(cs);
        await using var b = NpgsqlDataSource.Create(cs);
        // Without the advisory lock the second CREATE TABLE would fail or the rows would double.
        var set = new[] { M("0001_a.sql", "CREATE TABLE t (a int); SELECT pg_sleep(0.3);"), M("0002_b.sql", "INSERT INTO t VALUES (1);") };
        var results = await Task.WhenAll(Migrations.ApplyAsync(a, NullLogger.Instance, set), Migrations.ApplyAsync(b, NullLogger.Instance, set));
        Assert.Equal(2, results.Sum());
        Assert.Contains(0, results);
        Assert.Equal(1, await a.CountAsync("t"));
        Assert.Equal(2, await a.CountAsync("schema_migrations"));
    }

    [Fact]
    public async Task The_shipped_migrations_apply_to_an_empty_database_and_are_numbered_without_gaps()
    {
        await using var db = await EmptyDatabaseAsync();
        var shipped = Migrations.Embedded();
        Assert.Equal(Enumerable.Range(1, shipped.Count), shipped.Select(m => m.Version));
        Assert.Equal(shipped.Count, await Migrations.ApplyAsync(db, NullLogger.Instance));
        Assert.Equal(1, await db.CountAsync("pg_tables", "tablename = 'disbursements'"));
    }

    [Fact]
    public void A_file_without_a_number_is_refused()
        => Assert.Contains("must start with its number", Assert.Throws<InvalidOperationException>(() => Migrations.Parse("init.sql", "")).Message);
}
