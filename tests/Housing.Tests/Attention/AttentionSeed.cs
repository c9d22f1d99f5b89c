using Dapper;
using Npgsql;

namespace Housing.Tests.Attention;

/// <summary>Dated records straight into the books with SQL: the causes of flags, and what fixes them. The rules of payments
/// and stages belong to their features; these tests need rows with chosen dates.</summary>
public sealed class AttentionSeed(NpgsqlDataSource db)
{
    static int households;
    static readonly string[] Stages = ["surveyed", "approved", "materials_bought", "construction_started", "structure_done", "completed", "handed_over"];

    public static DateOnly Today => Thai.Today();

    /// <summary>A budget and one project in a subdistrict. The fiscal year defaults to next year's, far from its end.</summary>
    public async Task<long> ProjectAsync(string subdistrict, int? fiscalYear = null, string name = "โครงการทดสอบ")
    {
        await using var conn = await db.OpenConnectionAsync();
        var year = fiscalYear ?? Thai.FiscalYear(Today) + 1;
        var budgetId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount)
            VALUES ('BPP', @year, left(@subdistrict, 2), 100, 10000000)
            ON CONFLICT (program, fiscal_year, province_code) DO UPDATE SET amount = budgets.amount RETURNING id
            """, new { year, subdistrict });
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount)
            VALUES (@budgetId, @subdistrict, @name, 50, 1000000) RETURNING id
            """, new { budgetId, subdistrict, name });
    }

    /// <summary>A new household of the project's subdistrict (or the one given) and its allocation of 20,000 baht.</summary>
    public async Task<(long Allocation, long Household)> AllocationAsync(long projectId, long? householdId = null, DateTimeOffset? createdAt = null)
    {
        var n = Interlocked.Increment(ref households);
        var first12 = "5" + (Environment.ProcessId % 1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + n.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        await using var conn = await db.OpenConnectionAsync();
        householdId ??= await conn.ExecuteScalarAsync<long>("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
            SELECT @citizenId, @name, '1', 1, subdistrict_code, 3, 3000 FROM projects WHERE id = @projectId RETURNING id
            """, new { citizenId = first12 + CitizenId.CheckDigit(first12), name = $"นางทดสอบ ติดตาม {n}", projectId });
        var id = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type, created_at, override_reason)
            SELECT p.id, @householdId, b.program, b.fiscal_year, 20000, 'repair', coalesce(@createdAt, now()),
                   -- a household already funded is funded again only with a reason, as AllocationService allows it
                   CASE WHEN EXISTS (SELECT FROM allocations o WHERE o.household_id = @householdId AND o.cancelled_at IS NULL)
                        THEN 'ซ่อมใหม่หลังอุทกภัย' END
            FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId RETURNING id
            """, new { projectId, householdId, createdAt });
        return (id, householdId.Value);
    }

    /// <summary>Stages <paramref name="from"/> to <paramref name="to"/> (1 surveyed … 7 handed over), all reached on one day.</summary>
    public async Task<long> StagesAsync(long allocationId, int from, int to, DateOnly on)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<long>("""
            INSERT INTO milestones (allocation_id, stage, stage_order, reached_on)
            SELECT @allocationId, (@Stages::text[])[i], i, @on FROM generate_series(@from, @to) i RETURNING id
            """, new { allocationId, Stages, from, to, on })).Last();
    }

    public async Task PhotoAsync(long milestoneId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content)
            VALUES (@milestoneId, 'image/jpeg', 3, encode(sha256('\xffd8ff'::bytea), 'hex'), '\xffd8ff'::bytea)
            """, new { milestoneId });
    }

    public async Task TransferAsync(long projectId, decimal amount, DateOnly on)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@projectId, @amount, @on, 'CODI-T')",
            new { projectId, amount, on });
    }

    public async Task PayAsync(long allocationId, decimal amount, DateOnly on)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no)
            SELECT id, project_id, @amount, @on, 'ร้านวัสดุ', 'R-' || id FROM allocations WHERE id = @allocationId
            """, new { allocationId, amount, on });
    }

    public async Task CancelAsync(long allocationId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE allocations SET cancelled_at = now(), cancel_reason = 'ย้ายออก' WHERE id = @allocationId", new { allocationId });
    }

    /// <summary>A program year's tranches and payment gates (JSON, as <c>PUT /programs/{program}/years/{fiscalYear}</c> keeps them).</summary>
    public async Task RulesAsync(int fiscalYear, string? tranches, string? gates)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO program_years (program, fiscal_year, tranches, payment_gates) VALUES ('BPP', @fiscalYear, @tranches::jsonb, @gates::jsonb)
            ON CONFLICT (program, fiscal_year) DO UPDATE SET tranches = excluded.tranches, payment_gates = excluded.payment_gates
            """, new { fiscalYear, tranches, gates });
    }
}
