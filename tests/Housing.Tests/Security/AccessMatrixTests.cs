using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Tests.Mankong;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Housing.Tests.Security;

/// <summary>
/// Every API endpoint (read from the app's endpoint metadata: a new endpoint without a rule here fails
/// the test) against every role, inside and outside its area, over one small world in Phrae (54),
/// subdistrict Nai Wiang (540101). The expectations are written out by hand below, not derived from
/// the code under test. A refused request must change no row; an answer to someone outside the area
/// must not contain the world's names.
/// </summary>
public sealed partial class AccessMatrixTests(TestApp app, ITestOutputHelper output) : IClassFixture<TestApp>
{
    const string Marker = "นางลับเฉพาะ ทดสอบสิทธิ์";
    const string ProjectMarker = "โครงการลับ ตำบลในเวียง";

    enum Caller { Admin, StaffIn, StaffOut, TreasurerIn, TreasurerOut, ViewerAll, ViewerIn, ViewerOut }
    enum Expect { Allowed, Forbidden, Hidden, Refused, Rejected, Unauthorized }

    /// <summary>What a capability means for each caller (the API.md role table).</summary>
    static readonly Dictionary<string, Dictionary<Caller, Expect>> Capabilities = new()
    {
        ["anyone"] = All(Expect.Allowed),
        ["sign-in"] = All(Expect.Unauthorized),
        // A budget is province level: a treasurer of another Phrae subdistrict sees it, so is refused with 403.
        ["manage-province"] = Map(allowed: [Caller.Admin, Caller.StaffIn], forbidden: [Caller.TreasurerIn, Caller.TreasurerOut, Caller.ViewerAll, Caller.ViewerIn]),
        // An import names its subdistricts per row: outside one's area the rows are refused (400 with the row) or the file (403/404).
        ["manage-import"] = Map(allowed: [Caller.Admin, Caller.StaffIn], forbidden: [Caller.TreasurerIn, Caller.ViewerAll, Caller.ViewerIn], outside: Expect.Rejected),
        ["read"] = Map(allowed: [Caller.Admin, Caller.StaffIn, Caller.TreasurerIn, Caller.ViewerAll, Caller.ViewerIn], forbidden: []),
        ["manage"] = Map(allowed: [Caller.Admin, Caller.StaffIn], forbidden: [Caller.TreasurerIn, Caller.ViewerAll, Caller.ViewerIn]),
        ["money"] = Map(allowed: [Caller.Admin, Caller.TreasurerIn], forbidden: [Caller.StaffIn, Caller.ViewerAll, Caller.ViewerIn]),
        ["milestone"] = Map(allowed: [Caller.Admin, Caller.StaffIn, Caller.TreasurerIn], forbidden: [Caller.ViewerAll, Caller.ViewerIn]),
        ["admin"] = All(Expect.Forbidden, except: Caller.Admin),
        ["jobs"] = Map(allowed: [Caller.Admin, Caller.StaffIn, Caller.StaffOut], forbidden: [Caller.TreasurerIn, Caller.TreasurerOut, Caller.ViewerAll, Caller.ViewerIn, Caller.ViewerOut], outside: Expect.Forbidden),
        // Creating in a province named in the body: outside one's area it is refused (403 or 404).
        ["manage-create"] = Map(allowed: [Caller.Admin, Caller.StaffIn], forbidden: [Caller.TreasurerIn, Caller.ViewerAll, Caller.ViewerIn], outside: Expect.Refused),
    };

    static Dictionary<Caller, Expect> All(Expect e, Caller? except = null)
        => Enum.GetValues<Caller>().ToDictionary(c => c, c => c == except ? Expect.Allowed : e);

    static Dictionary<Caller, Expect> Map(Caller[] allowed, Caller[] forbidden, Expect outside = Expect.Hidden)
        => Enum.GetValues<Caller>().ToDictionary(c => c, c => allowed.Contains(c) ? Expect.Allowed : forbidden.Contains(c) ? Expect.Forbidden : outside);

    sealed record World(long BudgetId, long ProjectId, long HouseholdId, long AllocationId, long DisbursementId, long MilestoneId, long PhotoId, int Year, long UserId = 0)
    {
        /// <summary>The Baan Mankong side of the world (a BMK project in Nai Wiang with savings, a loan and a work).</summary>
        public MankongWorld Bmk { get; init; } = null!;
        /// <summary>The world's tranche from CODI (its reversal is refused: money was paid from it).</summary>
        public long TransferId { get; init; }
        /// <summary>The photo of the world's payment's receipt.</summary>
        public long ReceiptId { get; init; }
    }

    sealed record Rule(string Capability, Func<World, string> Path, Func<World, Caller, HttpContent?>? Body = null);

    static JsonContent Json(object o) => JsonContent.Create(o);

    static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    /// <summary>One rule per endpoint, keyed "METHOD pattern".</summary>
    static readonly Dictionary<string, Rule> Rules = new()
    {
        ["POST /api/v1/auth/token"] = new("sign-in", _ => "/api/v1/auth/token", (_, _) => Json(new { username = "nobody", password = "wrong-password" })),
        ["GET /api/v1/users"] = new("admin", _ => "/api/v1/users"),
        ["POST /api/v1/users"] = new("admin", _ => "/api/v1/users", (_, c) => Json(new { username = $"matrix.{c}".ToLowerInvariant(), password = "a-long-secret-2565", role = "Viewer" })),
        ["PATCH /api/v1/users/{id:long}"] = new("admin", w => $"/api/v1/users/{w.UserId}", (_, _) => Json(new { displayName = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/users/{id:long}/password"] = new("admin", w => $"/api/v1/users/{w.UserId}/password", (_, _) => Json(new { newPassword = "matrix-secret-2565" })),
        // A wrong current password: a 400 for everyone signed in, so no caller's own sessions end mid-test.
        ["POST /api/v1/auth/password"] = new("anyone", _ => "/api/v1/auth/password", (_, _) => Json(new { currentPassword = "not-the-password", newPassword = "matrix-secret-2565" })),
        ["GET /api/v1/audit"] = new("admin", _ => "/api/v1/audit"),
        ["GET /api/v1/provinces"] = new("anyone", _ => "/api/v1/provinces"),
        ["GET /api/v1/provinces/{code}/districts"] = new("anyone", _ => "/api/v1/provinces/54/districts"),
        ["GET /api/v1/districts/{code}/subdistricts"] = new("anyone", _ => "/api/v1/districts/5401/subdistricts"),

        ["GET /api/v1/budgets"] = new("anyone", w => $"/api/v1/budgets?fiscalYear={w.Year}"),
        ["POST /api/v1/budgets"] = new("manage-create", w => "/api/v1/budgets", (w, _) => Json(new { program = "BMK", fiscalYear = w.Year, provinceCode = "54", targetHouseholds = 10, amount = 100000m })),
        ["GET /api/v1/budgets/{id:long}"] = new("read-province", w => $"/api/v1/budgets/{w.BudgetId}"),
        ["POST /api/v1/budgets/{id:long}/projects"] = new("manage-province", w => $"/api/v1/budgets/{w.BudgetId}/projects", (_, _) => Json(new { subdistrictCode = "540102", name = "โครงการเพิ่ม", targetHouseholds = 1, amount = 1000m })),
        ["GET /api/v1/projects/{id:long}"] = new("read", w => $"/api/v1/projects/{w.ProjectId}"),
        ["GET /api/v1/projects/{id:long}/allocations"] = new("read", w => $"/api/v1/projects/{w.ProjectId}/allocations"),
        ["POST /api/v1/projects/{id:long}/allocations"] = new("manage", w => $"/api/v1/projects/{w.ProjectId}/allocations", (w, _) => Json(new { householdId = w.HouseholdId, amount = 100m, workType = "repair" })),

        ["GET /api/v1/households"] = new("anyone", _ => "/api/v1/households?subdistrictCode=540101"),
        ["POST /api/v1/households/search"] = new("anyone", _ => "/api/v1/households/search", (_, _) => Json(new { subdistrictCode = "540101" })),
        ["POST /api/v1/households"] = new("manage-create", _ => "/api/v1/households", (_, _) => Json(new
        {
            citizenId = Seed.NewCitizenId(), headName = "นายใหม่ ทดสอบ", houseNo = "1", villageNo = 2, subdistrictCode = "540101", members = 3, monthlyIncome = 3000m,
        })),
        ["GET /api/v1/households/{id:long}"] = new("read", w => $"/api/v1/households/{w.HouseholdId}"),
        ["GET /api/v1/households/{id:long}/allocations"] = new("read", w => $"/api/v1/households/{w.HouseholdId}/allocations"),
        ["POST /api/v1/households/import"] = new("manage-import", _ => "/api/v1/households/import", (_, _) => ImportCsv()),
        ["GET /api/v1/households/import/template.csv"] = new("anyone", _ => "/api/v1/households/import/template.csv"),
        ["GET /api/v1/households/import/template.xlsx"] = new("anyone", _ => "/api/v1/households/import/template.xlsx"),

        ["GET /api/v1/allocations/{id:long}"] = new("read", w => $"/api/v1/allocations/{w.AllocationId}"),
        ["PUT /api/v1/allocations/{id:long}"] = new("manage", w => $"/api/v1/allocations/{w.AllocationId}", (_, _) => Json(new { amount = 20900m, workType = "repair", reason = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/allocations/{id:long}/cancel"] = new("manage", w => $"/api/v1/allocations/{w.AllocationId}/cancel", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),

        ["POST /api/v1/projects/{id:long}/transfers"] = new("money", w => $"/api/v1/projects/{w.ProjectId}/transfers", (_, c) => Json(new { amount = 1m, receivedOn = "2022-01-10", reference = $"MATRIX-{c}" })),
        ["GET /api/v1/allocations/{id:long}/disbursements"] = new("read", w => $"/api/v1/allocations/{w.AllocationId}/disbursements"),
        ["POST /api/v1/allocations/{id:long}/disbursements"] = new("money", w => $"/api/v1/allocations/{w.AllocationId}/disbursements", (_, _) => Json(new { amount = 1m, paidOn = "2022-01-15", payee = "ร้านวัสดุ", receiptNo = "M-1" })),
        ["POST /api/v1/disbursements/{id:long}/reverse"] = new("money", w => $"/api/v1/disbursements/{w.DisbursementId}/reverse", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),
        ["GET /api/v1/projects/{id:long}/ledger"] = new("read", w => $"/api/v1/projects/{w.ProjectId}/ledger"),
        ["GET /api/v1/projects/{id:long}/ledger/monthly"] = new("read", w => $"/api/v1/projects/{w.ProjectId}/ledger/monthly"),
        ["GET /api/v1/projects/{id:long}/ledger/monthly.xlsx"] = new("read", w => $"/api/v1/projects/{w.ProjectId}/ledger/monthly.xlsx?month=2022-01"),
        ["GET /api/v1/projects/{id:long}/households.xlsx"] = new("read", w => $"/api/v1/projects/{w.ProjectId}/households.xlsx"),

        ["GET /api/v1/allocations/{id:long}/milestones"] = new("read", w => $"/api/v1/allocations/{w.AllocationId}/milestones"),
        ["POST /api/v1/allocations/{id:long}/milestones"] = new("milestone", w => $"/api/v1/allocations/{w.AllocationId}/milestones", (_, _) => Json(new { stage = "approved", reachedOn = "2022-01-12", note = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/milestones/{id:long}/photos"] = new("milestone", w => $"/api/v1/milestones/{w.MilestoneId}/photos", (_, _) => PhotoForm()),
        // The first allowed caller withdraws the stage; the later ones find it withdrawn already (409).
        ["POST /api/v1/milestones/{id:long}/withdraw"] = new("milestone", w => $"/api/v1/milestones/{w.MilestoneId}/withdraw", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/disbursements/{id:long}/receipt"] = new("money", w => $"/api/v1/disbursements/{w.DisbursementId}/receipt", (_, _) => PhotoForm()),
        ["GET /api/v1/receipts/{id:long}"] = new("read", w => $"/api/v1/receipts/{w.ReceiptId}"),
        ["GET /api/v1/photos/{id:long}"] = new("read", w => $"/api/v1/photos/{w.PhotoId}"),
        ["GET /api/v1/photos/{id:long}/thumbnail"] = new("read", w => $"/api/v1/photos/{w.PhotoId}/thumbnail"),

        ["GET /api/v1/rollups"] = new("read", w => $"/api/v1/rollups?fiscalYear={w.Year}&program=BPP&level=project&parent=540101"),
        ["GET /api/v1/rollups/monthly"] = new("read", w => $"/api/v1/rollups/monthly?fiscalYear={w.Year}&program=BPP&code=540101"),
        ["POST /api/v1/rollups/refresh"] = new("jobs", _ => "/api/v1/rollups/refresh"),
        ["GET /api/v1/jobs"] = new("jobs", _ => "/api/v1/jobs"),
        ["GET /api/v1/jobs/schedule"] = new("jobs", _ => "/api/v1/jobs/schedule"),
        ["GET /api/v1/jobs/{id:long}"] = new("jobs", _ => "/api/v1/jobs/1"),
        ["POST /api/v1/jobs/{job}/run"] = new("jobs", _ => "/api/v1/jobs/rollups.incremental/run"),
        ["GET /api/v1/exports/rollup.xlsx"] = new("anyone", w => $"/api/v1/exports/rollup.xlsx?fiscalYear={w.Year}&program=BPP"),

        ["POST /api/v1/projects/{id:long}/savings"] = new("money", w => $"/api/v1/projects/{w.Bmk.ProjectId}/savings", (_, c) => Json(new { month = $"2021-{(int)c + 1:00}", balance = 1m, members = 1 })),
        ["GET /api/v1/projects/{id:long}/savings"] = new("read", w => $"/api/v1/projects/{w.Bmk.ProjectId}/savings"),
        ["POST /api/v1/projects/{id:long}/loans"] = new("manage", w => $"/api/v1/projects/{w.Bmk.ProjectId}/loans", (_, _) => Json(new { amount = 100_000m, purpose = "land", annualRatePercent = 2m, months = 12, firstDueOn = "2021-03-01" })),
        ["GET /api/v1/loans/{id:long}"] = new("read", w => $"/api/v1/loans/{w.Bmk.LoanId}"),
        ["POST /api/v1/loans/{id:long}/drawdowns"] = new("manage", w => $"/api/v1/loans/{w.Bmk.LoanId}/drawdowns", (_, _) => Json(new { amount = 1m, paidOn = "2021-01-10", reference = "MATRIX-D" })),
        ["POST /api/v1/loans/{id:long}/repayments"] = new("money", w => $"/api/v1/loans/{w.Bmk.LoanId}/repayments", (_, _) => Json(new { amount = 1m, paidOn = "2021-02-10", reference = "MATRIX-R" })),
        ["POST /api/v1/projects/{id:long}/works"] = new("manage", w => $"/api/v1/projects/{w.Bmk.ProjectId}/works", (_, _) => Json(new { kind = "other", name = "ลานกีฬา", amount = 1m })),
        ["GET /api/v1/projects/{id:long}/works"] = new("read", w => $"/api/v1/projects/{w.Bmk.ProjectId}/works"),
        ["POST /api/v1/works/{id:long}/disbursements"] = new("money", w => $"/api/v1/works/{w.Bmk.WorkId}/disbursements", (_, _) => Json(new { amount = 1m, paidOn = "2022-01-15", payee = "ผู้รับเหมา", receiptNo = "W-1" })),
        // Filtered to the caller's area: outside it the list is empty, never refused.
        ["POST /api/v1/work-disbursements/{id:long}/reverse"] = new("money", w => $"/api/v1/work-disbursements/{w.Bmk.WorkPaymentId}/reverse", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),
        ["GET /api/v1/projects/{id:long}/work-disbursements"] = new("read", w => $"/api/v1/projects/{w.Bmk.ProjectId}/work-disbursements"),
        ["GET /api/v1/projects/{id:long}/loans"] = new("read", w => $"/api/v1/projects/{w.Bmk.ProjectId}/loans"),
        ["POST /api/v1/works/{id:long}/stages"] = new("milestone", w => $"/api/v1/works/{w.Bmk.WorkId}/stages", (_, _) => Json(new { stage = "contracted", reachedOn = "2022-01-12", note = "ตรวจสอบสิทธิ์" })),
        ["GET /api/v1/works/{id:long}/stages"] = new("read", w => $"/api/v1/works/{w.Bmk.WorkId}/stages"),
        ["POST /api/v1/work-stages/{id:long}/photos"] = new("milestone", w => $"/api/v1/work-stages/{w.Bmk.WorkStageId}/photos", (_, _) => PhotoForm()),
        ["GET /api/v1/work-photos/{id:long}"] = new("read", w => $"/api/v1/work-photos/{w.Bmk.WorkPhotoId}"),
        ["GET /api/v1/work-photos/{id:long}/thumbnail"] = new("read", w => $"/api/v1/work-photos/{w.Bmk.WorkPhotoId}/thumbnail"),
        ["GET /api/v1/exports/loan-book.xlsx"] = new("read-province", _ => "/api/v1/exports/loan-book.xlsx?provinceCode=54"),
        ["GET /api/v1/rollups/mankong"] = new("anyone", _ => "/api/v1/rollups/mankong?level=subdistrict&parent=54"),
        // A province's flags: whoever reads that province (a treasurer its subdistricts' province); 404 outside it.
        ["GET /api/v1/attention"] = new("read-province", _ => "/api/v1/attention?provinceCode=54"),
        ["PATCH /api/v1/households/{id:long}"] = new("manage", w => $"/api/v1/households/{w.HouseholdId}", (_, _) => Json(new { members = 4, reason = "ตรวจสอบสิทธิ์" })),
        ["PATCH /api/v1/budgets/{id:long}"] = new("manage-province", w => $"/api/v1/budgets/{w.BudgetId}", (_, _) => Json(new { targetHouseholds = 65, reason = "ตรวจสอบสิทธิ์" })),
        ["PATCH /api/v1/projects/{id:long}"] = new("manage", w => $"/api/v1/projects/{w.ProjectId}", (_, _) => Json(new { targetHouseholds = 6, reason = "ตรวจสอบสิทธิ์" })),
        // Money has moved: allowed callers get the 409 of the rule, others their refusal.
        ["POST /api/v1/projects/{id:long}/cancel"] = new("manage", w => $"/api/v1/projects/{w.ProjectId}/cancel", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/transfers/{id:long}/reverse"] = new("money", w => $"/api/v1/transfers/{w.TransferId}/reverse", (_, _) => Json(new { reason = "ตรวจสอบสิทธิ์" })),
        ["POST /api/v1/projects/{id:long}/refunds"] = new("money", w => $"/api/v1/projects/{w.ProjectId}/refunds", (_, c) => Json(new { amount = 1m, paidOn = "2022-01-07", reference = $"RET-{c}" })),
        ["GET /api/v1/programs/{program}/years/{fiscalYear:int}"] = new("anyone", w => $"/api/v1/programs/BPP/years/{w.Year}"),
        ["PUT /api/v1/programs/{program}/years/{fiscalYear:int}"] = new("admin", w => $"/api/v1/programs/BPP/years/{w.Year}", (_, _) => Json(new { capPerHome = 90_000m })),
        ["POST /api/v1/loans/{id:long}/moratorium"] = new("manage", w => $"/api/v1/loans/{w.Bmk.LoanId}/moratorium", (_, c) => Json(new { fromMonth = "2021-03", toMonth = "2021-04", reason = $"ตรวจสอบสิทธิ์ {c}" })),
    };

    static HttpContent ImportCsv()
    {
        var csv = $"citizen_id,head_name,house_no,village_no,subdistrict_code,members,monthly_income\n{Seed.NewCitizenId()},นายนำเข้า ทดสอบ,5,3,540101,2,2500\n";
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "file", "households.csv");
        return form;
    }

    static HttpContent PhotoForm()
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "photo.png");
        return form;
    }

    async Task<World> BuildWorldAsync(HttpClient admin)
    {
        var year = Seed.MoneyYear();
        var budget = await Seed.BudgetAsync(admin, "54", year, 65, 1_358_500m);
        var project = await Seed.ProjectAsync(admin, budget.Id, "540101", 6, 125_400m, name: ProjectMarker);
        var household = await Seed.HouseholdAsync(admin, "540101", headName: Marker);
        var allocation = await Seed.AllocationAsync(admin, project.Id, household.Id, 20_900m);
        var transfer = await Seed.CreatedAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/transfers", new { amount = 62_700m, receivedOn = "2022-01-05", reference = "CODI-MATRIX" }));
        var pay = await (await admin.PostAsJsonAsync($"/api/v1/allocations/{allocation.Id}/disbursements", new { amount = 5_000m, paidOn = "2022-01-06", payee = "ร้านวัสดุแพร่", receiptNo = "R-1" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var milestone = await (await admin.PostAsJsonAsync($"/api/v1/allocations/{allocation.Id}/milestones", new { stage = "surveyed", reachedOn = "2022-01-04", note = "สำรวจแล้ว" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var photoResponse = await admin.PostAsync($"/api/v1/milestones/{milestone.GetProperty("id").GetInt64()}/photos", PhotoForm());
        Assert.True(photoResponse.IsSuccessStatusCode, await photoResponse.Content.ReadAsStringAsync());
        var photo = await photoResponse.Content.ReadFromJsonAsync<JsonElement>();
        var receipt = await Seed.CreatedAsync<JsonElement>(await admin.PostAsync($"/api/v1/disbursements/{pay.GetProperty("id").GetInt64()}/receipt", PhotoForm()));
        return new World(budget.Id, project.Id, household.Id, allocation.Id, pay.GetProperty("id").GetInt64(), milestone.GetProperty("id").GetInt64(),
            photo.GetProperty("id").GetInt64(), year, (await app.CreateUserAsync(Role.Viewer)).UserId) { Bmk = await MankongWorld.BuildAsync(admin, year, ProjectMarker), TransferId = transfer.GetProperty("id").GetInt64(),
            ReceiptId = receipt.GetProperty("id").GetInt64() };
    }

    const string RowCounts = $"""
        SELECT (SELECT count(*) FROM budgets) || '/' || (SELECT count(*) FROM projects) || '/' || (SELECT count(*) FROM households) || '/' ||
               (SELECT count(*) FROM allocations) || '/' || (SELECT count(*) FROM allocations WHERE cancelled_at IS NOT NULL) || '/' ||
               (SELECT coalesce(sum(amount), 0) FROM allocations) || '/' || (SELECT count(*) FROM transfers) || '/' || (SELECT count(*) FROM disbursements) || '/' ||
               (SELECT count(*) FROM milestones) || '/' || (SELECT count(*) FROM milestone_photos) || '/' || (SELECT count(*) FROM users) || '/' || ({MankongWorld.RowCounts})
        """;

    [Fact]
    public async Task Every_endpoint_answers_every_role_inside_and_outside_its_area_as_the_role_table_says()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet();
        var missing = endpoints.Except(Rules.Keys).ToList();
        Assert.True(missing.Count == 0, "Endpoints without an access rule (add one): " + string.Join(", ", missing));
        Assert.Empty(Rules.Keys.Except(endpoints));

        var admin = await app.ClientAsync(Role.Admin);
        var world = await BuildWorldAsync(admin);
        // The world's flags found now, so that GET /attention has some to leak (its items carry ids, not names).
        await app.Get<Housing.Attention.AttentionRefresh>().RecomputeAllAsync();
        var clients = new Dictionary<Caller, HttpClient>
        {
            [Caller.Admin] = admin,
            [Caller.StaffIn] = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]),
            [Caller.StaffOut] = await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]),
            [Caller.TreasurerIn] = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]),
            [Caller.TreasurerOut] = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]),
            [Caller.ViewerAll] = await app.ClientAsync(Role.Viewer),
            [Caller.ViewerIn] = await app.ClientAsync(Role.Viewer, provinces: ["54"]),
            [Caller.ViewerOut] = await app.ClientAsync(Role.Viewer, provinces: ["19"]),
        };
        // Province-level reads (a budget): a treasurer sees its subdistricts' province.
        Capabilities["read-province"] = Map(allowed: [Caller.Admin, Caller.StaffIn, Caller.TreasurerIn, Caller.TreasurerOut, Caller.ViewerAll, Caller.ViewerIn], forbidden: []);

        var failures = new List<string>();
        var checkedCount = 0;
        // Refusals first, then the allowed callers, so that an allowed write (a cancel, a reversal) does not change what later callers find.
        var order = Rules.SelectMany(r => Enum.GetValues<Caller>().Select(c => (Key: r.Key, Rule: r.Value, Caller: c, Expect: Capabilities[r.Value.Capability][c])))
            .OrderBy(x => x.Expect == Expect.Allowed ? 1 : 0).ToList();
        foreach (var (key, rule, caller, expect) in order)
        {
            var method = key[..key.IndexOf(' ')];
            var before = await app.Db.ScalarAsync<string>(RowCounts);
            using var request = new HttpRequestMessage(new HttpMethod(method), rule.Path(world)) { Content = rule.Body?.Invoke(world, caller) };
            using var response = await clients[caller].SendAsync(request);
            var status = (int)response.StatusCode;
            var body = response.Content.Headers.ContentType?.MediaType is "application/json" or "application/problem+json" ? await response.Content.ReadAsStringAsync() : "";
            checkedCount++;
            var ok = expect switch
            {
                Expect.Allowed => status is not (401 or 403 or 404) && status < 500,
                Expect.Forbidden => status == 403,
                Expect.Hidden => status == 404,
                Expect.Unauthorized => status == 401,
                Expect.Rejected => status is 400 or 403 or 404,
                _ => status is 403 or 404,
            };
            if (!ok) failures.Add($"{key} as {caller}: expected {expect}, got {status} {Short(body)}");
            if (expect != Expect.Allowed && await app.Db.ScalarAsync<string>(RowCounts) != before)
                failures.Add($"{key} as {caller}: refused ({status}) but rows changed");
            var outsider = caller is Caller.StaffOut or Caller.TreasurerOut or Caller.ViewerOut;
            if (outsider && (body.Contains(Marker) || body.Contains(ProjectMarker)))
                failures.Add($"{key} as {caller}: the answer shows the world's names to someone outside the area");
            if (key == "GET /api/v1/attention" && status == 200)
            {
                var mine = body.Contains($"\"projectId\":{world.ProjectId},", StringComparison.Ordinal);
                if (outsider && mine) failures.Add($"{key} as {caller}: the world's flags shown to someone outside the area");
                if (caller is Caller.Admin or Caller.StaffIn or Caller.TreasurerIn or Caller.ViewerIn && !mine)
                    failures.Add($"{key} as {caller}: none of the world's flags, so the check above proves nothing");
            }
        }
        output.WriteLine($"{checkedCount} requests over {Rules.Count} endpoints × {clients.Count} callers");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await Invariants.AssertHoldAsync(app.Db);
    }

    static string Short(string s) => s.Length > 200 ? s[..200] : s;

    [Theory]
    [InlineData("/Access/Users", Role.ProvincialStaff, 403)]
    [InlineData("/Access/Audit", Role.Viewer, 403)]
    [InlineData("/Access/Audit", Role.Admin, 200)]
    [InlineData("/Jobs", Role.Treasurer, 403)]
    [InlineData("/Jobs", Role.ProvincialStaff, 200)]
    [InlineData("/Rollups", Role.Viewer, 200)]
    [InlineData("/Budgets", Role.Viewer, 200)]
    [InlineData("/Households", Role.Treasurer, 200)]
    [InlineData("/Ledgers", Role.Treasurer, 200)]
    [InlineData("/Attention", Role.Viewer, 200)]
    [InlineData("/Attention", Role.Treasurer, 200)]
    [InlineData("/Mankong/Book", Role.Viewer, 200)]
    public async Task The_main_pages_open_for_their_roles_and_refuse_the_others(string path, Role role, int status)
    {
        var client = await app.ClientAsync(role, provinces: role is Role.ProvincialStaff or Role.Viewer ? ["54"] : null, subdistricts: role == Role.Treasurer ? ["540101"] : null);
        var r = await client.GetAsync(path);
        Assert.Equal(status, (int)r.StatusCode);
    }

    [Fact]
    public async Task Pages_about_a_thing_outside_the_area_answer_404()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var world = await BuildWorldAsync(admin);
        var outsider = await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]);
        foreach (var path in new[] { $"/Projects/{world.ProjectId}", $"/Households/{world.HouseholdId}", $"/Ledgers/Project/{world.ProjectId}",
                     $"/Ledgers/Monthly/{world.ProjectId}", $"/Disbursements/Voucher/{world.DisbursementId}",
                     $"/Mankong/Savings/{world.Bmk.ProjectId}", $"/Mankong/Loans/{world.Bmk.ProjectId}", $"/Mankong/Loan/{world.Bmk.LoanId}", $"/Mankong/Works/{world.Bmk.ProjectId}" })
        {
            var r = await outsider.GetAsync(path);
            Assert.True(r.StatusCode is HttpStatusCode.NotFound, $"{path}: {(int)r.StatusCode}");
            Assert.DoesNotContain(Marker, await r.Content.ReadAsStringAsync());
        }
    }
}
