using Dapper;
using Npgsql;

namespace Housing.Tests.Rollups;

/// <summary>
/// Rows for rollup tests written with direct SQL (the budget, household, allocation and money services
/// belong to other features): a fiscal year's worth of the Phrae scenario and a little of Saraburi.
/// Each scenario takes its own fiscal year, so tests sharing a class database do not meet.
/// </summary>
public sealed class RollupSeed(NpgsqlDataSource db, int fiscalYear)
{
    public int FiscalYear => fiscalYear;
    int households;

    public async Task<long> BudgetAsync(string program, string province, int target, decimal amount)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount)
            VALUES (@program, @fiscalYear, @province, @target, @amount) RETURNING id
            """, new { program, fiscalYear, province, target, amount });
    }

    public async Task<long> ProjectAsync(long budgetId, string subdistrict, int target, decimal amount)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount)
            SELECT @budgetId, code, 'โครงการ ต.' || name_th, @target, @amount FROM subdistricts WHERE code = @subdistrict RETURNING id
            """, new { budgetId, subdistrict, target, amount });
    }

    /// <summary>A new household in the project's subdistrict with an allocation of this amount.</summary>
    public async Task<long> AllocationAsync(long projectId, decimal amount)
    {
        var n = Interlocked.Increment(ref households);
        var first12 = $"{fiscalYear}{projectId % 10000:D4}{n % 10000:D4}";
        var citizenId = first12 + CitizenId.CheckDigit(first12);
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            WITH p AS (SELECT p.id, p.subdistrict_code, b.program, b.fiscal_year FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId),
            h AS (INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
                  SELECT @citizenId, @name, @houseNo, 1, subdistrict_code, 4, 3500 FROM p RETURNING id)
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type)
            SELECT p.id, h.id, p.program, p.fiscal_year, @amount, 'repair' FROM p, h RETURNING id
            """, new { projectId, citizenId, name = $"นาย ทดสอบ {n}", houseNo = $"{n}/1", amount });
    }

    public async Task<long> PayAsync(long allocationId, decimal amount)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no)
            SELECT id, project_id, @amount, DATE '2022-02-01', 'ร้านวัสดุ', 'R-' || id FROM allocations WHERE id = @allocationId RETURNING id
            """, new { allocationId, amount });
    }

    public async Task ReverseAsync(long disbursementId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason)
            SELECT allocation_id, project_id, -amount, paid_on, payee, id, 'จ่ายซ้ำ' FROM disbursements WHERE id = @disbursementId
            """, new { disbursementId });
    }

    /// <summary>Records every stage from surveyed up to this one (1 surveyed … 6 completed, 7 handed over).</summary>
    public async Task MilestonesAsync(long allocationId, int upToStage)
    {
        string[] stages = ["surveyed", "approved", "materials_bought", "construction_started", "structure_done", "completed", "handed_over"];
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO milestones (allocation_id, stage, stage_order, reached_on)
            SELECT @allocationId, (@stages::text[])[i], i, DATE '2022-01-01' + i FROM generate_series(1, @upToStage) i
            """, new { allocationId, stages, upToStage });
    }

    public async Task CancelAsync(long allocationId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE allocations SET cancelled_at = now(), cancel_reason = 'ย้ายออก' WHERE id = @allocationId", new { allocationId });
    }

    /// <summary>The first <paramref name="count"/> subdistricts of a province, by code.</summary>
    public async Task<List<string>> SubdistrictsAsync(string province, int count)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>("SELECT code FROM subdistricts WHERE left(code, 2) = @province ORDER BY code LIMIT @count",
            new { province, count })).ToList();
    }

    /// <summary>
    /// Phrae's Baan Por Piang MOU (DOMAIN.md): 65 households in 11 subdistricts, 20,900 baht each,
    /// 1,358,500 in all. Home i (1..65) is paid 10,000; every 3rd another 10,900; every 7th has its first
    /// payment reversed; every 4th is completed and every 8th handed over; one extra allocation is cancelled.
    /// Saraburi gets 10 target homes with 4 allocated at 15,625 (each paid in full, the first completed), and
    /// Phrae a Baan Mankong budget with one project and one household, so programs are kept apart.
    /// </summary>
    public async Task<PhraeScenario> PhraeAsync()
    {
        var budget = await BudgetAsync("BPP", "54", 65, 1_358_500m);
        var subdistricts = await SubdistrictsAsync("54", 11);
        var projects = new List<long>();
        for (var k = 0; k < 11; k++)
        {
            var homes = k == 10 ? 5 : 6;
            projects.Add(await ProjectAsync(budget, subdistricts[k], homes, homes * 20_900m));
        }
        var allocations = new List<long>();
        for (var i = 1; i <= 65; i++)
        {
            var allocation = await AllocationAsync(projects[(i - 1) / 6], 20_900m);
            allocations.Add(allocation);
            var first = await PayAsync(allocation, 10_000m);
            if (i % 3 == 0) await PayAsync(allocation, 10_900m);
            if (i % 7 == 0) await ReverseAsync(first);
            await MilestonesAsync(allocation, i % 8 == 0 ? 7 : i % 4 == 0 ? 6 : 2);
        }
        var cancelled = await AllocationAsync(projects[0], 20_900m);
        await MilestonesAsync(cancelled, 6);
        await CancelAsync(cancelled);

        var saraburiBudget = await BudgetAsync("BPP", "19", 10, 156_250m);
        var saraburi = (await SubdistrictsAsync("19", 1))[0];
        var saraburiProject = await ProjectAsync(saraburiBudget, saraburi, 10, 156_250m);
        for (var i = 1; i <= 4; i++)
        {
            var a = await AllocationAsync(saraburiProject, 15_625m);
            await PayAsync(a, 15_625m);
            if (i == 1) await MilestonesAsync(a, 6);
        }

        var bmk = await BudgetAsync("BMK", "54", 148, 5_000_000m);
        var bmkProject = await ProjectAsync(bmk, subdistricts[0], 148, 3_000_000m);
        await PayAsync(await AllocationAsync(bmkProject, 40_000m), 25_000m);
        return new PhraeScenario(fiscalYear, budget, subdistricts, projects, allocations, saraburi);
    }
}

public sealed record PhraeScenario(int FiscalYear, long BudgetId, List<string> Subdistricts, List<long> Projects, List<long> Allocations, string Saraburi);
