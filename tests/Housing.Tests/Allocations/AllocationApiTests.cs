using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Allocations;
using Housing.Budgets;

namespace Housing.Tests.Allocations;

public sealed class AllocationApiTests(TestApp app) : IClassFixture<TestApp>
{
    async Task<(HttpClient Staff, ProjectView Project)> ProjectAsync(string subdistrict, decimal amount, string province = "54")
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, [province]);
        var budget = await Seed.BudgetAsync(staff, province, Seed.NewYear(), 100, 10_000_000m);
        return (staff, await Seed.ProjectAsync(staff, budget.Id, subdistrict, 10, amount));
    }

    [Fact]
    public async Task Allocating_a_home_answers_201_and_the_project_shows_what_is_left()
    {
        var (staff, project) = await ProjectAsync("540103", 100_000m);
        var h = await Seed.HouseholdAsync(staff, "540103");
        var a = await Seed.AllocationAsync(staff, project.Id, h.Id, 20_900m, "rebuild");
        Assert.Equal((project.Id, h.Id, "BPP", project.FiscalYear, 20_900m, "rebuild", 0m, false),
            (a.ProjectId, a.HouseholdId, a.Program, a.FiscalYear, a.Amount, a.WorkType, a.Paid, a.IsCancelled));
        var after = await staff.GetFromJsonAsync<ProjectView>($"/api/v1/projects/{project.Id}");
        Assert.Equal((20_900m, 79_100m, 1), (after!.Allocated, after.Remaining, after.Households));
        Assert.Equal([a.Id], (await staff.GetFromJsonAsync<List<AllocationView>>($"/api/v1/projects/{project.Id}/allocations"))!.Select(x => x.Id));
    }

    [Fact]
    public async Task Over_the_projects_amount_is_409_and_nothing_changes()
    {
        var (staff, project) = await ProjectAsync("540104", 30_000m);
        await Seed.AllocationAsync(staff, project.Id, (await Seed.HouseholdAsync(staff, "540104")).Id, 20_000m);
        var h = await Seed.HouseholdAsync(staff, "540104");
        var before = await app.Db.CountAsync("allocations");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations",
            new { householdId = h.Id, amount = 10_000.01m, workType = "repair" }), HttpStatusCode.Conflict);
        Assert.Equal(10_000m, problem.GetProperty("remaining").GetDecimal());
        Assert.Equal(before, await app.Db.CountAsync("allocations"));
        await Seed.AllocationAsync(staff, project.Id, h.Id, 10_000m); // the last baht exactly is fine
    }

    [Fact]
    public async Task A_household_holds_one_allocation_per_program_and_year_even_across_projects_409()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        var bpp = await Seed.BudgetAsync(staff, "54", year, 10, 1_000_000m);
        var p1 = await Seed.ProjectAsync(staff, bpp.Id, "540105", 5, 100_000m);
        var p2 = await Seed.ProjectAsync(staff, bpp.Id, "540105", 5, 100_000m, "โครงการที่สอง");
        var h = await Seed.HouseholdAsync(staff, "540105");
        var first = await Seed.AllocationAsync(staff, p1.Id, h.Id, 20_000m);
        var before = await app.Db.CountAsync("allocations");
        foreach (var projectId in new[] { p1.Id, p2.Id })
        {
            var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/allocations",
                new { householdId = h.Id, amount = 1_000m, workType = "repair" }), HttpStatusCode.Conflict);
            Assert.Equal(first.Id, problem.GetProperty("existingId").GetInt64());
        }
        Assert.Equal(before, await app.Db.CountAsync("allocations"));
        // Baan Mankong the same year is another program: the home is funded already, so only with a written override.
        var bmk = await Seed.BudgetAsync(staff, "54", year, 10, 1_000_000m, "BMK");
        var p3 = await Seed.ProjectAsync(staff, bmk.Id, "540105", 5, 100_000m, "บ้านมั่นคง", "ชุมชนทดสอบ");
        var funded = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{p3.Id}/allocations",
            new { householdId = h.Id, amount = 50_000m, workType = "infrastructure" }), HttpStatusCode.Conflict);
        Assert.Equal(first.Id, funded.GetProperty("existingAllocationId").GetInt64());
        await Seed.CreatedAsync<AllocationView>(await staff.PostAsJsonAsync($"/api/v1/projects/{p3.Id}/allocations",
            new { householdId = h.Id, amount = 50_000m, workType = "infrastructure", overrideReason = "ชุมชนย้ายเข้าโครงการบ้านมั่นคง" }));
    }

    [Fact]
    public async Task A_household_outside_the_projects_subdistrict_is_400_and_bad_input_is_400_by_field()
    {
        var (staff, project) = await ProjectAsync("540106", 100_000m);
        var elsewhere = await Seed.HouseholdAsync(staff, "540107");
        var before = await app.Db.CountAsync("allocations");
        var p = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations",
            new { householdId = elsewhere.Id, amount = 1_000m, workType = "repair" }), HttpStatusCode.BadRequest);
        Assert.True(p.GetProperty("errors").TryGetProperty("householdId", out _));
        var h = await Seed.HouseholdAsync(staff, "540106");
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { householdId = h.Id, amount = 0m, workType = "repair" }, "amount"),
                     (new { householdId = h.Id, amount = 1.001m, workType = "repair" }, "amount"),
                     (new { householdId = h.Id, amount = 1_000m, workType = "paint" }, "workType"),
                     (new { householdId = 999_999_999L, amount = 1_000m, workType = "repair" }, "householdId"),
                 })
        {
            var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations", body), HttpStatusCode.BadRequest);
            Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(x => x.Name));
        }
        Assert.Equal(before, await app.Db.CountAsync("allocations"));
    }

    [Fact]
    public async Task Only_the_areas_staff_allocate_others_get_403_or_404()
    {
        var (staff, project) = await ProjectAsync("540108", 100_000m);
        var h = await Seed.HouseholdAsync(staff, "540108");
        var before = await app.Db.CountAsync("allocations");
        var body = new { householdId = h.Id, amount = 1_000m, workType = "repair" };
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540108"])).PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations", body), HttpStatusCode.Forbidden);
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.Viewer)).PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations", body), HttpStatusCode.Forbidden);
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.ProvincialStaff, ["19"])).PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations", body), HttpStatusCode.NotFound);
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"])).GetAsync($"/api/v1/projects/{project.Id}/allocations"), HttpStatusCode.NotFound);
        Assert.Equal(before, await app.Db.CountAsync("allocations"));
    }

    [Fact]
    public async Task A_change_needs_a_reason_kept_in_the_audit_log_and_never_goes_below_what_is_paid()
    {
        var (staff, project) = await ProjectAsync("540109", 50_000m);
        var h = await Seed.HouseholdAsync(staff, "540109");
        var a = await Seed.AllocationAsync(staff, project.Id, h.Id, 20_000m);
        var noReason = await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 25_000m, workType = "rebuild" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 50_000.01m, workType = "rebuild", reason = "x" }), HttpStatusCode.Conflict);
        Assert.Equal(20_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @Id", new { a.Id }));

        var changed = await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 50_000m, workType = "rebuild", reason = "ราคาวัสดุสูงขึ้น" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(50_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @Id", new { a.Id }));
        Assert.Equal("rebuild", await app.Db.ScalarAsync<string>("SELECT work_type FROM allocations WHERE id = @Id", new { a.Id }));
        Assert.Equal("ราคาวัสดุสูงขึ้น", await app.Db.ScalarAsync<string>(
            "SELECT after->>'reason' FROM audit_log WHERE action = 'allocation.change' AND entity_id = @id", new { id = a.Id.ToString() }));
        Assert.Equal(20_000m, await app.Db.ScalarAsync<decimal>(
            "SELECT (before->>'amount')::numeric FROM audit_log WHERE action = 'allocation.change' AND entity_id = @id", new { id = a.Id.ToString() }));

        // 12,000 paid on it (the treasurer's ledger): the amount may not go below it, and it may not be cancelled.
        await app.Db.ExecuteAsync("""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no)
            VALUES (@Id, @ProjectId, 12000, '2026-01-10', 'ร้านวัสดุก่อสร้าง', 'R-1')
            """, new { a.Id, a.ProjectId });
        var below = await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 11_999.99m, workType = "rebuild", reason = "ลดลง" }), HttpStatusCode.Conflict);
        Assert.Equal(12_000m, below.GetProperty("paid").GetDecimal());
        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/cancel", new { reason = "ย้ายออก" }), HttpStatusCode.Conflict);
        Assert.Equal((50_000m, 1L), (await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @Id AND cancelled_at IS NULL", new { a.Id }),
            await app.Db.CountAsync("audit_log", "entity = 'allocation' AND entity_id = @id AND action <> 'allocation.create'", new { id = a.Id.ToString() })));
        var toPaid = await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 12_000m, workType = "rebuild", reason = "ทำเฉพาะหลังคา" });
        Assert.Equal(12_000m, (await toPaid.Content.ReadFromJsonAsync<AllocationView>())!.Paid);
    }

    [Fact]
    public async Task Cancelling_needs_a_reason_frees_the_money_and_the_household()
    {
        var (staff, project) = await ProjectAsync("540111", 20_000m);
        var h = await Seed.HouseholdAsync(staff, "540111");
        var a = await Seed.AllocationAsync(staff, project.Id, h.Id, 20_000m);
        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/cancel", new { reason = " " }), HttpStatusCode.BadRequest);
        var cancelled = await (await staff.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/cancel", new { reason = "ครัวเรือนย้ายออกนอกพื้นที่" })).Content.ReadFromJsonAsync<AllocationView>();
        Assert.Equal((true, "ครัวเรือนย้ายออกนอกพื้นที่"), (cancelled!.IsCancelled, cancelled.CancelReason));
        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/cancel", new { reason = "again" }), HttpStatusCode.Conflict);
        Assert.Equal(20_000m, (await staff.GetFromJsonAsync<ProjectView>($"/api/v1/projects/{project.Id}"))!.Remaining);
        var again = await Seed.AllocationAsync(staff, project.Id, h.Id, 20_000m);
        Assert.NotEqual(a.Id, again.Id);
        Assert.Equal("ครัวเรือนย้ายออกนอกพื้นที่", await app.Db.ScalarAsync<string>(
            "SELECT after->>'reason' FROM audit_log WHERE action = 'allocation.cancel' AND entity_id = @id", new { id = a.Id.ToString() }));
    }

    [Fact]
    public async Task A_households_help_is_listed_across_programs_and_years_within_the_area()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        var bpp = await Seed.ProjectAsync(staff, (await Seed.BudgetAsync(staff, "54", year, 10, 100_000m)).Id, "540113", 5, 50_000m);
        var bmk = await Seed.ProjectAsync(staff, (await Seed.BudgetAsync(staff, "54", year, 10, 100_000m, "BMK")).Id, "540113", 5, 50_000m, "บ้านมั่นคง", "ชุมชนริมน้ำ");
        var h = await Seed.HouseholdAsync(staff, "540113");
        var first = await Seed.AllocationAsync(staff, bpp.Id, h.Id, 20_000m);
        var second = await Seed.CreatedAsync<AllocationView>(await staff.PostAsJsonAsync($"/api/v1/projects/{bmk.Id}/allocations",
            new { householdId = h.Id, amount = 30_000m, workType = "infrastructure", overrideReason = "สาธารณูปโภคของชุมชน" }));
        var help = await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540113"])).GetFromJsonAsync<List<AllocationView>>($"/api/v1/households/{h.Id}/allocations");
        Assert.Equal([(first.Id, "BPP", 20_000m), (second.Id, "BMK", 30_000m)], help!.Select(a => (a.Id, a.Program, a.Amount)));
        await Seed.ProblemAsync(await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"])).GetAsync($"/api/v1/households/{h.Id}/allocations"), HttpStatusCode.NotFound);
        Assert.Contains("household-allocations", await staff.GetStringAsync($"/Households/{h.Id}"));
    }

    [Fact]
    public async Task Staff_racing_for_the_last_baht_one_wins_each_slot_the_rest_get_409_and_the_sum_never_passes()
    {
        var (staff, project) = await ProjectAsync("540112", 100_000m);
        var households = new List<long>();
        for (var i = 0; i < 24; i++) households.Add((await Seed.HouseholdAsync(staff, "540112")).Id);
        await Seed.AllocationAsync(staff, project.Id, households[0], 40_000m);
        // 60,000 left: of 23 requests for 20,000 each at once, exactly 3 fit.
        var clients = new List<HttpClient>();
        for (var i = 0; i < 4; i++) clients.Add(await app.ClientAsync(Role.ProvincialStaff, ["54"]));
        using var start = new SemaphoreSlim(0);
        var tasks = households.Skip(1).Select(async (h, i) =>
        {
            await start.WaitAsync();
            return (await clients[i % clients.Count].PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations",
                new { householdId = h, amount = 20_000m, workType = "repair" })).StatusCode;
        }).ToList();
        start.Release(tasks.Count);
        var statuses = await Task.WhenAll(tasks);
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(100_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM allocations WHERE project_id = @Id AND cancelled_at IS NULL", new { project.Id }));
        Assert.Equal(4, await app.Db.CountAsync("allocations", "project_id = @Id", new { project.Id }));
    }
}
