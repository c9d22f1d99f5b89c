using Housing.Access;
using Housing.Tests.Disbursements;
using Housing.Web.Ledgers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>The correction pages on a phone, each through its form: the exact figures shown once saved, and one bad input
/// that shows its Thai message and changes nothing.</summary>
public sealed class CorrectionBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    Task<IPage> TreasurerAsync() => app.SignedInAsAsync(Role.Treasurer, subdistricts: ["540101"]);

    [Fact]
    public async Task A_treasurer_returns_money_to_CODI_on_a_day_typed_in_the_Buddhist_Era_and_a_day_that_is_not_one_changes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m); // 20 Jan 2022, FY 2565
        var page = await TreasurerAsync();
        await page.GotoAsync($"/Ledgers/Project/{home.ProjectId}");
        await page.GetByTestId("refund").ClickAsync();
        var form = page.GetByTestId("refund-form");
        await Expect(form.Locator("input[name='Input.PaidOn']")).ToHaveValueAsync(MoneyText.DateInput(Thai.Today()));

        // 31 September is no day: the field says how to type a date, and nothing is written.
        await form.Locator("input[name='Input.Amount']").FillAsync("15000.50");
        await form.Locator("input[name='Input.PaidOn']").FillAsync("31/9/2565");
        await form.Locator("input[name='Input.Reference']").FillAsync("ใบนำฝาก 0042");
        await Expect(form.Locator(".be-hint")).ToHaveTextAsync("พิมพ์ วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569");
        await form.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("refund-form").Locator(".field-error", new() { HasText = "พิมพ์วันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569" })).ToBeVisibleAsync();
        Assert.Equal(0, await app.Db.CountAsync("transfers", "project_id = @ProjectId AND kind = 'refund'", home));

        // 30/9/2565, the last day of the fiscal year.
        await form.Locator("input[name='Input.PaidOn']").FillAsync("30/9/2565");
        await Expect(form.Locator(".be-hint")).ToHaveTextAsync("30 ก.ย. 2565");
        await form.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("4,999.50 บาท");
        var refund = page.GetByTestId("cashbook").Locator("tbody tr").Last;
        await Expect(refund).ToContainTextAsync("30 ก.ย. 2565");
        await Expect(refund).ToContainTextAsync("คืนเงินให้ พอช.");
        await Expect(refund).ToContainTextAsync("−15,000.50");
        Assert.Equal("2022-09-30 -15000.50", await app.Db.ScalarAsync<string>(
            "SELECT received_on || ' ' || amount FROM transfers WHERE project_id = @ProjectId AND kind = 'refund'", home));
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }
}
