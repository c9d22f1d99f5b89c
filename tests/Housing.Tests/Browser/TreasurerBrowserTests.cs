using Housing.Access;
using Housing.Tests.Disbursements;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

public sealed class TreasurerBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    /// <summary>A real 64 × 48 PNG, so the phone's canvas can draw its thumbnail.</summary>
    internal static readonly byte[] Photo = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAAZElEQVR4nO3PUQkAIBTAwJfEYGYytCH8OITBAtxmnf11wwUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY8dgHAgjC156rcRAAAAABJRU5ErkJggg==");

    [Fact]
    public async Task A_treasurer_on_a_phone_records_a_payment_with_a_double_tap_once_reverses_one_records_a_milestone_with_a_photo_and_reads_the_cash_book()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 679_250m);
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var page = await app.SignedInPageAsync(user.Username); // 360 × 740

        // Home → my projects → the project.
        await page.GetByRole(AriaRole.Link, new() { Name = "โครงการของฉัน: เงินและความคืบหน้า" }).ClickAsync();
        await page.GetByTestId("projects").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("679,250.00 บาท");
        await BrowserApp.ScreenshotAsync(page, "treasurer-project-360");

        // Record a payment; the save button is tapped twice.
        await page.GetByTestId($"home-{home.AllocationId}").GetByRole(AriaRole.Link, new() { Name = "บันทึกการจ่าย" }).ClickAsync();
        await page.FillAsync("input[name='Input.Amount']", "12500.50");
        await page.SelectOptionAsync("select[name='Input.PayeeType']", "supplier");
        await page.FillAsync("input[name='Input.Payee']", "ร้านแพร่วัสดุ");
        await page.SelectOptionAsync("select[name='Input.Method']", "cash");
        await page.FillAsync("input[name='Input.ReceiptNo']", "เล่ม 1 เลขที่ 23");
        await page.GetByTestId("save-payment").DblClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("8,399.50 บาท");
        await BrowserApp.ScreenshotAsync(page, "treasurer-payment-360");
        Assert.Equal(1, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
        Assert.Equal(12_500.50m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM disbursements WHERE allocation_id = @AllocationId", home));

        // A second payment, entered wrongly, is reversed with a reason: a new negative entry, the money free again.
        await page.FillAsync("input[name='Input.Amount']", "1000");
        await page.GetByTestId("save-payment").ClickAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("7,399.50 บาท");
        await page.GetByTestId("payments").Locator("li").Nth(1).Locator("summary").ClickAsync();
        await page.GetByTestId("payments").Locator("li").Nth(1).Locator("input[name=Reason]").FillAsync("บันทึกซ้ำ");
        await page.GetByTestId("payments").Locator("li").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("8,399.50 บาท");
        await Expect(page.GetByTestId("payments").Locator("li")).ToHaveCountAsync(3);
        Assert.Equal(-1000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM disbursements WHERE reverses_id IS NOT NULL"));

        // The first milestone, then a photo "from the camera".
        await page.GotoAsync($"/Milestones/{home.AllocationId}");
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("สำรวจ");
        await page.FillAsync("textarea[name=Note]", "หลังคารั่ว ฝาผนังผุ");
        await page.GetByTestId("save-milestone").ClickAsync();
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("อนุมัติ");
        await page.SetInputFilesAsync("input[name=photo]", new FilePayload { Name = "camera.png", MimeType = "image/png", Buffer = Photo });
        await Expect(page.Locator("input[name=thumbnail]")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^data:image/jpeg;base64,"));
        await page.GetByTestId("upload-surveyed").ClickAsync();
        await Expect(page.Locator(".thumbs img")).ToHaveCountAsync(1);
        await Expect(page.Locator(".thumbs img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        await BrowserApp.ScreenshotAsync(page, "treasurer-milestone-360");
        Assert.Equal(Photo, await app.Db.ScalarAsync<byte[]>("SELECT content FROM milestone_photos"));
        Assert.True(await app.Db.ScalarAsync<bool>("SELECT thumbnail IS NOT NULL FROM milestone_photos"));

        // The cash book shows the tranche, the payment and the balance; nothing is wider than the phone.
        await page.GotoAsync($"/Ledgers/CashBook/{home.ProjectId}");
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("666,749.50 บาท");
        await Expect(page.GetByTestId("cashbook").Locator("tbody tr")).ToHaveCountAsync(4);
        await BrowserApp.ScreenshotAsync(page, "treasurer-cashbook-360");
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }
}
