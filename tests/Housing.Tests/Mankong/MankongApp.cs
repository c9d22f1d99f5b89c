using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Housing.Tests.Mankong;

/// <summary>The app with a clock the test sets: "today" for the savings month rule, payment dates and arrears.</summary>
public sealed class MankongApp : TestApp
{
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
        => builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
}

/// <summary>The real time until a test fixes the day (noon in Bangkok). Only days before the real today are used, so
/// sign-in tokens issued at the real time stay valid.</summary>
public sealed class TestClock : TimeProvider
{
    DateTimeOffset? fixedAt;
    public void SetToday(DateOnly day) => fixedAt = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(7));
    public override DateTimeOffset GetUtcNow() => fixedAt ?? base.GetUtcNow();
}

/// <summary>Baan Mankong (or, to be refused, Baan Por Piang) projects inserted with plain SQL: budgets and projects
/// belong to another feature, and these tests only need the rows.</summary>
public static class MankongSeed
{
    public static async Task<long> ProjectAsync(NpgsqlDataSource db, string subdistrict = "540101", decimal amount = 5_000_000m, string program = "BMK")
    {
        await using var conn = await db.OpenConnectionAsync();
        var budgetId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount)
            SELECT @program, coalesce(max(fiscal_year), 2540) + 1, left(@subdistrict, 2), 500, 99999999
            FROM budgets WHERE province_code = left(@subdistrict, 2) AND program = @program
            RETURNING id
            """, new { subdistrict, program });
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, community_name, target_households, amount)
            VALUES (@budgetId, @subdistrict, 'บ้านมั่นคงเมือง', 'ชุมชนริมน้ำ', 182, @amount) RETURNING id
            """, new { budgetId, subdistrict, amount });
    }
}
