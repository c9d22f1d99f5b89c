using Dapper;
using Npgsql;

namespace Housing.Tests.Infrastructure;

/// <summary>Direct SQL for tests: count rows before and after, read what was stored.</summary>
public static class Sql
{
    public static async Task<long> CountAsync(this NpgsqlDataSource db, string table, string where = "true", object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {where}", args);
    }

    public static async Task<T> ScalarAsync<T>(this NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql, args))!;
    }

    public static async Task<List<T>> QueryAsync<T>(this NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).ToList();
    }

    public static async Task<int> ExecuteAsync(this NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(sql, args);
    }
}
