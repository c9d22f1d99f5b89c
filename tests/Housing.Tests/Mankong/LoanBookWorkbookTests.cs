using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class LoanBookWorkbookTests(MankongApp app) : IClassFixture<MankongApp>
{
    [Fact]
    public async Task The_provinces_loan_book_opens_in_LibreOffice_with_each_loan_its_schedule_what_was_paid_and_the_arrears()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var admin = await app.ClientAsync(Role.Admin);
        var projectId = await MankongSeed.ProjectAsync(app.Db, "540101");
        var elsewhere = await MankongSeed.ProjectAsync(app.Db, "190101");
        foreach (var p in new[] { projectId, elsewhere })
            (await admin.PostAsJsonAsync($"/api/v1/projects/{p}/savings", new { month = "2025-12", balance = 50_000m, members = 40 })).EnsureSuccessStatusCode();
        // 120,000 at 0 % over 12 months: 10,000 a month from 31 Jan 2026; 25,000 repaid pays January, February and half of March.
        var loan = await Seed.CreatedAsync<LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans",
            new { amount = 120_000m, purpose = "housing", annualRatePercent = 0m, months = 12, firstDueOn = "2026-01-31" }));
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/drawdowns", new { amount = 120_000m, paidOn = "2026-01-05", reference = "D" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/repayments", new { amount = 25_000m, paidOn = "2026-03-10", reference = "R" })).EnsureSuccessStatusCode();
        await Seed.CreatedAsync<LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{elsewhere}/loans",
            new { amount = 100_000m, purpose = "land", annualRatePercent = 2m, months = 24, firstDueOn = "2026-03-01" }));

        var viewer = await app.ClientAsync(Role.Viewer, provinces: ["54"]);
        var response = await viewer.GetAsync("/api/v1/exports/loan-book.xlsx?provinceCode=54");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("loan-book-54-2026-06-15.xlsx", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var book = (await LibreOffice.ReadAsync(new Dictionary<string, byte[]> { ["book"] = await response.Content.ReadAsByteArrayAsync() }))["book"];

        var loans = book["เงินกู้ Loans"];
        Assert.Equal(["เลขที่สินเชื่อ", "รหัสตำบล", "ตำบล"], loans[0][..3]);
        Assert.Equal(["Loan", "Subdistrict code", "Subdistrict"], loans[1][..3]);
        Assert.Equal([loan.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "540101", "ในเวียง", "เมืองแพร่", "บ้านมั่นคงเมือง", "ชุมชนริมน้ำ", "ที่อยู่อาศัย housing",
            "120,000.00", "0.0", "12", "31 ม.ค. 2569", "120,000.00", "25,000.00", "95,000.00", "10,000.00", "10,000.00", "5,000.00", "0.00", "76"], loans[2]);
        Assert.Equal(4, loans.Count); // two header rows, the Phrae loan only, the totals
        Assert.Equal(("รวม Total", "120,000.00", "95,000.00", "5,000.00"), (loans[3][0], loans[3][7], loans[3][13], loans[3][16]));

        var schedule = book["ตารางผ่อน Schedule"];
        Assert.Equal(12 + 3, schedule.Count);
        Assert.Equal(["1", "31 ม.ค. 2569", "10,000.00", "0.00", "10,000.00", "0.00"], schedule[2][2..]);
        Assert.Equal(["3", "31 มี.ค. 2569", "10,000.00", "0.00", "5,000.00", "5,000.00"], schedule[4][2..]);
        Assert.Equal(["2", "28 ก.พ. 2569"], schedule[3][2..4]);
        Assert.Equal(("120,000.00", "25,000.00", "95,000.00"), (schedule[^1][4], schedule[^1][6], schedule[^1][7]));

        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'export.loan_book' AND after->>'provinceCode' = '54'"));
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"])).GetAsync("/api/v1/exports/loan-book.xlsx?provinceCode=54")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/exports/loan-book.xlsx?provinceCode=5")).StatusCode);
        // Without a province: every loan the caller reads, here Phrae's only.
        var all = await viewer.GetAsync("/api/v1/exports/loan-book.xlsx");
        using (var wb = new ClosedXML.Excel.XLWorkbook(await all.Content.ReadAsStreamAsync()))
            Assert.Equal([loan.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], wb.Worksheet(1).Column(1).CellsUsed().Skip(2).SkipLast(1).Select(c => c.GetString()));
    }

    [Fact]
    public async Task What_an_instalment_was_paid_is_kept_by_the_repayments_trigger_and_refused_to_anyone_else()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var admin = await app.ClientAsync(Role.Admin);
        var projectId = await MankongSeed.ProjectAsync(app.Db, "540101");
        (await admin.PostAsJsonAsync($"/api/v1/projects/{projectId}/savings", new { month = "2025-12", balance = 50_000m, members = 40 })).EnsureSuccessStatusCode();
        var loan = await Seed.CreatedAsync<LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans",
            new { amount = 120_000m, purpose = "housing", annualRatePercent = 0m, months = 12, firstDueOn = "2026-01-31" }));
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/drawdowns", new { amount = 60_000m, paidOn = "2026-01-05", reference = "D" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/repayments", new { amount = 15_000m, paidOn = "2026-03-10", reference = "R" })).EnsureSuccessStatusCode();

        Assert.Equal("60000.00/15000.00/15000.00", await app.Db.ScalarAsync<string>($"SELECT drawn || '/' || repaid || '/' || principal_repaid FROM loan_totals WHERE loan_id = {loan.Id}"));
        Assert.Equal("10000.00,5000.00,0.00", await app.Db.ScalarAsync<string>(
            $"SELECT string_agg(paid_principal::text, ',' ORDER BY no) FROM loan_instalments WHERE loan_id = {loan.Id} AND no <= 3"));
        var direct = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => app.Db.ScalarAsync<int>($"UPDATE loan_instalments SET paid_principal = 0 WHERE loan_id = {loan.Id} AND no = 1 RETURNING 1"));
        var totals = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => app.Db.ScalarAsync<int>($"UPDATE loan_totals SET drawn = 0 WHERE loan_id = {loan.Id} RETURNING 1"));
        Assert.Equal(("42501", "42501"), (direct.SqlState, totals.SqlState));
        await Invariants.AssertHoldAsync(app.Db);
    }
}
