using Housing.Access;
using Housing.Budgets;
using Housing.Disbursements;
using Housing.Transfers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Housing.Mankong;

/// <summary>
/// Demo data for Baan Mankong in Saraburi: a city project over three communities of Mueang Saraburi (182 families, as
/// the Wiang Sa cooperative), a year of savings, a housing loan repaid on time, a land loan in arrears, and two
/// community works paid in part, at their stages (one payment entered twice and reversed). Dates are counted back from today, so the loans are always a few months in.
/// Everything goes through the service methods users call, so it keeps every rule.
/// </summary>
public static class MankongDemo
{
    public const string Subdistrict = "190101";

    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var clock = services.GetRequiredService<TimeProvider>();
        var budgets = services.GetRequiredService<BudgetService>();
        var savings = services.GetRequiredService<SavingsService>();
        var loans = services.GetRequiredService<LoanService>();
        var money = services.GetRequiredService<LoanPaymentService>();
        var works = services.GetRequiredService<WorkService>();
        var stages = services.GetRequiredService<WorkStageService>();
        var transfers = services.GetRequiredService<TransferService>();
        var caller = Caller.System;
        var today = Thai.Today(clock);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);

        // The round of the fiscal year the money arrived in (eight months ago), so every date falls inside it.
        var received = thisMonth.AddMonths(-8);
        var year = Thai.FiscalYear(received);
        var budget = await budgets.CreateAsync(caller, new CreateBudget(MankongProjects.Program, year, "19", 182, 16_343_600m), ct);
        var project = await budgets.CreateProjectAsync(caller, budget.Id, new CreateProject(Subdistrict, "บ้านมั่นคงเมืองสระบุรี", 182, 16_343_600m,
            "ชุมชนริมป่าสัก, ชุมชนหลังวัดเขาคูบา, ชุมชนตลาดเก่า"), ct);

        // Eighteen months of saving up to last month: 30,000 baht more each month, members joining as it grows.
        for (var i = 18; i >= 1; i--)
        {
            var n = 18 - i;
            await savings.RecordAsync(caller, project.Id, new RecordSavings(MankongProjects.FormatMonth(thisMonth.AddMonths(-i)), 60_000m + 30_000m * n, 150 + 2 * Math.Min(n, 16)), ct);
        }

        // The housing loan: drawn in full, every instalment due so far paid on its day.
        var housing = await loans.CreateAsync(caller, project.Id, new CreateLoan(3_000_000m, "housing", 4m, 180, thisMonth.AddMonths(-6)), ct);
        await money.DrawAsync(caller, housing.Id, new RecordLoanMoney(3_000_000m, thisMonth.AddMonths(-7), "CODI-LOAN-BMK-19-01"), ct);
        foreach (var line in housing.Schedule.Where(l => l.DueOn <= today))
            await money.RepayAsync(caller, housing.Id, new RecordLoanMoney(line.Principal + line.Interest, line.DueOn, $"สหกรณ์-งวด-{line.No}"), $"demo-housing-{line.No}", ct);

        // The land loan: its first instalment paid, none since, so it ages through the buckets.
        var land = await loans.CreateAsync(caller, project.Id, new CreateLoan(800_000m, "land", 2m, 120, thisMonth.AddMonths(-5)), ct);
        await money.DrawAsync(caller, land.Id, new RecordLoanMoney(800_000m, thisMonth.AddMonths(-6), "CODI-LOAN-BMK-19-02"), ct);
        var first = land.Schedule[0];
        await money.RepayAsync(caller, land.Id, new RecordLoanMoney(first.Principal + first.Interest, first.DueOn, "สหกรณ์-ที่ดิน-งวด-1"), "demo-land-1", ct);

        // The infrastructure subsidy received, and the two works paid in part.
        await transfers.RecordAsync(caller, project.Id, new RecordTransfer(2_000_000m, received, "CODI-BMK-19-INFRA-1"), ct);
        var road = await works.CreateAsync(caller, project.Id, new CreateWork("road", "ถนนคอนกรีตในชุมชนริมป่าสัก", 1_500_000m), ct);
        var drainage = await works.CreateAsync(caller, project.Id, new CreateWork("drainage", "ท่อระบายน้ำชุมชนตลาดเก่า", 900_000m), ct);
        await works.PayAsync(caller, road.Id, new RecordDisbursement(1_200_000m, received.AddDays(20), "หจก. สระบุรีโยธา", "INV-6701", "contractor"), "demo-road-1", ct);
        await works.PayAsync(caller, drainage.Id, new RecordDisbursement(300_000m, received.AddDays(35), "ร้านวัสดุก่อสร้างป่าสัก", "INV-6702", "supplier"), "demo-drainage-1", ct);
        // The road under way, the drainage contracted; a wrong payment to the road's contractor, reversed.
        foreach (var (stage, day) in new[] { ("surveyed", 5), ("contracted", 15), ("started", 25) })
            await stages.RecordAsync(caller, road.Id, new RecordWorkStage(stage, received.AddDays(day), null), ct);
        foreach (var (stage, day) in new[] { ("surveyed", 10), ("contracted", 30) })
            await stages.RecordAsync(caller, drainage.Id, new RecordWorkStage(stage, received.AddDays(day), null), ct);
        var wrong = await works.PayAsync(caller, drainage.Id, new RecordDisbursement(30_000m, received.AddDays(36), "ร้านวัสดุก่อสร้างป่าสัก", "INV-6702", "supplier"), "demo-drainage-2", ct);
        await works.ReverseAsync(caller, wrong.Value.Id, new ReverseDisbursement("บันทึกซ้ำกับใบเสร็จ INV-6702"), ct);
        logger.LogInformation("Demo Baan Mankong: Saraburi FY {Year}, savings, two loans (one in arrears), two works", year);
    }
}
