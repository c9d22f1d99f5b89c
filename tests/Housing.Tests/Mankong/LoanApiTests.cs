using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class LoanApiTests(MankongApp app) : IClassFixture<MankongApp>
{
    static readonly DateOnly Today = new(2026, 6, 15);

    async Task<(long ProjectId, HttpClient Staff, HttpClient Treasurer)> ProjectWithSavingsAsync(decimal savings = 100_000m)
    {
        app.Clock.SetToday(Today);
        var projectId = await MankongSeed.ProjectAsync(app.Db);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        (await treasurer.PostAsJsonAsync($"/api/v1/projects/{projectId}/savings", new { month = "2025-12", balance = savings, members = 182 })).EnsureSuccessStatusCode();
        return (projectId, staff, treasurer);
    }

    async Task<LoanView> LoanAsync(HttpClient staff, long projectId, decimal amount = 1_000_000m, decimal rate = 4m, int months = 120, string firstDueOn = "2026-01-31", decimal? draw = null)
    {
        var loan = await Seed.CreatedAsync<LoanView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans",
            new { amount, purpose = "housing", annualRatePercent = rate, months, firstDueOn }));
        if (draw is decimal d)
            (await staff.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/drawdowns", new { amount = d, paidOn = "2025-12-20", reference = "CODI-LOAN-1" })).EnsureSuccessStatusCode();
        return loan;
    }

    [Fact]
    public async Task A_loan_is_refused_while_the_latest_savings_are_below_10_percent_then_made_with_its_schedule()
    {
        var (projectId, staff, treasurer) = await ProjectWithSavingsAsync(savings: 99_999.99m);
        var url = $"/api/v1/projects/{projectId}/loans";
        var body = new { amount = 1_000_000m, purpose = "housing", annualRatePercent = 4m, months = 120, firstDueOn = "2026-01-31" };

        var refused = await Seed.ProblemAsync(await staff.PostAsJsonAsync(url, body), HttpStatusCode.Conflict);
        using var english = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        english.Headers.AcceptLanguage.ParseAdd("en");
        var refusedEn = await Seed.ProblemAsync(await staff.SendAsync(english), HttpStatusCode.Conflict);
        Assert.Equal("เงินออมล่าสุด (2025-12) 99,999.99 บาท ยังไม่ถึง 10% ของเงินกู้ 1,000,000.00 บาท: ต้องมีอย่างน้อย 100,000.00 บาท", refused.GetProperty("detail").GetString());
        Assert.Equal("The latest savings (2025-12) of 99,999.99 baht are below 10 % of the loan of 1,000,000.00 baht: at least 100,000.00 baht is needed.",
            refusedEn.GetProperty("detail").GetString());
        Assert.Equal(0, await app.Db.CountAsync("loans", "project_id = @projectId", new { projectId }));

        (await treasurer.PostAsJsonAsync($"/api/v1/projects/{projectId}/savings", new { month = "2026-01", balance = 100_000m, members = 182 })).EnsureSuccessStatusCode();
        var loan = await Seed.CreatedAsync<LoanView>(await staff.PostAsJsonAsync(url, body));

        Assert.Equal((projectId, 1_000_000m, "housing", 4m, 120, 0m, 0m), (loan.ProjectId, loan.Amount, loan.Purpose, loan.AnnualRatePercent, loan.Months, loan.Drawn, loan.PrincipalOutstanding));
        Assert.Equal(120, loan.Schedule.Count);
        Assert.Equal(new ScheduleLine(1, new DateOnly(2026, 1, 31), 6_791.18m, 3_333.33m, 0m), loan.Schedule[0]);
        Assert.Equal(new ScheduleLine(120, new DateOnly(2035, 12, 31), 10_091.43m, 33.64m, 0m), loan.Schedule[119]);
        Assert.Equal(1_000_000.00m, loan.Schedule.Sum(l => l.Principal));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'loan.create' AND entity_id = @id", new { id = loan.Id.ToString() }));
        var read = await (await treasurer.GetAsync($"/api/v1/loans/{loan.Id}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["amount", "annualRatePercent", "arrears", "drawn", "id", "months", "principalOutstanding", "projectId", "purpose", "schedule"],
            read.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["dueOn", "interest", "no", "paid", "principal"], read.GetProperty("schedule")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Without_any_savings_report_a_loan_is_a_409_and_only_the_provinces_staff_make_loans()
    {
        app.Clock.SetToday(Today);
        var projectId = await MankongSeed.ProjectAsync(app.Db);
        var bpp = await MankongSeed.ProjectAsync(app.Db, program: "BPP");
        var body = new { amount = 500_000m, purpose = "land", annualRatePercent = 1m, months = 60, firstDueOn = "2026-07-01" };
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);

        var none = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans", body), HttpStatusCode.Conflict);
        Assert.Contains("50,000.00 บาท", none.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsJsonAsync($"/api/v1/projects/{bpp}/loans", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"])).PostAsJsonAsync($"/api/v1/projects/{projectId}/loans", body)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"])).PostAsJsonAsync($"/api/v1/projects/{projectId}/loans", body)).StatusCode);
        var bad = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/loans",
            new { amount = 0m, purpose = "car", annualRatePercent = 101m, months = 0 }), HttpStatusCode.BadRequest);
        Assert.Equal(["amount", "annualRatePercent", "firstDueOn", "months", "purpose"], bad.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0, await app.Db.CountAsync("loans", "project_id = @projectId", new { projectId }));
    }

    [Fact]
    public async Task Drawdowns_never_pass_the_loans_amount_even_at_once()
    {
        var (projectId, staff, _) = await ProjectWithSavingsAsync();
        var loan = await LoanAsync(staff, projectId);
        var url = $"/api/v1/loans/{loan.Id}/drawdowns";

        var first = await staff.PostAsJsonAsync(url, new { amount = 100_000m, paidOn = "2026-01-05", reference = "D-1" });
        var at0nce = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => staff.PostAsJsonAsync(url, new { amount = 200_000m, paidOn = "2026-01-06", reference = $"D-P{i}" })));
        var over = await Seed.ProblemAsync(await staff.PostAsJsonAsync(url, new { amount = 100_000.01m, paidOn = "2026-01-07", reference = "D-9" }), HttpStatusCode.Conflict);
        var last = await staff.PostAsJsonAsync(url, new { amount = 100_000m, paidOn = "2026-01-07", reference = "D-10" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(4, at0nce.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(2, at0nce.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(100_000.00m, over.GetProperty("remaining").GetDecimal());
        Assert.Equal(HttpStatusCode.Created, last.StatusCode);
        var read = await staff.GetFromJsonAsync<LoanView>($"/api/v1/loans/{loan.Id}");
        Assert.Equal((1_000_000m, 1_000_000m), (read!.Drawn, read.PrincipalOutstanding));
    }

    [Fact]
    public async Task A_repayment_is_applied_to_the_oldest_instalment_due_interest_first_and_arrears_age_from_there()
    {
        var (projectId, staff, treasurer) = await ProjectWithSavingsAsync();
        var loan = await LoanAsync(staff, projectId, draw: 1_000_000m);

        var r = await Seed.CreatedAsync<RepaymentView>(await treasurer.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/repayments",
            new { amount = 15_000m, paidOn = "2026-02-10", reference = "REPAY-1" }));

        Assert.Equal([new RepaymentPart(1, 3_333.33m, 6_791.18m), new RepaymentPart(2, 3_310.70m, 1_564.79m)], r.Parts);
        var stored = await app.Db.QueryAsync<(int, decimal, decimal)>("SELECT no, interest, principal FROM loan_repayment_parts WHERE repayment_id = @Id ORDER BY no", new { r.Id });
        Assert.Equal([(1, 3_333.33m, 6_791.18m), (2, 3_310.70m, 1_564.79m)], stored);
        var read = (await treasurer.GetFromJsonAsync<LoanView>($"/api/v1/loans/{loan.Id}"))!;
        Assert.Equal([10_124.51m, 4_875.49m, 0m], read.Schedule.Take(3).Select(l => l.Paid));
        Assert.Equal(991_644.03m, read.PrincipalOutstanding);
        // As of 15 Jun 2026: the rest of February's instalment is 107 days late, March's 76, April's 46 and May's 15.
        Assert.Equal(new Arrears(107, 35_622.55m, new ArrearsBuckets(10_124.51m, 10_124.51m, 10_124.51m, 5_249.02m)), read.Arrears);

        app.Clock.SetToday(new DateOnly(2026, 3, 1));
        var earlier = (await treasurer.GetFromJsonAsync<LoanView>($"/api/v1/loans/{loan.Id}"))!;
        Assert.Equal(new Arrears(1, 5_249.02m, new ArrearsBuckets(5_249.02m, 0m, 0m, 0m)), earlier.Arrears);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'loan.repayment' AND entity_id = @id", new { id = loan.Id.ToString() }));
    }

    [Fact]
    public async Task A_repayment_past_everything_owed_or_past_what_was_drawn_is_a_409()
    {
        var (projectId, staff, treasurer) = await ProjectWithSavingsAsync();
        var loan = await LoanAsync(staff, projectId, amount: 120_000m, rate: 0m, months: 12, firstDueOn: "2026-01-15", draw: 15_000m);
        var url = $"/api/v1/loans/{loan.Id}/repayments";

        var pastOwed = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync(url, new { amount = 120_000.01m, paidOn = "2026-02-01", reference = "X" }), HttpStatusCode.Conflict);
        var pastDrawn = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync(url, new { amount = 20_000m, paidOn = "2026-02-01", reference = "X" }), HttpStatusCode.Conflict);
        var staffRepays = await staff.PostAsJsonAsync(url, new { amount = 100m, paidOn = "2026-02-01", reference = "X" });

        Assert.Equal(120_000m, pastOwed.GetProperty("owed").GetDecimal());
        Assert.Equal(15_000m, pastDrawn.GetProperty("drawn").GetDecimal());
        Assert.Equal(HttpStatusCode.Forbidden, staffRepays.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("loan_repayments", "loan_id = @Id", loan));
    }

    [Fact]
    public async Task The_same_Idempotency_Key_again_answers_the_first_repayment_and_at_once_records_it_once()
    {
        var (projectId, staff, treasurer) = await ProjectWithSavingsAsync();
        var loan = await LoanAsync(staff, projectId, draw: 1_000_000m);
        var url = $"/api/v1/loans/{loan.Id}/repayments";
        HttpRequestMessage Request(string key, decimal amount)
        {
            var m = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { amount, paidOn = "2026-02-10", reference = "REPAY-K" }) };
            m.Headers.Add("Idempotency-Key", key);
            return m;
        }

        var parallel = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => treasurer.SendAsync(Request("k-parallel", 10_124.51m))));
        var bodies = await Task.WhenAll(parallel.Select(r => r.Content.ReadFromJsonAsync<RepaymentView>()));
        var again = await treasurer.SendAsync(Request("k-parallel", 10_124.510m));
        var other = await treasurer.SendAsync(Request("k-parallel", 5_000m));

        Assert.Equal(1, parallel.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(7, parallel.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single(bodies.Select(b => b!.Id).Distinct());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(bodies[0]!.Id, (await again.Content.ReadFromJsonAsync<RepaymentView>())!.Id);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("loan_repayments", "loan_id = @Id", loan));
        Assert.Equal(1, await app.Db.CountAsync("loan_repayment_parts", "loan_id = @Id", loan));
        Assert.Equal(10_124.51m, (await treasurer.GetFromJsonAsync<LoanView>($"/api/v1/loans/{loan.Id}"))!.Schedule[0].Paid);
    }

    [Fact]
    public async Task A_moratorium_moves_the_unpaid_instalments_due_in_its_months_past_the_end()
    {
        var (projectId, staff, treasurer) = await ProjectWithSavingsAsync();
        var loan = await LoanAsync(staff, projectId, amount: 120_000m, rate: 0m, months: 12, firstDueOn: "2026-01-15", draw: 120_000m);
        (await treasurer.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/repayments", new { amount = 30_000m, paidOn = "2026-03-10", reference = "R-1" })).EnsureSuccessStatusCode();

        var m = await Seed.CreatedAsync<MoratoriumView>(await staff.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/moratorium",
            new { fromMonth = "2026-03", toMonth = "2026-05", reason = "น้ำท่วมชุมชน" }));

        Assert.Equal((loan.Id, "2026-03", "2026-05", "น้ำท่วมชุมชน", 2), (m.LoanId, m.FromMonth, m.ToMonth, m.Reason, m.Moved));
        var read = (await staff.GetFromJsonAsync<LoanView>($"/api/v1/loans/{loan.Id}"))!;
        Assert.Equal([
            (1, "2026-01-15"), (2, "2026-02-15"), (3, "2026-03-15"), (6, "2026-06-15"), (7, "2026-07-15"), (8, "2026-08-15"), (9, "2026-09-15"),
            (10, "2026-10-15"), (11, "2026-11-15"), (12, "2026-12-15"), (4, "2027-01-15"), (5, "2027-02-15")],
            read.Schedule.Select(l => (l.No, l.DueOn.ToString("yyyy-MM-dd"))));
        // April's and May's instalments moved: on 15 Jun 2026 only June's is due, and it is due today, so nothing is late.
        Assert.Equal(0m, read.Arrears.Amount);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'loan.moratorium' AND entity_id = @id", new { id = loan.Id.ToString() }));
        var bad = await staff.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/moratorium", new { fromMonth = "2026-05", toMonth = "2026-03", reason = " " });
        Assert.Equal(["reason", "toMonth"], (await Seed.ProblemAsync(bad, HttpStatusCode.BadRequest)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }
}
