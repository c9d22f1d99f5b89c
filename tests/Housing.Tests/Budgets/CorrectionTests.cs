using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Budgets;
using Housing.Households;

namespace Housing.Tests.Budgets;

/// <summary>Corrections of the register, budgets and projects: each with a reason and its audit row, never breaking a sum.</summary>
public sealed class CorrectionTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task A_typo_in_a_heads_name_is_corrected_with_a_reason_and_the_audit_log_keeps_before_and_after()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var h = await Seed.HouseholdAsync(staff, "540101", "นางสมศรี ใจดืี");
        await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { headName = "นางสมศรี ใจดี" }), HttpStatusCode.BadRequest);

        var response = await staff.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { headName = "นางสมศรี ใจดี", members = 5, monthlyIncome = 5200m, reason = "สะกดชื่อผิด" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = (await response.Content.ReadFromJsonAsync<HouseholdView>())!;
        Assert.Equal(("นางสมศรี ใจดี", 5, 5200m, h.HouseNo, h.VillageNo), (after.HeadName, after.Members, after.MonthlyIncome, after.HouseNo, after.VillageNo));
        var row = await app.Db.QueryAsync<(string Before, string After)>(
            "SELECT before::text, after::text FROM audit_log WHERE action = 'household.change' AND entity_id = @id", new { id = h.Id.ToString() });
        var changes = AuditLabels.Changes(row.Single().Before, row.Single().After, Thai.ThaiCulture);
        Assert.Contains(changes, c => c.Label == "ชื่อหัวหน้าครัวเรือน" && c.Before == "นางสมศรี ใจดืี" && c.After == "นางสมศรี ใจดี");
        Assert.Contains(changes, c => c.Label == "รายได้ต่อเดือน" && c.After!.Contains("5,200.00"));
        Assert.Contains(changes, c => c.Label == "เหตุผล" && c.After == "สะกดชื่อผิด");
        Assert.DoesNotContain("\"citizenId\":\"", row.Single().After); // the full ID is never written to the log
    }

    [Fact]
    public async Task A_citizen_id_is_changed_only_by_an_admin_with_a_valid_checksum_and_never_to_one_registered()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var admin = await app.ClientAsync(Role.Admin);
        var h = await Seed.HouseholdAsync(staff, "540102");
        var other = await Seed.HouseholdAsync(staff, "540102");
        var newId = Seed.NewCitizenId();
        var before = await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", h);

        await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { citizenId = newId, reason = "พิมพ์ผิด" }), HttpStatusCode.Forbidden);
        var bad = newId[..12] + (char)('0' + (newId[12] - '0' + 1) % 10);
        await Seed.ProblemAsync(await admin.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { citizenId = bad, reason = "พิมพ์ผิด" }), HttpStatusCode.BadRequest);
        var taken = await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", other);
        var dup = await Seed.ProblemAsync(await admin.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { citizenId = taken, reason = "พิมพ์ผิด" }), HttpStatusCode.Conflict);
        Assert.Equal(other.Id, dup.GetProperty("existingId").GetInt64());
        Assert.Equal(before, await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", h));

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/v1/households/{h.Id}", new { citizenId = newId, reason = "พิมพ์ผิดจากบัตร" })).StatusCode);
        Assert.Equal(newId, await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", h));
        // The audit row holds the masked IDs only.
        var audit = await app.Db.ScalarAsync<string>("SELECT after::text FROM audit_log WHERE action = 'household.change' AND entity_id = @id", new { id = h.Id.ToString() });
        Assert.DoesNotContain(newId, audit);
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_budget_never_goes_below_what_its_projects_hold_and_a_project_never_below_what_it_allocated_or_past_its_budget()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540103", 5, 60_000m);
        await Seed.ProjectAsync(staff, budget.Id, "540103", 2, 30_000m, "โครงการสอง");
        await Seed.AllocationAsync(staff, project.Id, (await Seed.HouseholdAsync(staff, "540103")).Id, 25_000m);

        var below = await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/budgets/{budget.Id}", new { amount = 89_999.99m, reason = "ลดงบ" }), HttpStatusCode.Conflict);
        Assert.Equal(90_000m, below.GetProperty("projected").GetDecimal());
        await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/budgets/{budget.Id}", new { amount = 95_000m }), HttpStatusCode.BadRequest);
        var changed = (await (await staff.PatchAsJsonAsync($"/api/v1/budgets/{budget.Id}", new { amount = 90_000m, targetHouseholds = 7, reason = "พอช. ปรับงบ" }))
            .Content.ReadFromJsonAsync<BudgetView>())!;
        Assert.Equal((90_000m, 7), (changed.Amount, changed.TargetHouseholds));

        await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { amount = 24_999m, reason = "ลด" }), HttpStatusCode.Conflict);
        var past = await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { amount = 60_000.01m, reason = "เพิ่ม" }), HttpStatusCode.Conflict);
        Assert.Equal(60_000m, past.GetProperty("remaining").GetDecimal());
        var renamed = (await (await staff.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { name = "บ้านพอเพียง ต.ในเวียง (แก้ชื่อ)", amount = 25_000m, reason = "ชื่อผิด" }))
            .Content.ReadFromJsonAsync<ProjectView>())!;
        Assert.Equal(("บ้านพอเพียง ต.ในเวียง (แก้ชื่อ)", 25_000m, 5), (renamed.Name, renamed.Amount, renamed.TargetHouseholds));
        Assert.Equal(2, await app.Db.CountAsync("audit_log", "(action, entity_id) IN (('budget.change', @b), ('project.change', @p))",
            new { b = budget.Id.ToString(), p = project.Id.ToString() }));
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540103"]);
        await Seed.ProblemAsync(await treasurer.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { amount = 30_000m, reason = "x" }), HttpStatusCode.Forbidden);
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task Targets_are_never_corrected_below_the_households_already_allocated()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540103", 5, 60_000m);
        var other = await Seed.ProjectAsync(staff, budget.Id, "540103", 2, 30_000m, "โครงการสอง");
        for (var i = 0; i < 3; i++) await Seed.AllocationAsync(staff, project.Id, (await Seed.HouseholdAsync(staff, "540103")).Id, 5_000m);
        await Seed.AllocationAsync(staff, other.Id, (await Seed.HouseholdAsync(staff, "540103")).Id, 5_000m);
        const string Changes = "(action, entity_id) IN (('budget.change', @b), ('project.change', @p))";
        var ids = new { b = budget.Id.ToString(), p = project.Id.ToString() };
        var audits = await app.Db.CountAsync("audit_log", Changes, ids);

        var project2 = await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { targetHouseholds = 2, reason = "ลดเป้า" }), HttpStatusCode.Conflict);
        Assert.Equal((3, "เป้าหมายต่ำกว่าครัวเรือนที่จัดสรรแล้ว 3 ครัวเรือน ไม่ได้"),
            (project2.GetProperty("allocatedHouseholds").GetInt32(), project2.GetProperty("detail").GetString()));
        var budget3 = await Seed.ProblemAsync(await staff.PatchAsJsonAsync($"/api/v1/budgets/{budget.Id}", new { targetHouseholds = 3, reason = "ลดเป้า" }), HttpStatusCode.Conflict);
        Assert.Equal(4, budget3.GetProperty("allocatedHouseholds").GetInt32());
        Assert.Equal((5, 10), (await app.Db.ScalarAsync<int>("SELECT target_households FROM projects WHERE id = @Id", project),
            await app.Db.ScalarAsync<int>("SELECT target_households FROM budgets WHERE id = @Id", budget)));
        Assert.Equal(audits, await app.Db.CountAsync("audit_log", Changes, ids));

        // Down to exactly what is allocated is allowed.
        Assert.Equal(3, (await (await staff.PatchAsJsonAsync($"/api/v1/projects/{project.Id}", new { targetHouseholds = 3, reason = "ลดเป้า" }))
            .Content.ReadFromJsonAsync<ProjectView>())!.TargetHouseholds);
        Assert.Equal(4, (await (await staff.PatchAsJsonAsync($"/api/v1/budgets/{budget.Id}", new { targetHouseholds = 4, reason = "ลดเป้า" }))
            .Content.ReadFromJsonAsync<BudgetView>())!.TargetHouseholds);
    }

    [Fact]
    public async Task A_project_is_cancelled_only_while_no_money_has_moved_and_its_homes_are_free_again()
    {
        // Saraburi, so FY 2565 (its money dated 2022) is this class's only budget of that year there.
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["190101"]);
        var budget = await Seed.BudgetAsync(staff, "19", 2565, 10, 200_000m);
        var moved = await Seed.ProjectAsync(staff, budget.Id, "190101", 5, 50_000m);
        var idle = await Seed.ProjectAsync(staff, budget.Id, "190101", 5, 50_000m, "โครงการที่ไม่ได้เริ่ม");
        var h = await Seed.HouseholdAsync(staff, "190101");
        await Seed.AllocationAsync(staff, idle.Id, h.Id, 20_000m);
        await Seed.CreatedAsync<JsonElement>(await treasurer.PostAsJsonAsync($"/api/v1/projects/{moved.Id}/transfers", new { amount = 1_000m, receivedOn = "2022-01-20", reference = "CODI-1" }));

        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{moved.Id}/cancel", new { reason = "ไม่มีผู้สมัคร" }), HttpStatusCode.Conflict);
        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{idle.Id}/cancel", new { }), HttpStatusCode.BadRequest);
        var cancelled = (await (await staff.PostAsJsonAsync($"/api/v1/projects/{idle.Id}/cancel", new { reason = "ชุมชนถอนตัว" })).Content.ReadFromJsonAsync<ProjectView>())!;
        Assert.Equal(("ชุมชนถอนตัว", 0), (cancelled.CancelReason, cancelled.Households));
        Assert.Equal(1, await app.Db.CountAsync("allocations", "household_id = @Id AND cancel_reason = 'ชุมชนถอนตัว'", h));
        // Its share goes back to the budget; it takes no money and no allocation.
        Assert.Equal(50_000m, (await staff.GetFromJsonAsync<BudgetDetail>($"/api/v1/budgets/{budget.Id}"))!.Budget.Projected);
        await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/projects/{idle.Id}/transfers", new { amount = 1_000m, receivedOn = "2022-01-20", reference = "CODI-2" }), HttpStatusCode.Conflict);
        await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{idle.Id}/allocations", new { householdId = h.Id, amount = 1_000m, workType = "repair" }), HttpStatusCode.Conflict);
        await Seed.CreatedAsync<JsonElement>(await staff.PostAsJsonAsync($"/api/v1/projects/{moved.Id}/allocations", new { householdId = h.Id, amount = 1_000m, workType = "repair" }));
        await Invariants.AssertHoldAsync(app.Db);
    }
}
