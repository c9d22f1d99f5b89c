using System.Net;
using Housing.Access;
using Housing.Tests.Security;
using Housing.Tests.Disbursements;
using Housing.Web.Ledgers;

namespace Housing.Tests.Offline;

/// <summary>The forms as plain page posts (a phone without the outbox script): amounts as people write them ("25,080.00")
/// and dates typed in the Buddhist Era (d/m/BBBB).</summary>
public sealed class PageFormTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = CookieSignIn.Token(await client.GetStringAsync(url));
        return await client.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task A_payment_and_a_transfer_take_thousands_separators_and_a_BE_date()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 30_000m);
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var client = await CookieSignIn.ClientAsync(app, user.Username);

        var transfer = await PostFormAsync(client, $"/Transfers/Record/{home.ProjectId}", new()
        {
            ["Input.Amount"] = "679,250.00", ["Input.ReceivedOn"] = "20/1/2565", ["Input.Reference"] = "CODI-2565-0012",
        });
        var payment = await PostFormAsync(client, $"/Disbursements/Record/{home.AllocationId}", new()
        {
            ["Input.Amount"] = "25,080.00", ["Input.PaidOn"] = "1/2/2565", ["Input.PayeeType"] = "household", ["Input.Method"] = "cash",
            ["Input.IdempotencyKey"] = "page-1",
        });

        Assert.Equal((HttpStatusCode.Redirect, HttpStatusCode.Redirect), (transfer.StatusCode, payment.StatusCode));
        Assert.Equal(679_250.00m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM transfers WHERE project_id = @ProjectId", home));
        Assert.Equal(new DateOnly(2022, 1, 20), await app.Db.ScalarAsync<DateOnly>("SELECT received_on FROM transfers WHERE project_id = @ProjectId", home));
        Assert.Equal(25_080.00m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM disbursements WHERE allocation_id = @AllocationId", home));
        Assert.Equal(new DateOnly(2022, 2, 1), await app.Db.ScalarAsync<DateOnly>("SELECT paid_on FROM disbursements WHERE allocation_id = @AllocationId", home));
    }

    [Theory]
    [InlineData("2/12/2569", 2026, 12, 2)]
    [InlineData("02.12.2569", 2026, 12, 2)]
    [InlineData("2026-12-02", 2026, 12, 2)]
    [InlineData("29/2/2567", 2024, 2, 29)]
    public void A_typed_BE_or_ISO_date_is_read_as_that_day(string typed, int y, int m, int d)
        => Assert.Equal(new DateOnly(y, m, d), MoneyText.ParseDate(typed));

    [Theory]
    [InlineData("2/12/2026")] // a Gregorian year typed into a BE field: refused, not read as 1483
    [InlineData("29/2/2568")]
    [InlineData("12/02")]
    [InlineData("")]
    public void A_date_that_is_not_a_BE_day_is_refused(string typed) => Assert.Null(MoneyText.ParseDate(typed));

    [Fact]
    public void The_form_shows_a_date_as_day_month_BE_year() => Assert.Equal("2/12/2569", MoneyText.DateInput(new DateOnly(2026, 12, 2)));

    [Theory]
    [InlineData("12/2569", "2026-12")]
    [InlineData("1.2565", "2022-01")]
    [InlineData(" 01-2565 ", "2022-01")]
    [InlineData("2026-12", "2026-12")]
    [InlineData("12/2026", null)] // a Gregorian year in a BE month input
    [InlineData("2569-12", null)] // a BE year written as yyyy-MM
    [InlineData("13/2569", null)]
    [InlineData("", null)]
    public void A_typed_BE_month_is_read_as_yyyy_MM(string typed, string? month) => Assert.Equal(month, MoneyText.ParseMonth(typed));

    [Fact]
    public void The_form_shows_a_month_as_month_BE_year() => Assert.Equal("12/2569", MoneyText.MonthInput("2026-12"));

    [Fact]
    public async Task A_refund_typed_with_a_Gregorian_year_says_how_to_type_the_date_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m);
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var client = await CookieSignIn.ClientAsync(app, user.Username);

        var refund = await PostFormAsync(client, $"/Transfers/Refund/{home.ProjectId}", new()
        {
            ["Input.Amount"] = "1,000.00", ["Input.PaidOn"] = "30/9/2022", ["Input.Reference"] = "RET-1",
        });

        Assert.Equal(HttpStatusCode.BadRequest, refund.StatusCode);
        Assert.Contains("<span class=\"field-error\">พิมพ์วันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569</span>", await refund.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }
}
