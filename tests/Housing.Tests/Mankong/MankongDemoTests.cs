using Housing.Mankong;
using Microsoft.Extensions.Logging.Abstractions;

namespace Housing.Tests.Mankong;

public sealed class MankongDemoTests(MankongApp app) : IClassFixture<MankongApp>
{
    [Fact]
    public async Task The_demo_step_makes_a_Saraburi_city_project_with_savings_a_loan_repaid_one_in_arrears_and_two_works()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));

        await MankongDemo.SeedAsync(app.Services, NullLogger.Instance, default);

        var projectId = await app.Db.ScalarAsync<long>("SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE b.program = 'BMK' AND p.subdistrict_code = '190101'");
        Assert.Equal(2569, await app.Db.ScalarAsync<int>("SELECT b.fiscal_year FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId", new { projectId }));
        var saved = await app.Get<SavingsService>().ListAsync(Housing.Access.Caller.System, projectId);
        Assert.Equal(18, saved.Count);
        Assert.Equal(("2024-12", "2026-05", 570_000m), (saved[0].Month, saved[^1].Month, saved[^1].Balance));
        var ids = await app.Db.QueryAsync<long>("SELECT id FROM loans WHERE project_id = @projectId ORDER BY id", new { projectId });
        var loans = app.Get<LoanService>();
        var housing = await loans.GetAsync(Housing.Access.Caller.System, ids[0]);
        var land = await loans.GetAsync(Housing.Access.Caller.System, ids[1]);
        // Housing: due 1 Dec 2025 to 1 Jun 2026, seven instalments, all paid; land: due from 1 Jan 2026, one paid, five late
        // (1 Feb to 15 Jun is 134 days).
        Assert.Equal(7, housing.Schedule.Count(l => l.Paid > 0 && l.Paid == l.Principal + l.Interest));
        Assert.Equal(0m, housing.Arrears.Amount);
        Assert.Equal((134, 5), (land.Arrears.Days, land.Schedule.Count(l => l.Paid == 0 && l.DueOn < new DateOnly(2026, 6, 15))));
        Assert.True(land.Arrears.Buckets.Over90 > 0 && land.Arrears.Buckets.Days61To90 > 0 && land.Arrears.Buckets.Days31To60 > 0 && land.Arrears.Buckets.Days1To30 > 0);
        Assert.Equal(2, await app.Db.CountAsync("works", "project_id = @projectId", new { projectId }));
        Assert.Equal(["road:started", "drainage:contracted"], await app.Db.QueryAsync<string>(
            "SELECT w.kind || ':' || (SELECT s.stage FROM work_stages s WHERE s.work_id = w.id ORDER BY s.stage_order DESC LIMIT 1) FROM works w WHERE w.project_id = @projectId ORDER BY w.id", new { projectId }));
        Assert.Equal(1, await app.Db.CountAsync("work_payments", "project_id = @projectId AND reverses_id IS NOT NULL", new { projectId }));
        Assert.Equal([(2_000_000m, 1_500_000m)], await app.Db.QueryAsync<(decimal, decimal)>("SELECT received, paid FROM project_cash WHERE project_id = @projectId", new { projectId }));
        await Invariants.AssertHoldAsync(app.Db);
    }
}
