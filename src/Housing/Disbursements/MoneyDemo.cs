using Dapper;
using Housing.Access;
using Housing.Milestones;
using Housing.Transfers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Disbursements;

/// <summary>
/// The demo's money and progress, after the budgets, projects and allocations steps: for each project a first
/// tranche from CODI on 20 January (the day of Phrae's 2565 MOU), then homes at different stages — some only
/// surveyed, some with materials bought and paid for, some finished and handed over, one payment corrected by a
/// reversal. Everything goes through the services, so every rule holds.
/// </summary>
public static class MoneyDemo
{
    sealed record Home(long Id, long ProjectId, decimal Amount, int FiscalYear);

    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        var clock = services.GetRequiredService<TimeProvider>();
        var transfers = services.GetRequiredService<TransferService>();
        var payments = services.GetRequiredService<DisbursementService>();
        var milestones = services.GetRequiredService<MilestoneService>();
        var caller = Caller.System;
        List<Home> homes;
        await using (var conn = await db.OpenConnectionAsync(ct))
            homes = (await conn.QueryAsync<Home>("""
                SELECT a.id, a.project_id, a.amount, a.fiscal_year FROM allocations a
                WHERE a.cancelled_at IS NULL ORDER BY a.project_id, a.id
                """)).ToList();
        var today = Thai.Today(clock);
        foreach (var project in homes.GroupBy(h => h.ProjectId))
        {
            var start = Thai.FiscalYearDates(project.First().FiscalYear).First; // 1 October
            DateOnly On(int days) => Min(start.AddDays(days), today);
            // The first tranche: 80% of what the homes were allocated, which covers every payment below.
            var tranche = decimal.Round(project.Sum(h => h.Amount) * 0.8m, 2);
            await transfers.RecordAsync(caller, project.Key, new RecordTransfer(tranche, On(111), $"พอช. {project.First().FiscalYear}/{project.Key:000}-1"), ct);
            var i = 0;
            foreach (var home in project)
            {
                // Stages reached: cycles through 1 (surveyed) … 7 (handed over) so every stage shows somewhere.
                var reached = i % 7 + 1;
                for (var s = 0; s < reached; s++)
                    await milestones.RecordAsync(caller, home.Id, new RecordMilestone(MilestoneService.Stages[s].Code, On(90 + 20 * s),
                        s == 0 ? "สำรวจสภาพบ้านร่วมกับคณะกรรมการชุมชน" : null), ct);
                if (reached >= 3) // materials bought: 60% paid to the supplier, in cash, with the shop's receipt
                {
                    var materials = decimal.Round(home.Amount * 0.6m, 2);
                    var paid = await payments.RecordAsync(caller, home.Id, new RecordDisbursement(materials, On(128), "ร้านวัสดุก่อสร้างในเวียง",
                        $"RC-{home.Id:0000}", "supplier", "cash"), $"demo-{home.Id}-1", ct);
                    if (i == 2) // a payment recorded against the wrong shop, reversed and paid again
                    {
                        await payments.ReverseAsync(caller, paid.Value.Id, new ReverseDisbursement("บันทึกชื่อร้านผิด"), ct);
                        await payments.RecordAsync(caller, home.Id, new RecordDisbursement(materials, On(129), "หจก. แพร่ค้าไม้",
                            $"RC-{home.Id:0000}B", "supplier", "cheque"), $"demo-{home.Id}-1b", ct);
                    }
                }
                if (reached >= 6) // completed: the rest to the household by transfer
                    await payments.RecordAsync(caller, home.Id, new RecordDisbursement(home.Amount - decimal.Round(home.Amount * 0.6m, 2), On(195), null,
                        null, "household", "transfer"), $"demo-{home.Id}-2", ct);
                i++;
            }
        }
        logger.LogInformation("Demo money and progress: {Projects} projects, {Homes} homes", homes.Select(h => h.ProjectId).Distinct().Count(), homes.Count);
    }

    static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}
