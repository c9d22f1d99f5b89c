using System.Net.Http.Json;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class LoanBookTests(MankongApp app) : IClassFixture<MankongApp>
{
    [Fact]
    public async Task The_loan_book_per_area_sums_outstanding_arrears_by_age_and_savings_against_the_10_percent_line()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var admin = await app.ClientAsync(Role.Admin);
        var a = await MankongSeed.ProjectAsync(app.Db, "540101");
        var b = await MankongSeed.ProjectAsync(app.Db, "540102");
        (await admin.PostAsJsonAsync($"/api/v1/projects/{a}/savings", new { month = "2025-12", balance = 100_000m, members = 182 })).EnsureSuccessStatusCode();
        var loanA = await Seed.CreatedAsync<LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{a}/loans", new { amount = 1_000_000m, purpose = "housing", annualRatePercent = 4m, months = 120, firstDueOn = "2026-01-31" }));
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loanA.Id}/drawdowns", new { amount = 1_000_000m, paidOn = "2025-12-20", reference = "D" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loanA.Id}/repayments", new { amount = 15_000m, paidOn = "2026-02-10", reference = "R" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/projects/{b}/savings", new { month = "2026-01", balance = 20_000m, members = 40 })).EnsureSuccessStatusCode();
        await Seed.CreatedAsync<LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{b}/loans", new { amount = 200_000m, purpose = "land", annualRatePercent = 0m, months = 10, firstDueOn = "2026-06-01" }));
        // The group spent its savings after the loan: the project is now below the line.
        (await admin.PostAsJsonAsync($"/api/v1/projects/{b}/savings", new { month = "2026-02", balance = 5_000m, members = 40 })).EnsureSuccessStatusCode();
        var viewer = await app.ClientAsync(Role.Viewer, provinces: ["54"]);

        var provinces = await viewer.GetFromJsonAsync<List<LoanBookRow>>("/api/v1/rollups/mankong?level=province");
        var subdistricts = await viewer.GetFromJsonAsync<List<LoanBookRow>>("/api/v1/rollups/mankong?level=subdistrict&parent=5401") ?? [];
        var elsewhere = await (await app.ClientAsync(Role.Viewer, provinces: ["19"])).GetFromJsonAsync<List<LoanBookRow>>("/api/v1/rollups/mankong?level=province");
        var treasurer = await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"])).GetFromJsonAsync<List<LoanBookRow>>("/api/v1/rollups/mankong?level=subdistrict");

        var asOf = new DateOnly(2026, 6, 15);
        Assert.Equal([new LoanBookRow("54", "แพร่", "Phrae", 2, 1_200_000m, 1_000_000m, 991_644.03m,
            new ArrearsBuckets(30_124.51m, 10_124.51m, 10_124.51m, 5_249.02m), 105_000m, 120_000m, 1, asOf)], provinces);
        Assert.Equal(["540101", "540102"], subdistricts.Select(r => r.Code));
        Assert.Equal(new ArrearsBuckets(10_124.51m, 10_124.51m, 10_124.51m, 5_249.02m), subdistricts[0].Arrears);
        Assert.Equal((1, 200_000m, 0m, new ArrearsBuckets(20_000m, 0m, 0m, 0m), 5_000m, 20_000m, 1),
            (subdistricts[1].Loans, subdistricts[1].Amount, subdistricts[1].PrincipalOutstanding, subdistricts[1].Arrears, subdistricts[1].Savings, subdistricts[1].SavingsNeeded, subdistricts[1].ProjectsBelowLine));
        Assert.Empty(elsewhere!);
        Assert.Equal(["540102"], treasurer!.Select(r => r.Code));

        // The page shows the same book: the province's row with its workbook, then its districts.
        var page = await viewer.GetStringAsync("/Mankong/Book");
        Assert.Contains("991,644.03", page);
        Assert.Contains("/api/v1/exports/loan-book.xlsx?provinceCode=54", page);
        Assert.Contains("data-code=\"5401\"", await viewer.GetStringAsync("/Mankong/Book?parent=54"));
        Assert.DoesNotContain("991,644.03", await (await app.ClientAsync(Role.Viewer, provinces: ["19"])).GetStringAsync("/Mankong/Book"));
    }
}
