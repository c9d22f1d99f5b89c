using System.Net.Http.Json;
using Housing.Access;
using Housing.Budgets;

namespace Housing.Tests.Budgets;

/// <summary>The real rounds of DOMAIN.md, run through the API as provincial staff would.</summary>
public sealed class DomainScenarioTests(TestApp app) : IClassFixture<TestApp>
{
    /// <summary>A budget, one project per subdistrict with its homes, each home registered and allocated the same grant.</summary>
    async Task<BudgetDetail> RunAsync(string province, int year, decimal total, decimal perHome, int[] homesPerSubdistrict)
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, [province]);
        var homes = homesPerSubdistrict.Sum();
        var budget = await Seed.BudgetAsync(staff, province, year, homes, total);
        var subdistricts = await app.Db.QueryAsync<string>(
            "SELECT code FROM subdistricts WHERE left(code, 2) = @province ORDER BY code LIMIT @n", new { province, n = homesPerSubdistrict.Length });
        for (var i = 0; i < subdistricts.Count; i++)
        {
            var count = homesPerSubdistrict[i];
            var project = await Seed.ProjectAsync(staff, budget.Id, subdistricts[i], count, count * perHome);
            for (var j = 0; j < count; j++)
            {
                var household = await Seed.HouseholdAsync(staff, subdistricts[i], $"ครัวเรือน {subdistricts[i]}-{j + 1}", villageNo: j % 9 + 1);
                await Seed.AllocationAsync(staff, project.Id, household.Id, perHome);
            }
            var done = await staff.GetFromJsonAsync<ProjectView>($"/api/v1/projects/{project.Id}");
            Assert.Equal((count, count * perHome, 0m), (done!.Households, done.Allocated, done.Remaining));
        }
        return (await staff.GetFromJsonAsync<BudgetDetail>($"/api/v1/budgets/{budget.Id}"))!;
    }

    [Fact]
    public async Task Phrae_FY_2565_Baan_Por_Piang_65_homes_in_11_subdistricts_at_20900_is_1358500_baht()
    {
        var detail = await RunAsync("54", 2565, 1_358_500m, 20_900m, [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5]);
        var b = detail.Budget;
        Assert.Equal((65, 1_358_500m, 11, 65, 1_358_500m, 1_358_500m, 0m),
            (b.TargetHouseholds, b.Amount, b.ProjectCount, b.ProjectedHouseholds, b.Projected, b.Allocated, b.Unprojected));
        Assert.Equal(65, detail.Projects.Sum(p => p.Households));
        Assert.Equal(65, await app.Db.CountAsync("allocations a JOIN projects p ON p.id = a.project_id", "p.budget_id = @Id AND a.amount = 20900", new { b.Id }));
    }

    [Fact]
    public async Task Saraburi_FY_2561_Baan_Por_Piang_228_homes_in_11_subdistricts_is_3562500_baht()
    {
        // 3,562,500 / 228 = 15,625 a home; 228 = 8 subdistricts of 21 and 3 of 20.
        var detail = await RunAsync("19", 2561, 3_562_500m, 15_625m, [21, 21, 21, 21, 21, 21, 21, 21, 20, 20, 20]);
        var b = detail.Budget;
        Assert.Equal((228, 3_562_500m, 11, 228, 3_562_500m, 3_562_500m),
            (b.TargetHouseholds, b.Amount, b.ProjectCount, b.ProjectedHouseholds, b.Projected, b.Allocated));
        Assert.Equal(228, detail.Projects.Sum(p => p.Households));
        Assert.Equal(3_562_500m, await app.Db.ScalarAsync<decimal>(
            "SELECT sum(a.amount) FROM allocations a JOIN projects p ON p.id = a.project_id WHERE p.budget_id = @Id AND a.cancelled_at IS NULL", new { b.Id }));
    }
}
