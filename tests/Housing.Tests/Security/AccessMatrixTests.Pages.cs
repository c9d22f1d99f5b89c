using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Housing.Access;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Security;

/// <summary>
/// The Razor pages' POST handlers (read from the app's page endpoints and their handler methods: a new handler
/// without a rule here fails the test) against the same eight callers, signed in with the page's cookie and
/// posting with a valid antiforgery token got by GETting the page as that caller. A refused post changes no row.
/// </summary>
public sealed partial class AccessMatrixTests
{
    /// <summary><paramref name="Read"/>: a post that changes nothing (a search sent by POST to keep full citizen IDs out of URLs, a picker
    /// filling its next list, a refused own-password change): done when the page answers, 200 or 400 for its form.</summary>
    sealed record PageRule(string Capability, Func<PageWorld, string> Path, Func<PageWorld, Caller, Dictionary<string, string>> Form, bool Upload = false, bool Read = false);

    sealed record PageWorld(World W, long FreeHouseholdId, long CancellableId, long CancellableProjectId = 0, long ReversibleTransferId = 0,
        long StagedAllocationId = 0, long WithdrawableMilestoneId = 0);

    static Dictionary<string, string> F(params (string K, object V)[] fields) => fields.ToDictionary(f => f.K, f => Convert.ToString(f.V, System.Globalization.CultureInfo.InvariantCulture)!);

    /// <summary>One rule per page handler, keyed "POST page?handler=Name" (no name: the page's OnPost).</summary>
    static readonly Dictionary<string, PageRule> PageRules = new()
    {
        ["POST /Access/SignIn"] = new("sign-in", _ => "/Access/SignIn", (_, _) => F(("username", "nobody"), ("password", "wrong-password"))),
        ["POST /Access/SignOut"] = new("anyone", _ => "/Access/SignOut", (_, _) => F()),
        ["POST /Culture"] = new("anyone", _ => "/Culture", (_, _) => F(("lang", "en"), ("returnUrl", "/"))),
        ["POST /Access/Users"] = new("admin", _ => "/Access/Users", (_, c) => F(("Input.Username", $"page.{c}".ToLowerInvariant()), ("Input.Password", "a-long-secret-2565"), ("Input.Area.Role", "Viewer"))),
        ["POST /Access/Users?handler=Pick"] = new("admin", _ => "/Access/Users", (_, _) => F(("Input.Area.Role", "Treasurer"), ("Input.Area.PickProvince", "54")), Read: true),
        ["POST /Access/UserEdit"] = new("admin", p => $"/Access/Users/{p.W.UserId}", (_, c) => F(("Input.DisplayName", $"ผู้ดู {c}"), ("Input.IsActive", "true"), ("Input.Area.Role", "Viewer"))),
        ["POST /Access/UserEdit?handler=Password"] = new("admin", p => $"/Access/Users/{p.W.UserId}", (_, _) => F(("Input.NewPassword", "matrix-page-secret-2565"))),
        ["POST /Access/UserEdit?handler=Pick"] = new("admin", p => $"/Access/Users/{p.W.UserId}", (_, _) => F(("Input.Area.Role", "Treasurer")), Read: true),
        // Anyone may change their own password; a wrong current one keeps the caller's session for the posts after it.
        ["POST /Access/Password"] = new("anyone", _ => "/Access/Password", (_, _) => F(("currentPassword", "not-the-password"), ("newPassword", "another-secret-2565"),
            ("confirmPassword", "another-secret-2565")), Read: true),
        ["POST /Budgets/Index"] = new("manage-create", _ => "/Budgets", (p, _) => F(("Input.Program", "BMK"), ("Input.FiscalYear", p.W.Year), ("Input.ProvinceCode", "54"),
            ("Input.TargetHouseholds", 10), ("Input.Amount", 100000))),
        ["POST /Budgets/Budget"] = new("manage-province", p => $"/Budgets/{p.W.BudgetId}", (_, _) => F(("Input.SubdistrictCode", "540102"), ("Input.Name", "โครงการหน้าเว็บ"),
            ("Input.TargetHouseholds", 1), ("Input.Amount", 1000))),
        ["POST /Budgets/Project"] = new("manage", p => $"/Projects/{p.W.ProjectId}", (p, _) => F(("Input.HouseholdId", p.FreeHouseholdId), ("Input.Amount", 100), ("Input.WorkType", "repair"))),
        ["POST /Households/Index"] = new("anyone", _ => "/Households", (_, _) => F(("Q", "นาย")), Read: true),
        ["POST /Households/New"] = new("manage-create", _ => "/Households/New", (_, _) => F(("Input.CitizenId", Seed.NewCitizenId()), ("Input.HeadName", "นายหน้าเว็บ ทดสอบ"),
            ("Input.HouseNo", "7"), ("Input.VillageNo", 2), ("Input.SubdistrictCode", "540101"), ("Input.Members", 3), ("Input.MonthlyIncome", 3000))),
        ["POST /Imports/Index"] = new("manage-import", _ => "/Imports", (_, _) => F(), Upload: true),
        ["POST /Allocations/Edit?handler=Change"] = new("manage", p => $"/Allocations/{p.W.AllocationId}", (_, c) => F(("Input.Amount", 20000 + (int)c), ("Input.WorkType", "repair"), ("Input.Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Allocations/Edit?handler=Cancel"] = new("manage", p => $"/Allocations/{p.CancellableId}", (_, _) => F(("CancelReason", "ตรวจสอบสิทธิ์"))),
        ["POST /Transfers/Record"] = new("money", p => $"/Transfers/Record/{p.W.ProjectId}", (_, c) => F(("Input.Amount", 1), ("Input.ReceivedOn", "2022-01-10"), ("Input.Reference", $"PAGE-{c}"))),
        ["POST /Disbursements/Record"] = new("money", p => $"/Disbursements/Record/{p.W.AllocationId}", (_, _) => F(("Input.Amount", 1), ("Input.PaidOn", "2022-01-15"),
            ("Input.Payee", "ร้านวัสดุ"), ("Input.PayeeType", "supplier"), ("Input.Method", "transfer"), ("Input.IdempotencyKey", Guid.NewGuid().ToString("N")))),
        ["POST /Disbursements/Record?handler=Reverse"] = new("money", p => $"/Disbursements/Record/{p.W.AllocationId}", (p, _) => F(("id", p.W.DisbursementId), ("Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Milestones/Index"] = new("milestone", p => $"/Milestones/{p.W.AllocationId}", (_, _) => F(("stage", "approved"), ("ReachedOn", "2022-01-12"), ("Note", "ตรวจสอบสิทธิ์"))),
        ["POST /Milestones/Index?handler=Photo"] = new("milestone", p => $"/Milestones/{p.W.AllocationId}", (p, _) => F(("milestoneId", p.W.MilestoneId)), Upload: true),
        // A home of its own, so the other milestone posts do not move its latest stage.
        ["POST /Milestones/Index?handler=Withdraw"] = new("milestone", p => $"/Milestones/{p.StagedAllocationId}",
            (p, _) => F(("milestoneId", p.WithdrawableMilestoneId), ("WithdrawReason", "ตรวจสอบสิทธิ์"))),
        ["POST /Mankong/Savings"] = new("money", p => $"/Mankong/Savings/{p.W.Bmk.ProjectId}", (_, c) => F(("Input.Month", $"2021-{(int)c + 1:00}"), ("Input.Balance", 500_000), ("Input.Members", 1))),
        ["POST /Mankong/Loans"] = new("manage", p => $"/Mankong/Loans/{p.W.Bmk.ProjectId}", (_, _) => F(("Input.Amount", 100_000), ("Input.Purpose", "land"),
            ("Input.AnnualRatePercent", 2), ("Input.Months", 12), ("Input.FirstDueOn", "2021-03-01"))),
        ["POST /Mankong/Loan?handler=Repay"] = new("money", p => $"/Mankong/Loan/{p.W.Bmk.LoanId}", (_, _) => F(("Repay.Amount", 1), ("Repay.PaidOn", "2021-02-10"),
            ("Repay.Reference", "PAGE-R"), ("Repay.IdempotencyKey", Guid.NewGuid().ToString("N")))),
        ["POST /Mankong/Loan?handler=Draw"] = new("manage", p => $"/Mankong/Loan/{p.W.Bmk.LoanId}", (_, _) => F(("Draw.Amount", 1), ("Draw.PaidOn", "2021-01-10"), ("Draw.Reference", "PAGE-D"))),
        ["POST /Mankong/Loan?handler=Moratorium"] = new("manage", p => $"/Mankong/Loan/{p.W.Bmk.LoanId}", (_, c) => F(("Relief.FromMonth", "2021-05"), ("Relief.ToMonth", "2021-05"),
            ("Relief.Reason", $"ตรวจสอบสิทธิ์ {c}"))),
        ["POST /Mankong/Works"] = new("manage", p => $"/Mankong/Works/{p.W.Bmk.ProjectId}", (_, _) => F(("Input.Kind", "other"), ("Input.Name", "ลานกีฬา"), ("Input.Amount", 1))),
        ["POST /Mankong/Works?handler=Pay"] = new("money", p => $"/Mankong/Works/{p.W.Bmk.ProjectId}", (p, _) => F(("workId", p.W.Bmk.WorkId), ("Pay.Amount", 1),
            ("Pay.PaidOn", "2022-01-15"), ("Pay.Payee", "ผู้รับเหมา"), ("Pay.PayeeType", "contractor"), ("Pay.Method", "transfer"), ("Pay.IdempotencyKey", Guid.NewGuid().ToString("N")))),
        ["POST /Mankong/Works?handler=Reverse"] = new("money", p => $"/Mankong/Works/{p.W.Bmk.ProjectId}", (p, _) => F(("id", p.W.Bmk.WorkPaymentId), ("Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Mankong/Works?handler=Stage"] = new("milestone", p => $"/Mankong/Works/{p.W.Bmk.ProjectId}", (p, _) => F(("workId", p.W.Bmk.WorkId), ("stage", "contracted"),
            ("ReachedOn", "2022-01-12"), ("Note", "ตรวจสอบสิทธิ์"))),
        ["POST /Mankong/Works?handler=Photo"] = new("milestone", p => $"/Mankong/Works/{p.W.Bmk.ProjectId}", (p, _) => F(("stageId", p.W.Bmk.WorkStageId)), Upload: true),
        ["POST /Households/Edit"] = new("manage", p => $"/Households/{p.W.HouseholdId}/Edit", (_, c) => F(("Input.Members", 1 + (int)c), ("Input.Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Budgets/BudgetEdit"] = new("manage-province", p => $"/Budgets/BudgetEdit/{p.W.BudgetId}", (_, _) => F(("Input.TargetHouseholds", 65), ("Input.Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Budgets/ProjectEdit?handler=Change"] = new("manage", p => $"/Budgets/ProjectEdit/{p.W.ProjectId}", (_, _) => F(("Input.TargetHouseholds", 6), ("Input.Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Budgets/ProjectEdit?handler=Cancel"] = new("manage", p => $"/Budgets/ProjectEdit/{p.CancellableProjectId}", (_, _) => F(("CancelReason", "ตรวจสอบสิทธิ์"))),
        ["POST /Transfers/Reverse"] = new("money", p => $"/Transfers/Reverse/{p.ReversibleTransferId}", (_, _) => F(("Reason", "ตรวจสอบสิทธิ์"))),
        ["POST /Transfers/Refund"] = new("money", p => $"/Transfers/Refund/{p.W.ProjectId}", (_, c) => F(("Input.Amount", 1), ("Input.PaidOn", "2022-01-07"), ("Input.Reference", $"RET-PAGE-{c}"))),
        ["POST /Rules/Index"] = new("admin", _ => "/Rules", (_, _) => F(("Input.Program", "BPP"), ("Input.FiscalYear", 2599), ("Input.CapPerHome", 90000))),
        ["POST /Jobs/Index?handler=Run"] = new("jobs", _ => "/Jobs", (_, _) => F(("job", "rollups.incremental"))),
        ["POST /Rollups/Index?handler=Refresh"] = new("jobs", _ => "/Rollups", (_, _) => F()),
    };

    /// <summary>Every POST handler of every page, as the app's page loader compiles them.</summary>
    async Task<HashSet<string>> PageHandlersAsync()
    {
        var loader = app.Services.GetRequiredService<PageLoader>();
        var keys = new HashSet<string>();
        foreach (var e in app.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (e.Metadata.GetMetadata<PageActionDescriptor>() is not { } page) continue;
            var compiled = await loader.LoadAsync(page, e.Metadata);
            foreach (var h in compiled.HandlerMethods.Where(h => string.Equals(h.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase)))
                keys.Add($"POST {page.ViewEnginePath}" + (h.Name is null ? "" : $"?handler={h.Name}"));
        }
        return keys;
    }

    /// <summary>A client holding the sign-in cookie of this user, as a browser would after the sign-in page.</summary>
    async Task<HttpClient> PageClientAsync(string username)
    {
        var client = app.Anonymous();
        var post = await client.PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>(F(("username", username), ("password", TestApp.Password), ("returnUrl", "/")))
        {
            ["__RequestVerificationToken"] = await TokenAsync(client, "/Access/SignIn"),
        }));
        Assert.True(post.StatusCode == System.Net.HttpStatusCode.Redirect, $"sign-in of {username}: {(int)post.StatusCode}");
        return client;
    }

    /// <summary>The antiforgery token of the caller's session, from the page itself (or, when the page refuses the caller, the home page).</summary>
    static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var page = await client.GetAsync(path);
        var html = page.IsSuccessStatusCode ? await page.Content.ReadAsStringAsync() : await client.GetStringAsync("/");
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"no antiforgery token on {path}");
        return token;
    }

    static HttpContent PageBody(PageRule rule, PageWorld world, Caller caller, string token)
    {
        var fields = rule.Form(world, caller);
        fields["__RequestVerificationToken"] = token;
        if (!rule.Upload) return new FormUrlEncodedContent(fields);
        var form = new MultipartFormDataContent();
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        if (fields.ContainsKey("milestoneId") || fields.ContainsKey("stageId"))
        {
            var photo = new ByteArrayContent(Png);
            photo.Headers.ContentType = new("image/png");
            form.Add(photo, "photo", "photo.png");
        }
        else
        {
            var csv = $"citizen_id,head_name,house_no,village_no,subdistrict_code,members,monthly_income\n{Seed.NewCitizenId()},นายนำเข้า หน้าเว็บ,5,3,540101,2,2500\n";
            form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "file", "households.csv");
        }
        return form;
    }

    [Fact]
    public async Task Every_page_post_handler_answers_every_role_inside_and_outside_its_area_as_the_role_table_says()
    {
        var handlers = await PageHandlersAsync();
        var missing = handlers.Except(PageRules.Keys).ToList();
        Assert.True(missing.Count == 0, "Page handlers without an access rule (add one): " + string.Join(", ", missing));
        Assert.Empty(PageRules.Keys.Except(handlers));

        var admin = await app.ClientAsync(Role.Admin);
        var world = await BuildWorldAsync(admin);
        var free = await Seed.HouseholdAsync(admin, "540101");
        var cancellable = await Seed.AllocationAsync(admin, world.ProjectId, (await Seed.HouseholdAsync(admin, "540101")).Id, 1_000m);
        var idle = await Seed.ProjectAsync(admin, world.BudgetId, "540101", 1, 1_000m, "โครงการที่ยกเลิกได้");
        var reversible = await Seed.CreatedAsync<System.Text.Json.JsonElement>(await admin.PostAsJsonAsync($"/api/v1/projects/{world.ProjectId}/transfers",
            new { amount = 1_000m, receivedOn = "2022-01-05", reference = "CODI-REVERSIBLE" }));
        var staged = await Seed.AllocationAsync(admin, world.ProjectId, (await Seed.HouseholdAsync(admin, "540101")).Id, 1_000m);
        var withdrawable = await Seed.CreatedAsync<System.Text.Json.JsonElement>(await admin.PostAsJsonAsync($"/api/v1/allocations/{staged.Id}/milestones",
            new { stage = "surveyed", reachedOn = "2022-01-10" }));
        var pw = new PageWorld(world, free.Id, cancellable.Id, idle.Id, reversible.GetProperty("id").GetInt64(), staged.Id, withdrawable.GetProperty("id").GetInt64());
        var users = new Dictionary<Caller, Housing.Access.Caller>
        {
            [Caller.Admin] = await app.CreateUserAsync(Role.Admin),
            [Caller.StaffIn] = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]),
            [Caller.StaffOut] = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["19"]),
            [Caller.TreasurerIn] = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]),
            [Caller.TreasurerOut] = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540102"]),
            [Caller.ViewerAll] = await app.CreateUserAsync(Role.Viewer),
            [Caller.ViewerIn] = await app.CreateUserAsync(Role.Viewer, provinces: ["54"]),
            [Caller.ViewerOut] = await app.CreateUserAsync(Role.Viewer, provinces: ["19"]),
        };
        var clients = new Dictionary<Caller, HttpClient>();
        foreach (var (c, u) in users) clients[c] = await PageClientAsync(u.Username);

        var failures = new List<string>();
        var succeeded = new HashSet<string>();
        // Refusals first; signing out last, since it ends the caller's session.
        var order = PageRules.SelectMany(r => Enum.GetValues<Caller>().Select(c => (r.Key, Rule: r.Value, Caller: c, Expect: Capabilities[r.Value.Capability][c])))
            .OrderBy(x => x.Key == "POST /Access/SignOut" ? 2 : x.Expect == Expect.Allowed ? 1 : 0).ToList();
        foreach (var (key, rule, caller, expect) in order)
        {
            var client = clients[caller];
            var path = rule.Path(pw);
            var token = await TokenAsync(client, path);
            var before = await app.Db.ScalarAsync<string>(RowCounts);
            var handler = key.Contains("?handler=") ? key[key.IndexOf('?')..] : "";
            using var response = await client.PostAsync(path + handler, PageBody(rule, pw, caller, token));
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            var changed = await app.Db.ScalarAsync<string>(RowCounts) != before;
            if (expect == Expect.Allowed)
            {
                // Done: a redirect after the write, or the import's page of results with its rows written.
                if (status is 302 or 303 || status == 200 && changed || rule.Read && status is 200 or 400) succeeded.Add(key);
                else if (status is 401 or 403 or 404 or >= 500) failures.Add($"{key} as {caller}: allowed, got {status}");
            }
            else
            {
                if (expect == Expect.Unauthorized ? status != 401 : status is not (400 or 403 or 404))
                    failures.Add($"{key} as {caller}: expected a refusal ({expect}), got {status}");
                if (changed) failures.Add($"{key} as {caller}: refused ({status}) but rows changed");
            }
            if (caller is Caller.StaffOut or Caller.TreasurerOut or Caller.ViewerOut && (body.Contains(Marker) || body.Contains(ProjectMarker)))
                failures.Add($"{key} as {caller}: the answer shows the world's names to someone outside the area");
        }
        // Each handler did its work for at least one allowed caller (sign-in's rule uses a wrong password: nobody is allowed).
        foreach (var key in PageRules.Keys.Where(k => k != "POST /Access/SignIn" && !succeeded.Contains(k)))
            failures.Add($"{key}: no allowed caller got it done (no redirect)");
        output.WriteLine($"{order.Count} page posts over {PageRules.Count} handlers × {clients.Count} callers");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await Invariants.AssertHoldAsync(app.Db);
    }
}
