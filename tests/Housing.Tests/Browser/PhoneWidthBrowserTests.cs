using Housing.Access;
using Housing.Tests.Disbursements;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>On a 360 px phone no main page scrolls sideways, for any role; tables become cards; menus follow the role.</summary>
public sealed class PhoneWidthBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    static async Task<List<string>> TooWideAsync(IPage page, IEnumerable<string> urls)
    {
        var wide = new List<string>();
        foreach (var url in urls)
        {
            var response = await page.GotoAsync(url);
            Assert.True(response!.Ok, $"{url}: {response.Status}");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var (scroll, inner) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
            // A box that scrolls sideways inside the page (a wide table in its wrapper) hides columns just the same.
            var inside = await page.EvaluateAsync<string>("""
                [...document.querySelectorAll('body *')].filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
                  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')).join(', ')
                """);
            if (scroll > inner || inside != "")
            {
                wide.Add($"{url}: {scroll} px {inside}");
                await BrowserApp.ScreenshotAsync(page, "too-wide-" + url.Trim('/').Replace('/', '-').Replace('?', '-'));
            }
        }
        return wide;
    }

    [Fact]
    public async Task No_main_page_scrolls_sideways_at_360_px_for_any_role()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 679_250m);
        await using (var conn = await app.Db.OpenConnectionAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no)
                VALUES (@AllocationId, @ProjectId, 12500.50, '2022-02-01', 'ร้านแพร่วัสดุก่อสร้างและฮาร์ดแวร์ จำกัด (สำนักงานใหญ่)', 'supplier', 'cash', 'เล่ม 1 เลขที่ 23');
                INSERT INTO milestones (allocation_id, stage, stage_order, reached_on, note) VALUES (@AllocationId, 'surveyed', 1, '2022-01-10', 'หลังคารั่ว');
                """, home);
        string[] everyone = ["/", "/Budgets", "/Households", "/Rollups", "/Ledgers", "/Geography", "/Geography/54", $"/Budgets/{home.BudgetId}",
            $"/Projects/{home.ProjectId}", $"/Households/{home.HouseholdId}", $"/Ledgers/Project/{home.ProjectId}", $"/Ledgers/CashBook/{home.ProjectId}",
            $"/Ledgers/Monthly/{home.ProjectId}", $"/Disbursements/Record/{home.AllocationId}", $"/Milestones/{home.AllocationId}", "/Access/Password"];
        var pages = new Dictionary<Role, string[]>
        {
            [Role.Admin] = [.. everyone, "/Jobs", "/Access/Users", "/Access/Audit", "/Imports", "/Households/New", $"/Allocations/{home.AllocationId}"],
            [Role.ProvincialStaff] = [.. everyone, "/Imports", "/Households/New", $"/Allocations/{home.AllocationId}"],
            [Role.Treasurer] = [.. everyone, $"/Transfers/Record/{home.ProjectId}"],
            [Role.Viewer] = everyone,
        };
        var wide = new List<string>();
        foreach (var (role, urls) in pages)
        {
            var user = await app.CreateUserAsync(role, provinces: role is Role.ProvincialStaff or Role.Viewer ? ["54"] : null,
                subdistricts: role == Role.Treasurer ? ["540101"] : null);
            var page = await app.SignedInPageAsync(user.Username);
            wide.AddRange((await TooWideAsync(page, urls)).Select(w => $"{role} {w}"));
            await page.Context.CloseAsync();
        }
        Assert.Empty(wide);
    }

    [Fact]
    public async Task Each_role_gets_its_own_menu_in_the_order_it_works()
    {
        var treasurer = await app.SignedInPageAsync((await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"])).Username);
        await Expect(treasurer.Locator("nav.menu a")).ToHaveTextAsync(["โครงการของฉัน", "ครัวเรือน", "สรุปผล"]);
        var staff = await app.SignedInPageAsync((await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"])).Username);
        await Expect(staff.Locator("nav.menu a")).ToHaveTextAsync(["งบประมาณ", "ทะเบียนครัวเรือน", "การเงินโครงการ", "สรุปผล", "พื้นที่"]);
        await staff.GotoAsync("/Rollups");
        await Expect(staff.GetByTestId("refresh")).ToHaveCountAsync(0);
        var admin = await app.SignedInPageAsync((await app.CreateUserAsync(Role.Admin)).Username);
        await Expect(admin.Locator("nav.menu a")).ToHaveTextAsync(["งบประมาณ", "ทะเบียนครัวเรือน", "การเงินโครงการ", "สรุปผล", "พื้นที่", "งานเบื้องหลัง", "ผู้ใช้", "บันทึกการใช้งาน"]);
    }
}

public sealed class HomePageBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task A_treasurers_home_page_shows_its_figures_and_what_to_do_next()
    {
        var waiting = await MoneySeed.HomeAsync(app.Db, subdistrict: "540102", projectAmount: 100_000m);
        var paying = await MoneySeed.HomeAsync(app.Db, subdistrict: "540102", projectAmount: 200_000m);
        await MoneySeed.TransferAsync(app.Db, paying.ProjectId, 60_000m);
        var page = await app.SignedInPageAsync((await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540102"])).Username);

        await Expect(page.GetByTestId("home-cash")).ToHaveTextAsync("60,000.00 บาท");
        var steps = page.GetByTestId("next-steps").Locator("li");
        await Expect(steps).ToHaveCountAsync(2);
        await Expect(steps.Nth(0)).ToContainTextAsync("บันทึกเงินโอนที่ได้รับ");
        await Expect(steps.Nth(0).Locator("a")).ToHaveAttributeAsync("href", $"/Transfers/Record/{waiting.ProjectId}");
        await Expect(steps.Nth(1)).ToContainTextAsync("เงินคงเหลือ 60,000.00 บาท");
        await BrowserApp.ScreenshotAsync(page, "home-treasurer-360");
    }
}

public sealed class HouseholdFilterBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Staff_filter_the_register_by_district_and_subdistrict_picked_by_name()
    {
        var home = await MoneySeed.HomeAsync(app.Db, subdistrict: "540102");
        var page = await app.SignedInPageAsync((await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"])).Username);
        await page.GotoAsync("/Households");
        await page.GetByTestId("filter-district").SelectOptionAsync("5401"); // เมืองแพร่, by name in the list
        await page.GetByTestId("filter-subdistrict").SelectOptionAsync(new SelectOptionValue { Label = "นาจักร" });
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("พบ 1 ครัวเรือน");
        await Expect(page.GetByTestId("households").Locator("tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        _ = home;
    }

    [Fact]
    public async Task Staff_filter_the_register_by_status_and_project_and_every_page_labels_the_homes_stage()
    {
        var w = await Housing.Tests.Households.FilterWorld.SeedAsync(app, "540115", "540116", 2568);
        var page = await app.SignedInPageAsync((await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"])).Username);
        await page.GotoAsync("/Households");
        await page.GetByTestId("filter-district").SelectOptionAsync("5401");
        await page.GetByTestId("filter-subdistrict").SelectOptionAsync(w.Sub);
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("พบ 7 ครัวเรือน");
        await page.GetByTestId("filter-status").SelectOptionAsync("surveyed");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("พบ 3 ครัวเรือน");
        // The projects offered are the subdistrict's, by name.
        await Expect(page.GetByTestId("filter-project").Locator("option")).ToHaveTextAsync(["ทุกโครงการ", "บ้านพอเพียง สอง (2568)", "บ้านพอเพียง หนึ่ง (2568)"]);
        await page.GetByTestId("filter-project").SelectOptionAsync(w.P1.ToString());
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("พบ 2 ครัวเรือน");
        var rows = page.GetByTestId("households").Locator("tbody tr");
        await Expect(rows.Locator("td:first-child a")).ToHaveTextAsync(["นางบ้าน 2 ใจดี", "นางบ้าน 6 ใจดี"]);
        await Expect(page.GetByTestId($"status-{w.H[2]}")).ToHaveTextAsync("ขั้นตอน: สำรวจ");
        await Expect(page.GetByTestId("filter-status")).ToHaveValueAsync("surveyed");
        await Expect(page.GetByTestId("filter-subdistrict")).ToHaveValueAsync(w.Sub);
        await BrowserApp.ScreenshotAsync(page, "households-filtered-360");
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));

        // The project's homes and the household's page label the stage too, in Thai and, switched, in English.
        await page.GotoAsync($"/Ledgers/Project/{w.P1}");
        await Expect(page.GetByTestId("homes").GetByTestId("stage")).ToHaveTextAsync(
            ["ขั้นตอน: ยังไม่เริ่ม", "ขั้นตอน: สำรวจ", "ขั้นตอน: อนุมัติ", "ขั้นตอน: สำรวจ", "ขั้นตอน: ยังไม่เริ่ม"]);
        await page.GotoAsync($"/Households/{w.H[3]}");
        await Expect(page.GetByTestId("household-allocations").Locator("td[data-testid^=stage-]")).ToHaveTextAsync("ขั้นตอน: อนุมัติ");
        await page.GetByTestId("lang-en").ClickAsync();
        await Expect(page.GetByTestId("household-allocations").Locator("td[data-testid^=stage-]")).ToHaveTextAsync("Stage: Approved");
    }
}
