using System.Text.RegularExpressions;
using Housing.Access;
using Housing.Budgets;
using Housing.Tests.Browser;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Budgets;

public sealed class AllocationBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task A_staff_member_makes_a_project_registers_a_household_and_allocates_its_budget_on_a_phone()
    {
        var staff = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var year = Seed.NewYear();
        // The budget is set beforehand (the browser app's test client cannot reach its Kestrel port); the rest is done on the pages.
        var budget = await app.Get<BudgetService>().CreateAsync(staff, new CreateBudget("BPP", year, "54", 65, 1_358_500m));
        var page = await app.SignedInPageAsync(staff.Username);

        // The budget, from the list.
        await page.GotoAsync($"/Budgets?year={year}");
        await page.GetByTestId("budgets").GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "แพร่" }).ClickAsync();
        await Expect(page.GetByTestId("unprojected")).ToHaveTextAsync("1,358,500.00 บาท");

        // A project for Nai Wiang's council, first over the budget (refused beside the form), then right.
        var form = page.GetByTestId("project-form");
        await form.Locator("select[name='Input.SubdistrictCode']").SelectOptionAsync("540101");
        await form.Locator("input[name='Input.Name']").FillAsync("บ้านพอเพียงตำบลในเวียง");
        await form.Locator("input[name='Input.TargetHouseholds']").FillAsync("6");
        await form.Locator("input[name='Input.Amount']").FillAsync("2000000");
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator(".alert")).ToContainTextAsync("เกินงบประมาณ");
        await page.GetByTestId("project-form").Locator("input[name='Input.Amount']").FillAsync("125400");
        await page.GetByTestId("project-form").Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("บ้านพอเพียงตำบลในเวียง");
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("125,400.00 บาท");

        // Register a household from the project: a bad citizen ID first, its error beside the field.
        await page.GetByTestId("register-household").ClickAsync();
        var household = page.GetByTestId("household-form");
        var id = Seed.NewCitizenId();
        await household.Locator("input[name='Input.CitizenId']").FillAsync(id[..12] + (char)('0' + (id[12] - '0' + 1) % 10));
        await household.Locator("input[name='Input.HeadName']").FillAsync("นางบัวผัน คำมูล");
        await household.Locator("input[name='Input.HouseNo']").FillAsync("45/1");
        await household.Locator("input[name='Input.VillageNo']").FillAsync("3");
        await household.Locator("input[name='Input.Members']").FillAsync("4");
        await household.Locator("input[name='Input.MonthlyIncome']").FillAsync("3500");
        await household.Locator("input[value=elderly]").CheckAsync();
        await household.Locator("select[name='Input.LandTenure']").SelectOptionAsync("owned");
        await household.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("label", new() { HasText = "เลขประจำตัวประชาชน" }).Locator(".field-error")).ToContainTextAsync("ไม่ถูกต้อง");
        await page.GetByTestId("household-form").Locator("input[name='Input.CitizenId']").FillAsync(CitizenId.Format(id));
        await page.GetByTestId("household-form").Locator("button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("registered")).ToBeVisibleAsync();
        await BrowserApp.ScreenshotAsync(page, "project-registered-th-360");

        // Allocate the home's budget: the new household is already chosen.
        var allocate = page.GetByTestId("allocate-form");
        await allocate.Locator("input[name='Input.Amount']").FillAsync("20900");
        await allocate.Locator("select[name='Input.WorkType']").SelectOptionAsync("rebuild");
        await allocate.Locator("button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("allocated")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("104,500.00 บาท");
        await Expect(page.GetByTestId("allocations")).ToContainTextAsync("นางบัวผัน คำมูล");
        await Expect(page.GetByTestId("allocations")).ToContainTextAsync(CitizenId.Mask(id));
        await BrowserApp.ScreenshotAsync(page, "project-allocated-th-360");
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));

        Assert.Equal(20_900m, await app.Db.ScalarAsync<decimal>(
            "SELECT a.amount FROM allocations a JOIN households h ON h.id = a.household_id WHERE h.citizen_id = @id AND a.work_type = 'rebuild'", new { id }));
        Assert.Equal(1, await app.Db.CountAsync("projects", "budget_id = @Id", new { budget.Id }));
    }
}
