using System.Net;
using Housing.Access;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

public sealed class UsersBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    static Task<int> ScrollWidth(IPage page) => page.EvaluateAsync<int>("document.documentElement.scrollWidth");

    [Fact]
    public async Task An_admin_on_a_phone_changes_a_role_picks_a_subdistrict_by_name_deactivates_and_the_audit_log_shows_it()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var treasurer = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var token = await app.ClientForAsync(treasurer.Username); // signs in once: the list shows when
        var page = await app.SignedInPageAsync(admin.Username);

        await page.GotoAsync("/Access/Users");
        var card = page.GetByTestId($"user-{treasurer.Username}");
        await Expect(card).ToContainTextAsync("เหรัญญิก");
        await Expect(card).ToContainTextAsync("ในเวียง");
        await Expect(card.GetByTestId("user-state")).ToHaveTextAsync("ใช้งานได้");
        await Expect(card.GetByTestId("user-last-sign-in")).ToContainTextAsync($"{Thai.Today().Year + 543}");
        Assert.Equal(360, await ScrollWidth(page));
        await BrowserApp.ScreenshotAsync(page, "users-th-360");

        // Treasurer of Na Chak instead of Nai Wiang: picked province → district → subdistrict, by name.
        await card.GetByTestId($"edit-{treasurer.Username}").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync($"ผู้ใช้ {treasurer.Username}");
        await page.Locator("input[name='Input.Area.Subdistricts'][value='540101']").UncheckAsync();
        await page.GetByTestId("pick-province").SelectOptionAsync("54");
        await page.GetByTestId("pick-district").SelectOptionAsync("5401");
        await page.GetByTestId("pick-subdistrict").SelectOptionAsync("540102");
        await Expect(page.GetByTestId("user-subdistricts")).ToContainTextAsync("นาจักร · เมืองแพร่ · แพร่");
        Assert.Equal(360, await ScrollWidth(page));
        await BrowserApp.ScreenshotAsync(page, "user-edit-th-360");
        await page.GetByTestId("save-user").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        Assert.Equal(["540102"], await app.Db.ScalarAsync<string[]>("SELECT subdistrict_codes FROM users WHERE id = @id", new { id = treasurer.UserId }));
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/provinces")).StatusCode);

        // Provincial staff of Phrae, then deactivated.
        await page.GetByTestId("user-role").SelectOptionAsync("ProvincialStaff");
        await page.GetByTestId("user-provinces").SelectOptionAsync(["54"]);
        await page.Locator("input[name='Input.Area.Subdistricts'][value='540102']").UncheckAsync();
        await page.GetByTestId("user-active").UncheckAsync();
        await page.GetByTestId("save-user").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        await page.GotoAsync("/Access/Users");
        await Expect(card.GetByTestId("user-state")).ToHaveTextAsync("ปิดการใช้งาน");
        await Expect(card).ToContainTextAsync("เจ้าหน้าที่จังหวัด");
        await Expect(card).ToContainTextAsync("แพร่");

        // The audit log, filtered from its lists: this admin's changes of users, today.
        await page.GotoAsync("/Access/Audit");
        await page.GetByTestId("filter-actor").SelectOptionAsync(admin.Username);
        await page.GetByTestId("filter-kind").SelectOptionAsync("user.update");
        var today = Thai.Today();
        await page.GetByTestId("filter-from").Locator("select[name=fd]").SelectOptionAsync(today.Day.ToString());
        await page.GetByTestId("filter-from").Locator("select[name=fm]").SelectOptionAsync(today.Month.ToString());
        await page.GetByTestId("filter-from").Locator("select[name=fy]").SelectOptionAsync((today.Year + 543).ToString());
        await page.GetByTestId("audit-search").ClickAsync();
        await Expect(page.GetByTestId("audit-total")).ToHaveTextAsync("ทั้งหมด 2 รายการ");
        var newest = page.GetByTestId("audit-entry").First;
        await Expect(newest.GetByTestId("audit-action")).ToHaveTextAsync("แก้ไขผู้ใช้ (บทบาท พื้นที่ การใช้งาน)");
        await Expect(newest.Locator("table.changes tr", new() { HasText = "บทบาท" }).Locator("td")).ToHaveTextAsync(["เหรัญญิก", "เจ้าหน้าที่จังหวัด"]);
        await Expect(newest.Locator("table.changes tr", new() { HasText = "ใช้งานได้" }).Locator("td")).ToHaveTextAsync(["ใช่", "ไม่ใช่"]);
        await Expect(page.GetByTestId("audit-entry").Nth(1).Locator("table.changes")).ToContainTextAsync("นาจักร (540102)");
        Assert.Equal(360, await ScrollWidth(page));
        await BrowserApp.ScreenshotAsync(page, "audit-th-360");

        // A province picked fills the projects list (the form sends itself).
        await page.GetByTestId("filter-province").SelectOptionAsync("54");
        await Expect(page.GetByTestId("filter-province")).ToHaveValueAsync("54");
        await Expect(page.GetByTestId("filter-kind")).ToHaveValueAsync("user.update");

        await page.GetByTestId("lang-en").ClickAsync();
        await Expect(page.GetByTestId("audit-entry").First.GetByTestId("audit-action")).ToHaveTextAsync("Change a user (role, area, activity)");
        await Expect(page.GetByTestId("audit-total")).ToHaveTextAsync("2 entries");
    }

    [Fact]
    public async Task Anyone_changes_their_own_password_from_the_top_bar_and_must_sign_in_again()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var page = await app.SignedInPageAsync(user.Username);
        Assert.Equal(360, await ScrollWidth(page));
        await page.GetByTestId("my-password").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("เปลี่ยนรหัสผ่าน");
        await page.GetByTestId("current-password").FillAsync("not-my-password");
        await page.GetByTestId("own-new-password").FillAsync("viewer-secret-2569");
        await page.GetByTestId("confirm-password").FillAsync("viewer-secret-2569");
        await page.GetByTestId("change-password").ClickAsync();
        await Expect(page.Locator(".field-error").First).ToHaveTextAsync("รหัสผ่านปัจจุบันไม่ถูกต้อง");

        await page.GetByTestId("current-password").FillAsync(TestApp.Password);
        await page.GetByTestId("own-new-password").FillAsync("viewer-secret-2569");
        await page.GetByTestId("confirm-password").FillAsync("viewer-secret-2569");
        await page.GetByTestId("change-password").ClickAsync();
        await Expect(page.GetByTestId("password-changed")).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Access/SignIn"));
        await app.SignedInPageAsync(user.Username, "viewer-secret-2569");
    }
}
