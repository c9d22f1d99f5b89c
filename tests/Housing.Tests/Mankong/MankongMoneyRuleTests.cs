using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Housing.Access;
using Housing.Ledgers;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

/// <summary>The program's money rules where Baan Mankong's own money moves: community works within the project's amount
/// even as it is corrected, loan money counting as money moved, nothing for a cancelled project, and no drawdown dated
/// before the project's fiscal year began. Each refusal writes nothing.</summary>
public sealed class MankongMoneyRuleTests(MankongApp app) : IClassFixture<MankongApp>
{
    async Task<(long ProjectId, HttpClient Staff)> ProjectAsync(string subdistrict = "540101")
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db, subdistrict);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: [subdistrict[..2]]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: [subdistrict]);
        (await treasurer.PostAsJsonAsync($"/api/v1/projects/{projectId}/savings", new { month = "2025-12", balance = 200_000m, members = 182 })).EnsureSuccessStatusCode();
        return (projectId, staff);
    }

    static Task<HttpResponseMessage> LoanAsync(HttpClient staff, long projectId)
        => staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans", new { amount = 1_000_000m, purpose = "housing", annualRatePercent = 4m, months = 120, firstDueOn = "2026-01-31" });

    static Task<HttpResponseMessage> DrawAsync(HttpClient staff, long loanId, string paidOn = "2025-12-20")
        => staff.PostAsJsonAsync($"/api/v1/loans/{loanId}/drawdowns", new { amount = 400_000m, paidOn, reference = "CODI-LOAN-1" });

    async Task<long> RowsAsync(long projectId) => await app.Db.ScalarAsync<long>("""
        SELECT (SELECT count(*) FROM works WHERE project_id = @projectId) + (SELECT count(*) FROM loans WHERE project_id = @projectId)
             + (SELECT count(*) FROM loan_drawdowns d JOIN loans l ON l.id = d.loan_id WHERE l.project_id = @projectId)
             + (SELECT count(*) FROM audit_log WHERE action LIKE 'project.%' AND entity_id = @projectId::text)
        """, new { projectId });

    [Fact]
    public async Task A_projects_amount_is_never_corrected_below_what_its_community_works_hold()
    {
        var (projectId, staff) = await ProjectAsync();
        await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "road", name = "ถนนในชุมชน", amount = 3_000_000m }));

        var rows = await RowsAsync(projectId);
        var refused = await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/projects/{projectId}", new { amount = 2_999_999.99m, reason = "ปรับงบ" }),
            HttpStatusCode.Conflict);

        Assert.Equal(3_000_000m, refused.GetProperty("works").GetDecimal());
        Assert.Equal("ต่ำกว่างบงานชุมชนที่ตั้งไว้แล้ว 3,000,000.00 บาท ไม่ได้", refused.GetProperty("detail").GetString());
        Assert.Equal(5_000_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM projects WHERE id = @projectId", new { projectId }));
        Assert.Equal(rows, await RowsAsync(projectId));
        // Down to exactly what the works hold is allowed, and then no further work fits.
        (await staff.PatchAsJsonAsync($"/api/v1/projects/{projectId}", new { amount = 3_000_000m, reason = "ปรับงบ" })).EnsureSuccessStatusCode();
        var over = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "water", name = "ประปา", amount = 0.01m }),
            HttpStatusCode.Conflict);
        Assert.Equal(0m, over.GetProperty("remaining").GetDecimal());
    }

    [Fact]
    public async Task A_cut_of_the_amount_and_a_new_work_racing_never_leave_the_works_past_the_amount()
    {
        for (var run = 0; run < 3; run++)
        {
            var (projectId, staff) = await ProjectAsync();
            await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "road", name = "ถนน", amount = 3_000_000m }));
            var answers = await Task.WhenAll(
                staff.PatchAsJsonAsync($"/api/v1/projects/{projectId}", new { amount = 3_500_000m, reason = "ปรับงบ" }),
                staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "drainage", name = "ท่อระบายน้ำ", amount = 1_000_000m }));
            var amount = await app.Db.ScalarAsync<decimal>("SELECT amount FROM projects WHERE id = @projectId", new { projectId });
            var works = await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM works WHERE project_id = @projectId", new { projectId });
            Assert.True(works <= amount, $"works {works} past the amount {amount}");
            Assert.Equal(1, answers.Count(a => a.IsSuccessStatusCode));
        }
    }

    [Fact]
    public async Task A_drawn_loan_is_money_moved_and_a_cancelled_project_takes_no_loan_money_nor_works()
    {
        var (drawnProject, staff) = await ProjectAsync();
        var loan = await Seed.CreatedAsync<LoanView>(await LoanAsync(staff, drawnProject));
        (await DrawAsync(staff, loan.Id)).EnsureSuccessStatusCode();
        var rows = await RowsAsync(drawnProject);
        var moved = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{drawnProject}/cancel", new { reason = "ชุมชนถอนตัว" }), HttpStatusCode.Conflict);
        Assert.Equal("ยกเลิกโครงการไม่ได้: มีการรับหรือจ่ายเงินแล้ว", moved.GetProperty("detail").GetString());
        Assert.Equal(rows, await RowsAsync(drawnProject));

        // A loan made but never drawn moves no money: the project may be cancelled, and then nothing more is recorded on it.
        var (project, _) = await ProjectAsync();
        var undrawn = await Seed.CreatedAsync<LoanView>(await LoanAsync(staff, project));
        (await staff.PostAsJsonAsync($"/api/v1/projects/{project}/cancel", new { reason = "ชุมชนถอนตัว" })).EnsureSuccessStatusCode();
        rows = await RowsAsync(project);
        foreach (var refused in new[]
                 {
                     await DrawAsync(staff, undrawn.Id), await LoanAsync(staff, project),
                     await staff.PostAsJsonAsync($"/api/v1/projects/{project}/works", new { kind = "road", name = "ถนน", amount = 1_000m }),
                 })
            Assert.Equal("โครงการนี้ถูกยกเลิกแล้ว", (await Seed.ProblemAsync(refused, HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        Assert.Equal(rows, await RowsAsync(project));
    }

    [Fact]
    public async Task A_drawdown_dated_before_the_projects_fiscal_year_began_is_a_400()
    {
        // In Bangkok, so that the other tests' projects (in Phrae, each a year after the last) keep their years.
        var (projectId, staff) = await ProjectAsync("100101");
        // Fiscal year 2569 began on 1 October 2025.
        await app.Db.ExecuteAsync("UPDATE budgets SET fiscal_year = 2569 WHERE id = (SELECT budget_id FROM projects WHERE id = @projectId)", new { projectId });
        var start = CashDays.FiscalYearStart(2569);
        Assert.Equal(new DateOnly(2025, 10, 1), start);
        var loan = await Seed.CreatedAsync<LoanView>(await LoanAsync(staff, projectId));

        var early = await Seed.ProblemAsync(await DrawAsync(staff, loan.Id, start.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            HttpStatusCode.BadRequest);

        Assert.Equal("วันที่ต้องไม่ก่อนปีงบประมาณ 2569 เริ่ม (1 ต.ค. 2568)", early.GetProperty("errors").GetProperty("paidOn")[0].GetString());
        Assert.Equal(0, await app.Db.CountAsync("loan_drawdowns", "loan_id = @Id", loan));
        (await DrawAsync(staff, loan.Id, start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccessStatusCode();
        Assert.Equal(1, await app.Db.CountAsync("loan_drawdowns", "loan_id = @Id", loan));
    }
}
