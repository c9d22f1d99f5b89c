using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Housing.Access;
using Housing.Ledgers;

namespace Housing.Tests.Ledgers;

/// <summary>The reports a council's treasurer and chair sign: one month's cash report, the household list, a payment's voucher.
/// The workbooks are read back as LibreOffice shows them (formulas computed), in one start of LibreOffice.</summary>
public sealed class ReportTests(TestApp app) : IClassFixture<TestApp>
{
    static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    static string N(decimal d) => d.ToString("#,##0.00", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_month_report_and_the_household_list_open_in_LibreOffice_with_the_figures_a_person_reads()
    {
        var (home, client, _, _) = await LedgerApiTests.BookAsync(app);
        var milestone = await (await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/milestones", new { stage = "surveyed", reachedOn = "2022-01-04" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "photo.png");
        Assert.True((await client.PostAsync($"/api/v1/milestones/{milestone.GetProperty("id").GetInt64()}/photos", form)).IsSuccessStatusCode);

        var month = await client.GetAsync($"/api/v1/projects/{home.ProjectId}/ledger/monthly.xlsx?month=2022-03");
        Assert.Equal(HttpStatusCode.OK, month.StatusCode);
        Assert.Equal($"cash-report-project-{home.ProjectId}-2022-03.xlsx", month.Content.Headers.ContentDisposition!.FileNameStar ?? month.Content.Headers.ContentDisposition.FileName);
        var list = await client.GetAsync($"/api/v1/projects/{home.ProjectId}/households.xlsx");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var books = await LibreOffice.ReadAsync(new Dictionary<string, byte[]>
        {
            ["month"] = await month.Content.ReadAsByteArrayAsync(), ["list"] = await list.Content.ReadAsByteArrayAsync(),
        });

        var rows = books["month"][MonthlyWorkbook.Sheet];
        Assert.Equal("รายงานการเงินประจำเดือนมีนาคม 2565 / Monthly cash report, March 2565", rows[0][0]);
        Assert.Equal(["วันที่", "รายการ", "เลขที่อ้างอิง / ใบเสร็จ", "ผู้รับเงิน", "รับ (บาท)", "จ่าย (บาท)", "คงเหลือ (บาท)"], rows[3]);
        Assert.Equal(["1 มี.ค. 2565", "ยอดยกมา / Opening balance", "", "", "", "", "10,000.00"], rows[5]);
        // Only March: the tranche of 1 March and the payment of 2 March, each balance a formula LibreOffice computed.
        Assert.Equal(["1 มี.ค. 2565", "รับเงินโอนจาก พอช. / Received from CODI", "T2", "", "11,800.00", "", "21,800.00"], rows[6]);
        Assert.Equal(["2 มี.ค. 2565", "จ่าย / Payment", "R3", "ร้านแพร่วัสดุ", "", "8,900.00", "12,900.00"], rows[7]);
        Assert.Equal(["", "รวม / Total", "", "", "11,800.00", "8,900.00", ""], rows[8]);
        Assert.Equal(["", "ยอดคงเหลือยกไป / Closing balance", "", "", "", "", "12,900.00"], rows[9]);
        var words = rows.Where(r => r[1].Contains("ตัวอักษร")).ToDictionary(r => r[1], r => r[3]);
        Assert.Equal("(หนึ่งหมื่นหนึ่งพันแปดร้อยบาทถ้วน)", words["รับ (ตัวอักษร) / In, in words"]);
        Assert.Equal("(แปดพันเก้าร้อยบาทถ้วน)", words["จ่าย (ตัวอักษร) / Out, in words"]);
        Assert.Equal("(หนึ่งหมื่นสองพันเก้าร้อยบาทถ้วน)", words["คงเหลือ (ตัวอักษร) / Closing, in words"]);
        Assert.Contains(rows, r => r[0] == "เหรัญญิก / Treasurer" && r[3] == "ประธานคณะกรรมการ / Chair of the committee");

        // The household list's totals are the project page's figures.
        var page = await client.GetStringAsync($"/Ledgers/Project/{home.ProjectId}");
        string Figure(string testId) => Regex.Match(page, $"data-testid=\"{testId}\">([0-9,.]+) บาท").Groups[1].Value;
        var homes = books["list"][HouseholdList.Sheet];
        Assert.Equal(["ลำดับ", "หัวหน้าครัวเรือน", "เลขประจำตัวประชาชน", "ที่อยู่", "ประเภทงาน", "จัดสรร (บาท)", "จ่ายแล้ว (บาท)", "คงเหลือ (บาท)", "ขั้นล่าสุด", "รูปถ่าย"], homes[0]);
        Assert.Equal(5, homes.Count);
        Assert.All(homes.Skip(2).Take(2), h => Assert.Matches(@"^3-xxxx-xxxxx-\d\d-\d$", h[2]));
        Assert.All(homes.Skip(2).Take(2), h => Assert.Equal("12/3 หมู่ 4 ต.ในเวียง อ.เมืองแพร่ จ.แพร่", h[3]));
        Assert.Equal([("20,900.00", "12,000.00", "8,900.00", "สำรวจ / surveyed", "1"), ("20,900.00", "8,900.00", "12,000.00", "ยังไม่เริ่ม / not started", "0")],
            homes.Skip(2).Take(2).Select(h => (h[5], h[6], h[7], h[8], h[9])).OrderBy(x => x.Item5 == "0").ToList());
        var total = homes[^1];
        Assert.Equal(("รวม / Total", "41,800.00", "20,900.00", "20,900.00", "1"), (total[0], total[5], total[6], total[7], total[9]));
        Assert.Equal((Figure("allocated"), Figure("paid")), (total[5], total[6]));
    }

    [Fact]
    public async Task The_month_page_shows_one_month_with_its_opening_entries_closing_words_and_signature_lines()
    {
        var (home, client, _, _) = await LedgerApiTests.BookAsync(app);

        var html = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2022-03");

        Assert.Contains("รายงานการเงินประจำเดือน มีนาคม 2565", html);
        Assert.Equal(2, Regex.Matches(html, "data-testid=\"entry\"").Count);
        Assert.Contains("<strong data-testid=\"closing\">12,900.00</strong>", html);
        Assert.Contains("(หนึ่งหมื่นสองพันเก้าร้อยบาทถ้วน)", html);
        Assert.Contains("เหรัญญิก", html);
        Assert.Contains("ประธานคณะกรรมการ", html);
        Assert.Contains($"href=\"/api/v1/projects/{home.ProjectId}/ledger/monthly.xlsx?month=2022-03\"", html);
        // The picker offers the months with entries (and today's, where the reversal is), not five years of empty ones.
        var options = Regex.Matches(html, "<option value=\"(\\d{4}-\\d\\d)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(new[] { MonthKey.Of(Thai.Today()), "2022-03", "2022-02", "2022-01" }.Distinct(), options);

        // Thai whatever the browser asks; English only when the app's language is switched.
        var browser = new HttpRequestMessage(HttpMethod.Get, $"/Ledgers/Monthly/{home.ProjectId}?month=2022-02");
        browser.Headers.AcceptLanguage.ParseAdd("en-US,en;q=0.9");
        var thai = await (await client.SendAsync(browser)).Content.ReadAsStringAsync();
        Assert.Contains("ยอดยกมา", thai);
        Assert.Contains("<strong data-testid=\"closing\">10,000.00</strong>", thai);
        var english = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2022-02&culture=en-GB");
        Assert.Contains("Monthly cash report February 2565", english);
    }

    [Fact]
    public async Task A_transfer_reversal_lowers_money_in_and_a_refund_is_money_out_to_CODI_in_the_workbook_the_page_and_the_monthly_report()
    {
        var home = await Disbursements.MoneySeed.HomeAsync(app.Db);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 30_000m, receivedOn = "2022-01-20", reference = "CODI-JAN" }));
        var march = await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 10_000m, receivedOn = "2022-03-01", reference = "CODI-MAR" }));
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements",
            new { amount = 8_000m, paidOn = "2022-03-02", payee = "ร้านแพร่วัสดุ", payeeType = "supplier", receiptNo = "R-1" }));
        // The API dates a reversal today; dated in March here, as one made that month is.
        await app.Db.ExecuteAsync("""
            INSERT INTO transfers (project_id, amount, received_on, reference, kind, reverses_id, reason)
            VALUES (@ProjectId, -10000, '2022-03-05', 'CODI-MAR', 'reversal', @id, 'โอนซ้ำ')
            """, new { home.ProjectId, id = march.GetProperty("id").GetInt64() });
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds", new { amount = 5_000m, paidOn = "2022-03-10", reference = "RET-1" }));

        var month = await client.GetAsync($"/api/v1/projects/{home.ProjectId}/ledger/monthly.xlsx?month=2022-03");
        Assert.Equal(HttpStatusCode.OK, month.StatusCode);
        var rows = (await LibreOffice.ReadAsync(new Dictionary<string, byte[]> { ["month"] = await month.Content.ReadAsByteArrayAsync() }))["month"][MonthlyWorkbook.Sheet];
        Assert.Equal(["1 มี.ค. 2565", "ยอดยกมา / Opening balance", "", "", "", "", "30,000.00"], rows[5]);
        Assert.Equal(["1 มี.ค. 2565", "รับเงินโอนจาก พอช. / Received from CODI", "CODI-MAR", "", "10,000.00", "", "40,000.00"], rows[6]);
        Assert.Equal(["2 มี.ค. 2565", "จ่าย / Payment", "R-1", "ร้านแพร่วัสดุ", "", "8,000.00", "32,000.00"], rows[7]);
        Assert.Equal(["5 มี.ค. 2565", "กลับรายการเงินโอน / Transfer reversed", "CODI-MAR", "พอช. / CODI", "-10,000.00", "", "22,000.00"], rows[8]);
        Assert.Equal(["10 มี.ค. 2565", "คืนเงินให้ พอช. / Returned to CODI", "RET-1", "พอช. / CODI", "", "5,000.00", "17,000.00"], rows[9]);
        Assert.Equal(["", "รวม / Total", "", "", "0.00", "13,000.00", ""], rows[10]);
        Assert.Equal(["", "ยอดคงเหลือยกไป / Closing balance", "", "", "", "", "17,000.00"], rows[11]);
        var words = rows.Where(r => r[1].Contains("ตัวอักษร")).ToDictionary(r => r[1], r => r[3]);
        Assert.Equal("(ศูนย์บาทถ้วน)", words["รับ (ตัวอักษร) / In, in words"]);
        Assert.Equal("(หนึ่งหมื่นสามพันบาทถ้วน)", words["จ่าย (ตัวอักษร) / Out, in words"]);
        Assert.Equal("(หนึ่งหมื่นเจ็ดพันบาทถ้วน)", words["คงเหลือ (ตัวอักษร) / Closing, in words"]);

        // The page: the same lines, the CODI reference where the reference goes, CODI as the payee, the same totals.
        var html = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2022-03");
        var entries = Regex.Matches(html, "<tr data-testid=\"entry\">(.*?)</tr>", RegexOptions.Singleline)
            .Select(m => string.Join(" | ", Regex.Matches(m.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(td => Regex.Replace(td.Groups[1].Value, "<[^>]+>", "").Trim()))).ToList();
        Assert.Equal(
        [
            "1 มี.ค. 2565 | รับเงินโอนจาก พอช. CODI-MAR |  | 10,000.00 |  | 40,000.00",
            "2 มี.ค. 2565 | R-1 | ร้านแพร่วัสดุ |  | 8,000.00 | 32,000.00",
            "5 มี.ค. 2565 | กลับรายการเงินโอน CODI-MAR | พอช. | -10,000.00 |  | 22,000.00",
            "10 มี.ค. 2565 | คืนเงินให้ พอช. RET-1 | พอช. |  | 5,000.00 | 17,000.00",
        ], entries);
        Assert.Contains("<td class=\"num\" data-testid=\"in\">0.00</td><td class=\"num\" data-testid=\"out\">13,000.00</td>", html);
        Assert.Contains("<strong data-testid=\"closing\">17,000.00</strong>", html);
        Assert.Contains("(หนึ่งหมื่นเจ็ดพันบาทถ้วน)", html);

        // The monthly report counts the month the same way.
        var monthly = (await client.GetFromJsonAsync<MonthlyReport>($"/api/v1/projects/{home.ProjectId}/ledger/monthly"))!;
        Assert.Equal(new MonthRow(2022, 3, 30_000m, 0m, 13_000m, 17_000m), monthly.Months.Single(m => m.Month == 3));
    }

    [Fact]
    public async Task A_month_that_is_not_yyyy_MM_is_a_400_and_a_month_without_entries_carries_the_balance()
    {
        var (home, client, _, _) = await LedgerApiTests.BookAsync(app);
        var bad = await client.GetAsync($"/api/v1/projects/{home.ProjectId}/ledger/monthly.xlsx?month=2565-13");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"month\"", await bad.Content.ReadAsStringAsync());

        var html = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2021-12&other=2/2565");
        Assert.Contains("<strong data-testid=\"closing\">10,000.00</strong>", html); // the BE month input wins: February 2565
        // A Gregorian year in the BE month input: the input says how to type a month, and the list's month shows.
        var gregorian = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2022-02&other=2/2022");
        Assert.Contains("<span class=\"field-error\" data-testid=\"other-error\">พิมพ์เดือนเป็น เดือน/ปี พ.ศ. เช่น 12/2569</span>", gregorian);
        Assert.Contains("<strong data-testid=\"closing\">10,000.00</strong>", gregorian);
        var empty = await client.GetStringAsync($"/Ledgers/Monthly/{home.ProjectId}?month=2022-04");
        Assert.Contains("<strong data-testid=\"closing\">12,900.00</strong>", empty);
        Assert.DoesNotContain("data-testid=\"entry\"", empty);
    }

    [Fact]
    public async Task A_payment_voucher_shows_the_payee_the_amount_in_figures_and_Thai_words_and_signature_lines()
    {
        var home = await Disbursements.MoneySeed.HomeAsync(app.Db, allocation: 25_000m);
        await Disbursements.MoneySeed.TransferAsync(app.Db, home.ProjectId, 30_000m);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var paid = await (await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements",
            new { amount = 20_900.55m, paidOn = "2022-01-25", payee = "ร้านแพร่วัสดุ", payeeType = "supplier", receiptNo = "R-77", note = "ไม้และสังกะสี" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = paid.GetProperty("id").GetInt64();

        var html = await client.GetStringAsync($"/Disbursements/Voucher/{id}");

        Assert.Contains("ใบสำคัญรับเงิน", html);
        Assert.Contains("<td data-testid=\"payee\">ร้านแพร่วัสดุ", html);
        Assert.Contains("<strong data-testid=\"amount\">20,900.55 บาท</strong>", html);
        Assert.Contains("(สองหมื่นเก้าร้อยบาทห้าสิบห้าสตางค์)", html);
        Assert.Matches("data-testid=\"purpose\">ซ่อมแซม · นางสมศรี ใจดี บ้านเลขที่ 12/3 หมู่ 4 · ไม้และสังกะสี", html);
        Assert.Contains("ผู้รับเงิน", html);
        Assert.Contains("ประธานคณะกรรมการ", html);
        Assert.Contains("/print.css", html);
        Assert.Contains($"href=\"/Disbursements/Voucher/{id}\"", await client.GetStringAsync($"/Ledgers/CashBook/{home.ProjectId}"));
        Assert.Contains($"href=\"/Disbursements/Voucher/{id}\"", await client.GetStringAsync($"/Disbursements/Record/{home.AllocationId}"));

        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync($"/Disbursements/Voucher/{id}")).StatusCode);
        var outsider = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/Disbursements/Voucher/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/Disbursements/Voucher/{id + 1000}")).StatusCode);
    }
}
