using Housing.Access;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>Whatever a user typed is shown as text on every page that shows it, never run.</summary>
public sealed class EscapingBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    const string Hostile = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">นาง'\"&";

    [Fact]
    public async Task A_script_bearing_name_is_shown_as_text_on_every_page_and_never_runs()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var budget = await Seed.BudgetAsync(admin, "54", Seed.NewYear(), 10, 209_000m);
        var project = await Seed.ProjectAsync(admin, budget.Id, "540101", 2, 41_800m, name: "โครงการ " + Hostile);
        var household = await Seed.HouseholdAsync(admin, "540101", headName: Hostile);
        var allocation = await Seed.AllocationAsync(admin, project.Id, household.Id, 20_900m);
        var user = await app.CreateUserAsync(Role.Admin);
        var page = await app.SignedInPageAsync(user.Username, width: 1280, height: 900);
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        foreach (var path in new[]
        {
            $"/Households/{household.Id}", $"/Households?q={Uri.EscapeDataString("นาง")}&subdistrictCode=540101", $"/Projects/{project.Id}",
            $"/Budgets/{budget.Id}", $"/Ledgers/Project/{project.Id}", $"/Milestones/{allocation.Id}", "/Access/Audit",
        })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Ok, $"{path}: {response.Status}");
            Assert.Null(await page.EvaluateAsync<int?>("window.__xss ?? null"));
            Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
            if (path != "/Access/Audit") await Expect(page.Locator("main")).ToContainTextAsync("<script>window.__xss=1</script>");
        }
        Assert.Equal(0, dialogs);
    }
}
