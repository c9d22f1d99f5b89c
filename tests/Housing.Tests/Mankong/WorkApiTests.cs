using System.Net;
using System.Net.Http.Json;
using Dapper;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class WorkApiTests(MankongApp app) : IClassFixture<MankongApp>
{
    /// <summary>A BMK project of 5,000,000 with <paramref name="received"/> baht received from CODI, and one home allocated in it.</summary>
    async Task<(long ProjectId, long AllocationId)> ProjectAsync(decimal received)
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db, amount: 5_000_000m);
        await using var conn = await app.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@projectId, @received, '2026-01-10', 'CODI-BMK-1')", new { projectId, received });
        var householdId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
            VALUES (@citizenId, 'นายสมชาย ริมน้ำ', '9', 2, '540101', 5, 6000) RETURNING id
            """, new { citizenId = Disbursements.MoneySeed.CitizenId() });
        var allocationId = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type)
            SELECT @projectId, @householdId, b.program, b.fiscal_year, 89800, 'new_build' FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId
            RETURNING id
            """, new { projectId, householdId });
        return (projectId, allocationId);
    }

    static object Payment(decimal amount, string receiptNo = "INV-1") => new { amount, paidOn = "2026-02-01", payee = "หจก. ก่อสร้างสระบุรี", receiptNo };

    [Fact]
    public async Task The_provinces_staff_list_works_within_the_projects_amount()
    {
        var (projectId, _) = await ProjectAsync(0.01m);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var url = $"/api/v1/projects/{projectId}/works";

        var road = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync(url, new { kind = "road", name = "ถนนคอนกรีตในชุมชน", amount = 3_000_000m }));
        var drainage = await staff.PostAsJsonAsync(url, new { kind = "drainage", name = "ท่อระบายน้ำ", amount = 2_000_000m });
        var over = await Seed.ProblemAsync(await staff.PostAsJsonAsync(url, new { kind = "water", name = "ประปา", amount = 0.01m }), HttpStatusCode.Conflict);
        var badKind = await staff.PostAsJsonAsync(url, new { kind = "pool", name = "สระ", amount = 1m });
        var treasurer = await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"])).PostAsJsonAsync(url, new { kind = "other", name = "x", amount = 1m });

        Assert.Equal((projectId, "road", "ถนนคอนกรีตในชุมชน", 3_000_000m, 0m), (road.ProjectId, road.Kind, road.Name, road.Amount, road.Paid));
        Assert.Equal(HttpStatusCode.Created, drainage.StatusCode);
        Assert.Equal(0m, over.GetProperty("remaining").GetDecimal());
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, treasurer.StatusCode);
        Assert.Equal(["road", "drainage"], (await staff.GetFromJsonAsync<List<WorkView>>(url))!.Select(w => w.Kind));
        Assert.Equal(2, await app.Db.CountAsync("audit_log", "action = 'work.create' AND entity = 'work'"));
    }

    [Fact]
    public async Task A_works_payment_stays_within_its_amount_and_the_cash_the_homes_payments_share()
    {
        var (projectId, allocationId) = await ProjectAsync(1_000_000m);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var road = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "road", name = "ถนน", amount = 3_000_000m }));
        var light = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "electricity", name = "ไฟฟ้าส่องสว่าง", amount = 50_000m }));

        var paid = await Seed.CreatedAsync<WorkPaymentView>(await treasurer.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(600_000m)));
        var pastCash = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(400_000.01m)), HttpStatusCode.Conflict);
        var pastWork = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/works/{light.Id}/disbursements", Payment(50_000.01m)), HttpStatusCode.Conflict);
        // The homes' payments and the works' come out of one cash, and each check sees the other's.
        var home = await treasurer.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/disbursements", new { amount = 50_000m, paidOn = "2026-02-02", receiptNo = "H-1" });
        var pastHome = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(350_000.01m)), HttpStatusCode.Conflict);
        var rest = await treasurer.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(350_000m, "INV-2"));
        var homePastWorks = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/disbursements",
            new { amount = 0.01m, paidOn = "2026-02-03", receiptNo = "H-2" }), HttpStatusCode.Conflict);

        Assert.Equal((road.Id, projectId, 600_000m, "หจก. ก่อสร้างสระบุรี", "contractor", "transfer", "INV-1"),
            (paid.WorkId, paid.ProjectId, paid.Amount, paid.Payee, paid.PayeeType, paid.Method, paid.ReceiptNo));
        Assert.Equal(400_000m, pastCash.GetProperty("cash").GetDecimal());
        Assert.Equal(50_000m, pastWork.GetProperty("remaining").GetDecimal());
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (home.StatusCode, rest.StatusCode));
        Assert.Equal(350_000m, pastHome.GetProperty("cash").GetDecimal());
        Assert.Equal(0m, homePastWorks.GetProperty("cash").GetDecimal());
        Assert.Equal([(1_000_000m, 1_000_000m)], await app.Db.QueryAsync<(decimal, decimal)>("SELECT received, paid FROM project_cash WHERE project_id = @projectId", new { projectId }));
        Assert.Equal(950_000m, (await staff.GetFromJsonAsync<List<WorkView>>($"/api/v1/projects/{projectId}/works"))!.Single(w => w.Id == road.Id).Paid);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'work.payment' AND entity_id = @id", new { id = paid.Id.ToString() }));
        var book = await staff.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/projects/{projectId}/ledger");
        var entries = book.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("balance").GetDecimal())).ToList();
        Assert.Equal([("transfer", 1_000_000m), ("work_payment", 400_000m), ("work_payment", 50_000m), ("payment", 0m)], entries);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(1m))).StatusCode);
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task At_once_works_payments_never_pass_the_cash_and_one_Idempotency_Key_records_once()
    {
        var (projectId, _) = await ProjectAsync(100_000m);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var work = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "water", name = "ประปาชุมชน", amount = 1_000_000m }));
        var url = $"/api/v1/works/{work.Id}/disbursements";
        HttpRequestMessage Keyed(string key, decimal amount, string receipt)
        {
            var m = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(Payment(amount, receipt)) };
            m.Headers.Add("Idempotency-Key", key);
            return m;
        }

        var oneKey = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => treasurer.SendAsync(Keyed("tap-1", 10_000m, "W-1"))));
        var manyKeys = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => treasurer.SendAsync(Keyed($"tap-{i + 2}", 30_000m, $"W-{i + 2}"))));
        var otherBody = await treasurer.SendAsync(Keyed("tap-1", 10_000m, "W-other"));

        Assert.Equal((1, 5), (oneKey.Count(r => r.StatusCode == HttpStatusCode.Created), oneKey.Count(r => r.StatusCode == HttpStatusCode.OK)));
        Assert.Equal((3, 2), (manyKeys.Count(r => r.StatusCode == HttpStatusCode.Created), manyKeys.Count(r => r.StatusCode == HttpStatusCode.Conflict)));
        Assert.Equal(HttpStatusCode.Conflict, otherBody.StatusCode);
        Assert.Equal(4, await app.Db.CountAsync("work_payments", "work_id = @Id", work));
        Assert.Equal(100_000m, await app.Db.ScalarAsync<decimal>("SELECT paid FROM project_cash WHERE project_id = @projectId", new { projectId }));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task The_household_list_of_a_project_with_works_paid_ends_on_the_project_pages_paid()
    {
        var (projectId, allocationId) = await ProjectAsync(1_000_000m);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var road = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "road", name = "ถนนในชุมชน", amount = 3_000_000m }));
        await Seed.CreatedAsync<WorkPaymentView>(await treasurer.PostAsJsonAsync($"/api/v1/works/{road.Id}/disbursements", Payment(600_000m)));
        (await treasurer.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/disbursements",
            new { amount = 20_000m, paidOn = "2026-02-02", payee = "ร้านวัสดุ", payeeType = "supplier", receiptNo = "R-1" })).EnsureSuccessStatusCode();

        var page = await treasurer.GetStringAsync($"/Ledgers/Project/{projectId}");
        var list = (await LibreOffice.ReadAsync(await treasurer.GetByteArrayAsync($"/api/v1/projects/{projectId}/households.xlsx")))[Housing.Ledgers.HouseholdList.Sheet];

        Assert.Contains("data-testid=\"paid\">620,000.00 บาท", page);
        Assert.Equal(("รวม / Total", "20,000.00"), (list[^3][0], list[^3][6]));
        Assert.Equal(("จ่ายค่างานสาธารณูปโภคของชุมชน / Community works paid", "600,000.00"), (list[^2][0], list[^2][6]));
        Assert.Equal(("รวมจ่ายทั้งโครงการ / Paid by the project in all", "620,000.00"), (list[^1][0], list[^1][6]));
    }
}
