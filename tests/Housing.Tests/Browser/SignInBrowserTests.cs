using Housing.Access;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

public sealed class SignInBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task A_staff_member_signs_in_through_the_page_in_Thai_and_switches_to_English_which_persists()
    {
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var page = await app.NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Access/SignIn"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("เข้าสู่ระบบ");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "th");

        await page.FillAsync("input[name=username]", user.Username);
        await page.FillAsync("input[name=password]", "not-the-password");
        await page.ClickAsync("form.stack button[type=submit]");
        await Expect(page.GetByTestId("signin-error")).ToHaveTextAsync("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง");

        await page.FillAsync("input[name=password]", TestApp.Password);
        await page.ClickAsync("form.stack button[type=submit]");
        await Expect(page.GetByTestId("who")).ToHaveTextAsync(user.Username);
        await Expect(page.GetByTestId("role")).ToContainTextAsync("เจ้าหน้าที่ พอช. จังหวัด");
        await Expect(page.GetByTestId("role")).ToContainTextAsync("แพร่");
        await BrowserApp.ScreenshotAsync(page, "home-th-360");

        await page.GetByTestId("lang-en").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync($"Welcome, {user.Username}");
        await Expect(page.GetByTestId("role")).ToContainTextAsync("Phrae");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        await page.GotoAsync("/Geography/54");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Districts of Phrae");
        await BrowserApp.ScreenshotAsync(page, "districts-en-360");

        await page.GetByTestId("lang-th").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("อำเภอในแพร่");
    }

    [Fact]
    public async Task The_home_page_fits_a_360_pixel_phone_without_sideways_scrolling()
    {
        var user = await app.CreateUserAsync(Role.Admin);
        var page = await app.SignedInPageAsync(user.Username);
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.Equal(360, scrollWidth);
    }
}
