using Housing.Access;
using Housing.Tests.Disbursements;
using Housing.Tests.Rules;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>Money on evidence through the treasurer's pages on a phone (360 × 740): a payment gate, a stage withdrawn with a
/// reason, a tranche unlocked by progress.</summary>
public sealed class EvidenceBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    static readonly object SurveyedGates = new
    {
        paymentGates = new object[] { new { stage = "surveyed", payableShare = 50m, photo = true }, new { stage = "completed", payableShare = 100m } },
    };

    static async Task PayAsync(IPage page, long home, string amount)
    {
        await page.GotoAsync($"/Disbursements/Record/{home}");
        await page.FillAsync("input[name='Input.Amount']", amount);
        await page.FillAsync("input[name='Input.ReceiptNo']", "R-1");
        await page.GetByTestId("save-payment").ClickAsync();
    }

    static async Task WithdrawAsync(IPage page, long home, string reason)
    {
        await page.GotoAsync($"/Milestones/{home}");
        var stage = page.Locator("li[data-stage=surveyed]");
        await stage.GetByTestId("withdraw-open").ClickAsync();
        await stage.Locator("input[name=WithdrawReason]").FillAsync(reason);
        await stage.GetByTestId("withdraw").ClickAsync();
    }

    [Fact]
    public async Task A_payment_waits_for_its_stage_and_photo_and_the_stage_is_withdrawn_only_once_no_payment_rests_on_it()
    {
        var (fy, projectId, homes) = await EvidenceSeed.ProjectAsync(app, 1, 20_000m, 100_000m);
        await EvidenceSeed.RulesAsync(app, fy, SurveyedGates);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var home = homes[0];
        var page = await app.SignedInAsAsync(Role.Treasurer, subdistricts: ["540101"]);
        var args = new { home };

        // (a) Before the stage, the gate refuses the payment and nothing is written.
        await PayAsync(page, home, "5000");
        await Expect(page.GetByTestId("error")).ToHaveTextAsync(
            "ยังจ่ายไม่ได้ตามเงื่อนไขการจ่าย: ตอนนี้จ่ายได้อีก 0.00 บาท ต้องถึงขั้นสำรวจพร้อมรูปถ่าย จึงจ่ายได้ถึงร้อยละ 50 ของงบ (10,000.00 บาท)");
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "allocation_id = @home", args));

        // The stage, with a photo from the camera; then the gate lets the payment through.
        await page.GotoAsync($"/Milestones/{home}");
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("สำรวจ");
        await page.SetInputFilesAsync("form[data-outbox=milestone] input[type=file]",
            new FilePayload { Name = "camera.png", MimeType = "image/png", Buffer = TreasurerBrowserTests.Photo });
        await page.GetByTestId("save-milestone").ClickAsync();
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("อนุมัติ");
        await Expect(page.Locator("li[data-stage=surveyed] .thumbs img")).ToHaveCountAsync(1);
        await PayAsync(page, home, "5000");
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("15,000.00 บาท");
        await Expect(page.GetByTestId("payable-now")).ToContainTextAsync("จ่ายได้ตอนนี้ 5,000.00 บาท");

        // (b) The stage cannot go while the payment rests on it: the service's message, and nothing changes.
        await WithdrawAsync(page, home, "ถ่ายรูปผิดหลัง");
        await Expect(page.GetByTestId("error")).ToHaveTextAsync("ถอนไม่ได้: จ่ายเงินไปแล้ว 5,000.00 บาท แต่ขั้นตอนที่เหลือให้จ่ายได้เพียง 0.00 บาท");
        await Expect(page.Locator("li[data-stage=surveyed]")).ToHaveAttributeAsync("data-status", "standing");
        await Expect(page.Locator("li[data-stage=surveyed] input[name=WithdrawReason]")).ToHaveValueAsync("ถ่ายรูปผิดหลัง");
        await BrowserApp.ScreenshotAsync(page, "withdraw-refused-360");
        Assert.Equal(0, await app.Db.CountAsync("milestones", "allocation_id = @home AND withdrawn_at IS NOT NULL", args));
        Assert.Equal(0, await app.Db.CountAsync("audit_log", "action = 'milestone.withdraw'"));

        // The payment reversed, the stage goes: kept in the list, marked withdrawn with its reason, and recorded next again.
        await page.GotoAsync($"/Disbursements/Record/{home}");
        var payment = page.GetByTestId("payments").Locator("li").First;
        await payment.Locator("summary").ClickAsync();
        await payment.Locator("input[name=Reason]").FillAsync("จ่ายก่อนถึงขั้น");
        await payment.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("20,000.00 บาท");
        await WithdrawAsync(page, home, "ถ่ายรูปผิดหลัง");
        var milestoneId = await app.Db.ScalarAsync<long>("SELECT id FROM milestones WHERE allocation_id = @home", args);
        await Expect(page.Locator("li[data-stage=surveyed]")).ToHaveAttributeAsync("data-status", "withdrawn");
        await Expect(page.GetByTestId($"withdrawn-{milestoneId}")).ToHaveTextAsync("ถอนแล้ว เหตุผล: ถ่ายรูปผิดหลัง");
        await Expect(page.GetByTestId("withdraw-open")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("สำรวจ");
        await BrowserApp.ScreenshotAsync(page, "withdrawn-360");
        Assert.Equal("ถ่ายรูปผิดหลัง", await app.Db.ScalarAsync<string>("SELECT withdraw_reason FROM milestones WHERE id = @milestoneId", new { milestoneId }));
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));

        // The gate is closed again: a new payment is refused.
        await PayAsync(page, home, "1000");
        await Expect(page.GetByTestId("error")).ToHaveTextAsync(
            "ยังจ่ายไม่ได้ตามเงื่อนไขการจ่าย: ตอนนี้จ่ายได้อีก 0.00 บาท ต้องถึงขั้นสำรวจพร้อมรูปถ่าย จึงจ่ายได้ถึงร้อยละ 50 ของงบ (10,000.00 บาท)");
        Assert.Equal(2, await app.Db.CountAsync("disbursements", "allocation_id = @home", args)); // the payment and its reversal
        Assert.Equal(0m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @home", args));
    }

    [Fact]
    public async Task A_transfer_past_the_unlocked_tranche_is_refused_until_the_homes_progress_unlocks_it()
    {
        var (fy, projectId, homes) = await EvidenceSeed.ProjectAsync(app, 1, 20_000m, 40_000m);
        await EvidenceSeed.RulesAsync(app, fy, new { tranches = new object[] { new { share = 50m }, new { share = 50m, stage = "surveyed", homesPercent = 100m } } });
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m); // the free tranche
        var page = await app.SignedInAsAsync(Role.Treasurer, subdistricts: ["540101"]);
        var args = new { projectId };

        async Task TransferAsync()
        {
            await page.GotoAsync($"/Transfers/Record/{projectId}");
            await page.FillAsync("input[name='Input.Amount']", "20000");
            await page.FillAsync("input[name='Input.Reference']", "T-2");
            await page.GetByTestId("save-transfer").ClickAsync();
        }

        await TransferAsync();
        await Expect(page.GetByTestId("error")).ToHaveTextAsync("งวดที่ 2 ต้องมีบ้านสำรวจ 1 หลัง: ตอนนี้ 0 หลัง (รับโอนได้อีก 0.00 บาท)");
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @projectId", args));

        await page.GotoAsync($"/Milestones/{homes[0]}");
        await page.GetByTestId("save-milestone").ClickAsync();
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("อนุมัติ");
        await TransferAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/Ledgers/CashBook/{projectId}$"));
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("40,000.00 บาท");
        Assert.Equal(40_000m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @projectId", args));
    }
}
