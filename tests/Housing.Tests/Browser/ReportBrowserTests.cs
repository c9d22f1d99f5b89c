using Housing.Access;
using Housing.Tests.Disbursements;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>A treasurer on a phone prints a payment's voucher from the cash book and picks a month of the cash report.</summary>
public sealed class ReportBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task A_treasurer_opens_a_voucher_from_the_cash_book_prints_it_and_picks_a_month_of_the_cash_report()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 25_080m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 30_000m, new DateOnly(2022, 1, 20));
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var client = await app.ClientForAsync(user.Username);
        (await client.PostAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", System.Net.Http.Json.JsonContent.Create(
            new { amount = 25_080m, paidOn = "2022-02-03", payee = "ร้านแพร่วัสดุ", payeeType = "supplier", receiptNo = "R-9" }))).EnsureSuccessStatusCode();
        var page = await app.SignedInPageAsync(user.Username);

        await page.GotoAsync($"/Ledgers/CashBook/{home.ProjectId}");
        await page.GetByTestId("cashbook").GetByRole(AriaRole.Link, new() { Name = "ใบสำคัญรับเงิน" }).ClickAsync();
        await Expect(page.GetByTestId("amount")).ToHaveTextAsync("25,080.00 บาท");
        await Expect(page.GetByTestId("amount-words")).ToHaveTextAsync("(สองหมื่นห้าพันแปดสิบบาทถ้วน)");
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await BrowserApp.ScreenshotAsync(page, "voucher-360");
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.GetByTestId("voucher")).ToBeVisibleAsync();
        await Expect(page.Locator(".crumbs")).ToBeHiddenAsync();
        await Expect(page.Locator("header.top")).ToBeHiddenAsync();
        await BrowserApp.ScreenshotAsync(page, "voucher-print");
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        await page.GotoAsync($"/Ledgers/Monthly/{home.ProjectId}");
        await Expect(page.GetByTestId("closing")).ToHaveTextAsync("4,920.00"); // February, the latest month with an entry
        await page.SelectOptionAsync("select[name=month]", "2022-01");
        await page.GetByTestId("month-picker").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("closing")).ToHaveTextAsync("30,000.00");
        await Expect(page.GetByTestId("closing-words")).ToContainTextAsync("(สามหมื่นบาทถ้วน)");
        await BrowserApp.ScreenshotAsync(page, "monthly-report-360");
        var wide = await page.EvaluateAsync<string>("[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 360).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join(' ')");
        Assert.True(360 == await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), wide);
    }
}
