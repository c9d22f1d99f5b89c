using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Budgets;

namespace Housing.Tests.Budgets;

public sealed class BudgetApiTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task Staff_create_a_budget_for_their_province()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        var budget = await Seed.BudgetAsync(staff, "54", year, 65, 1_358_500m);
        Assert.Equal(("BPP", year, "54", "แพร่", 65, 1_358_500m, 0m), (budget.Program, budget.FiscalYear, budget.ProvinceCode, budget.ProvinceNameTh,
            budget.TargetHouseholds, budget.Amount, budget.Projected));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'budget.create' AND entity_id = @id", new { id = budget.Id.ToString() }));
    }

    [Fact]
    public async Task A_second_budget_for_the_same_program_year_and_province_is_409_naming_the_first_and_changes_nothing()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        var first = await Seed.BudgetAsync(staff, "54", year, 10, 200_000m);
        var before = await app.Db.CountAsync("budgets");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync("/api/v1/budgets",
            new { program = "BPP", fiscalYear = year, provinceCode = "54", targetHouseholds = 5, amount = 100_000m }), HttpStatusCode.Conflict);
        Assert.Equal(first.Id, problem.GetProperty("existingId").GetInt64());
        Assert.Equal(before, await app.Db.CountAsync("budgets"));
        // The other program the same year is a budget of its own.
        await Seed.BudgetAsync(staff, "54", year, 5, 100_000m, program: "BMK");
    }

    [Theory]
    [InlineData("XYZ", 2565, "54", 10, 1000.0, "program")]
    [InlineData("BPP", 2022, "54", 10, 1000.0, "fiscalYear")]
    [InlineData("BPP", 2565, "99", 10, 1000.0, "provinceCode")]
    [InlineData("BPP", 2565, "54", 0, 1000.0, "targetHouseholds")]
    [InlineData("BPP", 2565, "54", 10, 0.0, "amount")]
    [InlineData("BPP", 2565, "54", 10, 10.005, "amount")]
    [InlineData("BPP", 2565, "54", 10, 100000000.0, "amount")]
    public async Task Bad_budget_input_is_400_with_the_field_and_changes_nothing(string program, int year, string province, int target, double amount, string field)
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var before = await app.Db.CountAsync("budgets");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync("/api/v1/budgets",
            new { program, fiscalYear = year, provinceCode = province, targetHouseholds = target, amount = (decimal)amount }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await app.Db.CountAsync("budgets"));
    }

    [Fact]
    public async Task Staff_of_another_province_treasurers_and_viewers_may_not_create_budgets()
    {
        var before = await app.Db.CountAsync("budgets");
        foreach (var client in new[] { await app.ClientAsync(Role.ProvincialStaff, ["19"]), await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]),
                     await app.ClientAsync(Role.Viewer) })
            await Seed.ProblemAsync(await client.PostAsJsonAsync("/api/v1/budgets",
                new { program = "BPP", fiscalYear = Seed.NewYear(), provinceCode = "54", targetHouseholds = 5, amount = 100_000m }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.Db.CountAsync("budgets"));
    }

    [Fact]
    public async Task Budgets_are_listed_within_the_callers_area_and_read_outside_it_is_404()
    {
        var phrae = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var saraburi = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        var year = Seed.NewYear();
        var p = await Seed.BudgetAsync(phrae, "54", year, 10, 100_000m);
        var s = await Seed.BudgetAsync(saraburi, "19", year, 10, 100_000m);
        var seenBySaraburi = await saraburi.GetFromJsonAsync<List<BudgetView>>($"/api/v1/budgets?fiscalYear={year}");
        Assert.Equal([s.Id], seenBySaraburi!.Select(b => b.Id));
        var viewer = await app.ClientAsync(Role.Viewer);
        Assert.Equal([s.Id, p.Id], (await viewer.GetFromJsonAsync<List<BudgetView>>($"/api/v1/budgets?fiscalYear={year}&program=BPP"))!.Select(b => b.Id));
        await Seed.ProblemAsync(await saraburi.GetAsync($"/api/v1/budgets/{p.Id}"), HttpStatusCode.NotFound);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        Assert.Equal([p.Id], (await treasurer.GetFromJsonAsync<List<BudgetView>>($"/api/v1/budgets?fiscalYear={year}"))!.Select(b => b.Id));
    }

    [Fact]
    public async Task Projects_never_pass_the_budget_409_and_nothing_changes()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m);
        await Seed.ProjectAsync(staff, budget.Id, "540101", 6, 60_000m);
        var before = await app.Db.CountAsync("projects");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/budgets/{budget.Id}/projects",
            new { subdistrictCode = "540102", name = "ตำบลนาจักร", targetHouseholds = 5, amount = 40_000.01m }), HttpStatusCode.Conflict);
        Assert.Equal(40_000m, problem.GetProperty("remaining").GetDecimal());
        Assert.Equal(before, await app.Db.CountAsync("projects"));
        var last = await Seed.ProjectAsync(staff, budget.Id, "540102", 4, 40_000m);
        var detail = await staff.GetFromJsonAsync<BudgetDetail>($"/api/v1/budgets/{budget.Id}");
        Assert.Equal((100_000m, 10, 2), (detail!.Budget.Projected, detail.Budget.ProjectedHouseholds, detail.Projects.Count));
        Assert.Equal(last.Id, detail.Projects[1].Id);
    }

    [Fact]
    public async Task A_project_must_be_in_the_budgets_province_and_a_Baan_Mankong_project_names_its_community()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54", "19"]);
        var bpp = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m);
        var bmk = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m, program: "BMK");
        var before = await app.Db.CountAsync("projects");
        var p1 = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/budgets/{bpp.Id}/projects",
            new { subdistrictCode = "190101", name = "ปากเพรียว", targetHouseholds = 1, amount = 1000m }), HttpStatusCode.BadRequest);
        Assert.True(p1.GetProperty("errors").TryGetProperty("subdistrictCode", out _));
        var p2 = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/budgets/{bmk.Id}/projects",
            new { subdistrictCode = "540101", name = "บ้านมั่นคงเมืองแพร่", targetHouseholds = 1, amount = 1000m }), HttpStatusCode.BadRequest);
        Assert.True(p2.GetProperty("errors").TryGetProperty("communityName", out _));
        Assert.Equal(before, await app.Db.CountAsync("projects"));
        var project = await Seed.ProjectAsync(staff, bmk.Id, "540101", 3, 90_000m, "บ้านมั่นคงเมืองแพร่", "ชุมชนประตูมาน");
        Assert.Equal(("ชุมชนประตูมาน", "BMK", "ในเวียง", "เมืองแพร่"), (project.CommunityName, project.Program, project.SubdistrictNameTh, project.DistrictNameTh));
    }

    [Fact]
    public async Task A_project_is_read_by_its_area_and_404_elsewhere_and_others_may_not_add_projects()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540101", 5, 50_000m);
        var mine = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var other = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]);
        Assert.Equal(50_000m, (await mine.GetFromJsonAsync<ProjectView>($"/api/v1/projects/{project.Id}"))!.Remaining);
        await Seed.ProblemAsync(await other.GetAsync($"/api/v1/projects/{project.Id}"), HttpStatusCode.NotFound);
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.ProvincialStaff, ["19"])).GetAsync($"/api/v1/projects/{project.Id}"), HttpStatusCode.NotFound);
        await Seed.ProblemAsync(await app.Anonymous().GetAsync($"/api/v1/projects/{project.Id}"), HttpStatusCode.Unauthorized);
        var before = await app.Db.CountAsync("projects");
        await Seed.ProblemAsync(await mine.PostAsJsonAsync($"/api/v1/budgets/{budget.Id}/projects",
            new { subdistrictCode = "540101", name = "x", targetHouseholds = 1, amount = 1000m }), HttpStatusCode.Forbidden);
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.ProvincialStaff, ["19"])).PostAsJsonAsync($"/api/v1/budgets/{budget.Id}/projects",
            new { subdistrictCode = "540101", name = "x", targetHouseholds = 1, amount = 1000m }), HttpStatusCode.NotFound);
        Assert.Equal(before, await app.Db.CountAsync("projects"));
        // Only its own subdistrict's projects show in the budget for a treasurer.
        await Seed.ProjectAsync(staff, budget.Id, "540102", 5, 50_000m);
        Assert.Equal([project.Id], (await mine.GetFromJsonAsync<BudgetDetail>($"/api/v1/budgets/{budget.Id}"))!.Projects.Select(p => p.Id));
    }

    [Fact]
    public async Task Staff_adding_projects_at_once_never_pass_the_budget()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 100, 100_000m);
        var clients = new[] { staff, await app.ClientAsync(Role.ProvincialStaff, ["54"]), await app.ClientAsync(Role.ProvincialStaff, ["54"]) };
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, 15).Select(async i =>
        {
            await start.WaitAsync();
            return (await clients[i % 3].PostAsJsonAsync($"/api/v1/budgets/{budget.Id}/projects",
                new { subdistrictCode = "540101", name = $"โครงการ {i}", targetHouseholds = 1, amount = 30_000m })).StatusCode;
        }).ToList();
        start.Release(tasks.Count);
        var statuses = await Task.WhenAll(tasks);
        Assert.Equal((3, 12), (statuses.Count(s => s == HttpStatusCode.Created), statuses.Count(s => s == HttpStatusCode.Conflict)));
        Assert.Equal(90_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM projects WHERE budget_id = @Id", new { budget.Id }));
    }
}
