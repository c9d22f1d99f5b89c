using System.Net;
using Housing.Access;

namespace Housing.Tests.Budgets;

/// <summary>The pages read through the same service rules as the API: forms only for the area's staff, 404 outside the area.</summary>
public sealed class BudgetPageTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task Staff_see_the_forms_viewers_only_read_and_outsiders_get_404()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 209_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540103", 10, 209_000m);
        var household = await Seed.HouseholdAsync(staff, "540103", "นายพบ หน้าเว็บ");
        var allocation = await Seed.AllocationAsync(staff, project.Id, household.Id, 20_900m);

        foreach (var (path, form) in new[] { ($"/Budgets/{budget.Id}", "project-form"), ("/Budgets", "budget-form"), ("/Households/New", "household-form"), ("/Imports", "import-form") })
        {
            var html = await staff.GetStringAsync(path);
            Assert.Contains(form, html);
        }
        var projectPage = await staff.GetStringAsync($"/Projects/{project.Id}");
        Assert.Contains("188,100.00 บาท", projectPage); // left to allocate
        Assert.Contains("นายพบ หน้าเว็บ", projectPage);
        Assert.Contains(CitizenId.Mask(await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", new { household.Id })), projectPage);
        Assert.Contains("/Allocations/" + allocation.Id, projectPage);

        var viewer = await app.ClientAsync(Role.Viewer);
        var seen = await viewer.GetStringAsync($"/Projects/{project.Id}");
        Assert.Contains("นายพบ หน้าเว็บ", seen);
        Assert.DoesNotContain("allocate-form", seen);
        Assert.DoesNotContain("project-form", await viewer.GetStringAsync($"/Budgets/{budget.Id}"));

        var outsider = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        foreach (var path in new[] { $"/Budgets/{budget.Id}", $"/Projects/{project.Id}", $"/Households/{household.Id}", $"/Allocations/{allocation.Id}" })
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(path)).StatusCode);
    }
}
