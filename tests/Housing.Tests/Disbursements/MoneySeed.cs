using Dapper;
using Npgsql;

namespace Housing.Tests.Disbursements;

/// <summary>
/// The rows a payment needs (budget, project, household, allocation), inserted with plain SQL: the
/// budget and allocation services belong to another feature, and these tests only need the rows.
/// </summary>
public static class MoneySeed
{
    static int counter;

    public sealed record Home(long BudgetId, long ProjectId, long HouseholdId, long AllocationId);

    /// <summary>A valid, unique 13-digit citizen ID.</summary>
    public static string CitizenId()
    {
        var first12 = $"3{Environment.ProcessId % 1000:000}{Interlocked.Increment(ref counter):00000000}";
        return first12 + Housing.CitizenId.CheckDigit(first12);
    }

    /// <summary>A new BPP project of its own budget in the subdistrict, with one home allocated <paramref name="allocation"/> baht.</summary>
    public static async Task<Home> HomeAsync(NpgsqlDataSource db, decimal allocation = 20_900m, string subdistrict = "540101",
        decimal projectAmount = 1_358_500m)
    {
        await using var conn = await db.OpenConnectionAsync();
        var n = Interlocked.Increment(ref counter);
        // Each project gets a budget of its own fiscal year, out of the way of the one-budget-per-program-year-province rule:
        // the first free year up to 2565, so the tests' money dated 2022 is within its fiscal year (FY 2565 began 1 Oct 2021).
        // Projects share the province's FY 2565 budget while it has room.
        var budgetId = await conn.ExecuteScalarAsync<long?>("""
            SELECT b.id FROM budgets b WHERE b.program = 'BPP' AND b.fiscal_year = 2565 AND b.province_code = left(@subdistrict, 2)
              AND b.amount - (SELECT coalesce(sum(p.amount), 0) FROM projects p WHERE p.budget_id = b.id) >= @projectAmount
            """, new { subdistrict, projectAmount }) ?? await conn.ExecuteScalarAsync<long>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount)
            SELECT 'BPP', coalesce(
                (SELECT max(y) FROM generate_series(2565, 2541, -1) y
                 WHERE NOT EXISTS (SELECT FROM budgets b WHERE b.program = 'BPP' AND b.fiscal_year = y AND b.province_code = left(@subdistrict, 2))),
                (SELECT max(fiscal_year) + 1 FROM budgets WHERE province_code = left(@subdistrict, 2))), left(@subdistrict, 2), 65, 99999999
            RETURNING id
            """, new { subdistrict });
        var projectId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount)
            VALUES (@budgetId, @subdistrict, @name, 65, @projectAmount) RETURNING id
            """, new { budgetId, subdistrict, name = $"บ้านพอเพียง ต.{subdistrict} #{n}", projectAmount });
        var home = await AddHomeAsync(conn, projectId, allocation, subdistrict);
        return new Home(budgetId, projectId, home.HouseholdId, home.AllocationId);
    }

    /// <summary>Another home in the same project.</summary>
    public static async Task<Home> AnotherHomeAsync(NpgsqlDataSource db, Home of, decimal allocation = 20_900m)
    {
        await using var conn = await db.OpenConnectionAsync();
        var subdistrict = await conn.ExecuteScalarAsync<string>("SELECT subdistrict_code FROM projects WHERE id = @ProjectId", new { of.ProjectId });
        var home = await AddHomeAsync(conn, of.ProjectId, allocation, subdistrict!);
        return of with { HouseholdId = home.HouseholdId, AllocationId = home.AllocationId };
    }

    static async Task<(long HouseholdId, long AllocationId)> AddHomeAsync(NpgsqlConnection conn, long projectId, decimal allocation, string subdistrict)
    {
        var householdId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
            VALUES (@citizenId, 'นางสมศรี ใจดี', '12/3', 4, @subdistrict, 4, 4500) RETURNING id
            """, new { citizenId = CitizenId(), subdistrict });
        var allocationId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type)
            SELECT p.id, @householdId, b.program, b.fiscal_year, @allocation, 'repair'
            FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId
            RETURNING id
            """, new { projectId, householdId, allocation });
        return (householdId, allocationId);
    }

    /// <summary>Cash received for the project, straight into the ledger.</summary>
    public static Task TransferAsync(NpgsqlDataSource db, long projectId, decimal amount, DateOnly? on = null)
        => Execute(db, "INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@projectId, @amount, @on, 'CODI tranche')",
            new { projectId, amount, on = on ?? new DateOnly(2022, 1, 20) });

    public static Task CancelAsync(NpgsqlDataSource db, long allocationId)
        => Execute(db, "UPDATE allocations SET cancelled_at = now(), cancel_reason = 'moved away' WHERE id = @allocationId", new { allocationId });

    static async Task Execute(NpgsqlDataSource db, string sql, object args)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(sql, args);
    }
}
