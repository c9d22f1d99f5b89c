using Dapper;
using Housing.Access;
using Housing.Allocations;
using Housing.Budgets;
using Housing.Households;
using Housing.Transfers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Rules;

/// <summary>
/// The demo's corrections, after the money: a household corrected, a tranche typed wrong and reversed, money returned
/// to CODI at the end of Saraburi's 2561 round, and a Phrae home funded in 2565 funded again in 2569 after a flood.
/// Through the services, so every rule holds. The caps per home (DOMAIN.md's figures) come after, as data
/// (<see cref="Demo.ProgramYearDemo"/>, program-years.json), so the rounds allocated before them stand.
/// </summary>
public static class RulesDemo
{
    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        var clock = services.GetRequiredService<TimeProvider>();
        await using var conn = await db.OpenConnectionAsync(ct);
        async Task<Caller> UserAsync(string username, Role role, string[] provinces, string[] subdistricts)
            => new(await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE username = @username", new { username }), username, role, provinces, subdistricts);
        var admin = await UserAsync("admin", Role.Admin, [], []);
        var phrae = await UserAsync("staff.phrae", Role.ProvincialStaff, ["54"], []);
        var treasurer = await UserAsync("treasurer.naiwiang", Role.Treasurer, [], ["540101", "540102"]);
        var today = Thai.Today(clock);

        // A head's house number typed wrong at registration, put right by the province's staff.
        var households = services.GetRequiredService<HouseholdService>();
        var typo = await conn.ExecuteScalarAsync<long>("SELECT min(id) FROM households WHERE subdistrict_code = '540101'");
        await households.ChangeAsync(phrae, typo, new ChangeHousehold(null, "99/1", null, null, null, "บ้านเลขที่ไม่ตรงกับทะเบียนบ้าน"), ct);

        // Nai Wiang's 2565 tranche typed with an extra zero's worth, reversed the same week it was noticed.
        var transfers = services.GetRequiredService<TransferService>();
        var naiWiang = await conn.QuerySingleAsync<(long Id, decimal Left)>("""
            SELECT p.id, p.amount - coalesce((SELECT c.received FROM project_cash c WHERE c.project_id = p.id), 0) AS left
            FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE b.program = 'BPP' AND b.fiscal_year = 2565 AND p.subdistrict_code = '540101'
            """);
        var wrong = await transfers.RecordAsync(treasurer, naiWiang.Id, new RecordTransfer(naiWiang.Left, Min(new DateOnly(2022, 3, 1), today), "พอช. 2565/ในเวียง-2"), ct);
        await transfers.ReverseAsync(treasurer, wrong.Value.Id, new ReverseTransfer("บันทึกยอดเงินผิด ยอดจริงยังไม่ได้รับ"), ct);

        // Saraburi's 2561 round: what one council had left at the year's end went back to CODI.
        // What it held on that day and after (a payment reversed later gave money back only from the reversal's day).
        var yearEnd = Min(Thai.FiscalYearDates(2561).Last, today);
        var leftover = await conn.ExecuteScalarAsync<long>("""
            SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id JOIN project_cash c ON c.project_id = p.id
            WHERE b.program = 'BPP' AND b.fiscal_year = 2561 AND c.received > c.paid ORDER BY p.id LIMIT 1
            """);
        var held = await Ledgers.CashDays.LowestAsync(conn, null!, leftover, yearEnd, ct);
        await transfers.RefundAsync(Caller.System, leftover, new RecordRefund(held.LowBalance, yearEnd, "คืนเงินเหลือจ่าย 2561"), ct);

        // One home, funded once, except with a reason: a Na Chak home repaired in 2565, rebuilt in 2569 after a flood.
        var again = await conn.QuerySingleAsync<(long HouseholdId, long ProjectId)>("""
            SELECT (SELECT a.household_id FROM allocations a JOIN projects p ON p.id = a.project_id
                    WHERE a.program = 'BPP' AND a.fiscal_year = 2565 AND p.subdistrict_code = '540102' AND a.cancelled_at IS NULL ORDER BY a.id LIMIT 1),
                   (SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE b.fiscal_year = 2569 AND p.subdistrict_code = '540102' LIMIT 1)
            """);
        await services.GetRequiredService<AllocationService>().CreateAsync(phrae, again.ProjectId,
            new Allocate(again.HouseholdId, 40_000m, "rebuild", "บ้านพังจากน้ำท่วมเดือนสิงหาคม 2568 ต้องสร้างใหม่ทั้งหลัง"), ct);

        logger.LogInformation("Demo corrections: a household corrected, a transfer reversed, a refund, an override");
    }

    static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}
