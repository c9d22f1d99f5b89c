using Dapper;
using Housing.Access;
using Housing.Ledgers;
using Housing.Tests.Mankong;
using Housing.Web.Ledgers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>Baan Mankong on a phone: the treasurer reports savings and repays, the province's staff lend, draw and
/// defer, and the community works are paid, progressed with photos and a payment reversed.</summary>
public sealed class MankongBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    /// <summary>A month as people type it in the BE month inputs: "12/2569".</summary>
    static string Month(DateOnly d) => MoneyText.MonthInput(MonthKey.Of(d));

    [Fact]
    public async Task The_treasurer_reports_savings_staff_lend_past_the_10_percent_line_draw_and_defer_and_the_treasurer_repays_once()
    {
        var projectId = await MankongSeed.ProjectAsync(app.Db, "540101");
        var treasurer = await app.SignedInPageAsync((await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"])).Username);
        var today = Thai.Today();
        var lastMonth = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);

        // The project's page links to the savings; the report is saved once for a double tap.
        await treasurer.GotoAsync($"/Ledgers/Project/{projectId}");
        await treasurer.GetByTestId("mankong-links").GetByRole(AriaRole.Link, new() { Name = "เงินออม" }).ClickAsync();
        await treasurer.FillAsync("input[name='Input.Month']", Month(lastMonth));
        await treasurer.FillAsync("input[name='Input.Balance']", "120000");
        await treasurer.FillAsync("input[name='Input.Members']", "40");
        await treasurer.GetByTestId("save-savings").DblClickAsync();
        await Expect(treasurer.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(treasurer.GetByTestId("latest-balance")).ToHaveTextAsync("120,000.00 บาท");
        await Expect(treasurer.GetByTestId("savings-chart").Locator("rect")).ToHaveCountAsync(1);
        Assert.Equal(1, await app.Db.CountAsync("savings_reports", "project_id = @projectId", new { projectId }));
        // A planned loan of 1,500,000 draws the line at 150,000, above what is saved.
        await treasurer.FillAsync("input[name=planned]", "1500000");
        await treasurer.GetByRole(AriaRole.Button, new() { Name = "แสดงเส้น 10%" }).ClickAsync();
        await Expect(treasurer.GetByTestId("needed")).ToHaveTextAsync("150,000.00 บาท");
        await Expect(treasurer.GetByTestId("line-met")).ToHaveTextAsync("ยังไม่ถึง");
        await Expect(treasurer.GetByTestId("ten-percent-line")).ToHaveCountAsync(1);
        await BrowserApp.ScreenshotAsync(treasurer, "mankong-savings-360");

        // Staff: 1,500,000 is refused below the line, 1,000,000 (at 0 %, 10 months) is lent.
        var staff = await app.SignedInPageAsync((await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"])).Username);
        var firstDue = today.AddDays(-45);
        await staff.GotoAsync($"/Mankong/Loans/{projectId}");
        await staff.FillAsync("input[name='Input.Amount']", "1500000");
        await staff.FillAsync("input[name='Input.AnnualRatePercent']", "0");
        await staff.FillAsync("input[name='Input.Months']", "10");
        await staff.FillAsync("input[name='Input.FirstDueOn']", MoneyText.DateInput(firstDue));
        await staff.GetByTestId("save-loan").ClickAsync();
        await Expect(staff.GetByTestId("error")).ToContainTextAsync("ยังไม่ถึง 10%");
        await staff.FillAsync("input[name='Input.Amount']", "1000000");
        await staff.GetByTestId("save-loan").ClickAsync();
        await Expect(staff.GetByTestId("schedule").Locator("tbody tr")).ToHaveCountAsync(10);
        // Drawn in full; instalment 1 is 45 days late, instalment 2 some two weeks.
        await staff.Locator("summary", new() { HasText = "เบิกเงินกู้" }).ClickAsync();
        await staff.FillAsync("input[name='Draw.Reference']", "CODI-LOAN-1");
        await staff.GetByTestId("save-drawdown").ClickAsync();
        await Expect(staff.GetByTestId("drawn")).ToHaveTextAsync("1,000,000.00 บาท");
        await Expect(staff.GetByTestId("arrears-60")).ToHaveTextAsync("100,000.00 บาท");
        await Expect(staff.GetByTestId("arrears-30")).ToHaveTextAsync("100,000.00 บาท");
        var loanUrl = staff.Url;

        // The treasurer repays the oldest instalment (the form offers its amount), dated in the Buddhist Era: a day that is
        // not one (31 February) is refused with how to type it; then a double tap records once, on the day typed.
        await treasurer.GotoAsync(loanUrl);
        await Expect(treasurer.Locator("input[name='Repay.Amount']")).ToHaveValueAsync("100000.00");
        await Expect(treasurer.Locator("input[name='Repay.PaidOn']")).ToHaveValueAsync(MoneyText.DateInput(today));
        await treasurer.FillAsync("input[name='Repay.Reference']", "สหกรณ์-งวด-1");
        await treasurer.FillAsync("input[name='Repay.PaidOn']", $"31/2/{today.Year + 543}");
        await treasurer.GetByTestId("save-repayment").ClickAsync();
        await Expect(treasurer.GetByText("พิมพ์วันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569")).ToBeVisibleAsync();
        Assert.Equal(0, await app.Db.CountAsync("loan_repayments", "reference = 'สหกรณ์-งวด-1'"));
        var paidOn = today.AddDays(-3);
        await treasurer.FillAsync("input[name='Repay.PaidOn']", MoneyText.DateInput(paidOn));
        await treasurer.GetByTestId("save-repayment").DblClickAsync();
        await Expect(treasurer.GetByTestId("saved")).ToBeVisibleAsync();
        Assert.Equal(paidOn, await app.Db.ScalarAsync<DateOnly>("SELECT paid_on FROM loan_repayments WHERE reference = 'สหกรณ์-งวด-1'"));
        await Expect(treasurer.GetByTestId("arrears-60")).ToHaveTextAsync("0.00 บาท");
        await Expect(treasurer.GetByTestId("outstanding")).ToHaveTextAsync("900,000.00 บาท");
        Assert.Equal(1, await app.Db.CountAsync("loan_repayments", "reference = 'สหกรณ์-งวด-1'"));
        Assert.Equal(0, await treasurer.Locator("[data-testid=save-drawdown]").CountAsync());

        // Staff defer the month of instalment 2: it moves past the end, and nothing is in arrears.
        var second = firstDue.AddMonths(1);
        await staff.ReloadAsync();
        await staff.Locator("summary", new() { HasText = "พักชำระหนี้" }).ClickAsync();
        await staff.FillAsync("input[name='Relief.FromMonth']", Month(second));
        await staff.FillAsync("input[name='Relief.ToMonth']", Month(second));
        await staff.FillAsync("textarea[name='Relief.Reason']", "น้ำท่วมชุมชน");
        await staff.GetByTestId("save-moratorium").ClickAsync();
        await Expect(staff.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(staff.GetByTestId("arrears-total")).ToHaveTextAsync("0.00 บาท");
        await Expect(staff.GetByTestId("schedule").Locator("tbody tr").Last).ToHaveAttributeAsync("data-no", "2");
        await BrowserApp.ScreenshotAsync(staff, "mankong-loan-360");
        Assert.Equal(360, await staff.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }

    [Fact]
    public async Task Staff_add_a_work_the_treasurer_pays_its_contractor_once_records_its_stage_with_a_photo_and_reverses_the_payment()
    {
        var projectId = await MankongSeed.ProjectAsync(app.Db, "540101");
        await using (var conn = await app.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@projectId, 300000, @on, 'CODI-BMK-W')",
                new { projectId, on = Thai.Today().AddDays(-10) });
        var staff = await app.SignedInPageAsync((await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"])).Username);
        await staff.GotoAsync($"/Projects/{projectId}");
        await staff.GetByTestId("mankong-links").GetByRole(AriaRole.Link, new() { Name = "งานสาธารณูปโภค" }).ClickAsync();
        await staff.SelectOptionAsync("select[name='Input.Kind']", "drainage");
        await staff.FillAsync("input[name='Input.Name']", "ท่อระบายน้ำชุมชนริมน้ำ");
        await staff.FillAsync("input[name='Input.Amount']", "500000");
        await staff.GetByTestId("save-work").ClickAsync();
        await Expect(staff.GetByTestId("works").Locator("section")).ToHaveCountAsync(1);
        var workId = await app.Db.ScalarAsync<long>("SELECT id FROM works WHERE project_id = @projectId", new { projectId });

        var treasurer = await app.SignedInPageAsync((await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"])).Username);
        await treasurer.GotoAsync($"/Mankong/Works/{projectId}");
        var work = treasurer.GetByTestId($"work-{workId}");
        await work.Locator("summary", new() { HasText = "จ่ายเงินผู้รับเหมา" }).ClickAsync();
        await work.Locator("input[name='Pay.Amount']").FillAsync("200000");
        await work.Locator("input[name='Pay.Payee']").FillAsync("หจก. ท่อดี");
        await work.Locator("input[name='Pay.ReceiptNo']").FillAsync("INV-77");
        await treasurer.GetByTestId($"save-work-payment-{workId}").DblClickAsync();
        await Expect(treasurer.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(work.GetByTestId("work-paid")).ToHaveTextAsync("200,000.00 บาท");
        await Expect(treasurer.GetByTestId("cash")).ToHaveTextAsync("100,000.00 บาท");
        Assert.Equal(1, await app.Db.CountAsync("work_payments", "work_id = @workId", new { workId }));

        // Past the cash: refused, and the form keeps what was typed.
        await work.Locator("summary", new() { HasText = "จ่ายเงินผู้รับเหมา" }).ClickAsync();
        await work.Locator("input[name='Pay.Amount']").FillAsync("150000");
        await work.Locator("input[name='Pay.Payee']").FillAsync("หจก. ท่อดี");
        await treasurer.GetByTestId($"save-work-payment-{workId}").ClickAsync();
        await Expect(treasurer.GetByTestId("error")).ToContainTextAsync("เงินสดของโครงการไม่พอ");
        await Expect(work.Locator("input[name='Pay.Amount']")).ToHaveValueAsync("150000");

        // The first stage, and a photo of it.
        await work.Locator("summary", new() { HasText = "บันทึกขั้นตอนถัดไป" }).ClickAsync();
        await work.Locator("textarea[name=Note]").FillAsync("สำรวจแนวท่อแล้ว");
        await treasurer.GetByTestId($"save-stage-{workId}").ClickAsync();
        await Expect(work.GetByTestId("work-stage")).ToHaveTextAsync("สำรวจและออกแบบ");
        await work.Locator("input[name=photo]").SetInputFilesAsync(new FilePayload { Name = "camera.png", MimeType = "image/png", Buffer = MankongWorld.Png });
        await treasurer.GetByTestId($"upload-{workId}-surveyed").ClickAsync();
        await Expect(work.Locator(".thumbs img")).ToHaveCountAsync(1);
        Assert.Equal(MankongWorld.Png, await app.Db.ScalarAsync<byte[]>("SELECT content FROM work_photos"));

        // The payment reversed with a reason: a negative entry, the money free again.
        var payments = work.GetByTestId($"work-payments-{workId}");
        await payments.Locator("summary").ClickAsync();
        await payments.Locator("input[name=Reason]").FillAsync("จ่ายผิดผู้รับเหมา");
        await payments.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(work.GetByTestId("work-paid")).ToHaveTextAsync("0.00 บาท");
        await Expect(work.GetByTestId($"work-payments-{workId}").Locator("li")).ToHaveCountAsync(2);
        await BrowserApp.ScreenshotAsync(treasurer, "mankong-works-360");
        Assert.Equal(-200_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM work_payments WHERE reverses_id IS NOT NULL"));
        Assert.Equal(360, await treasurer.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }
}
