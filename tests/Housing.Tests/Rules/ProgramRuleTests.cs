using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Allocations;
using Housing.Rules;

namespace Housing.Tests.Rules;

/// <summary>The program's rules: a program year's cap per home (set by Admins), and one home funded once.</summary>
public sealed class ProgramRuleTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task A_program_year_is_null_until_an_admin_sets_it_and_only_an_admin_may()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var admin = await app.ClientAsync(Role.Admin);
        var unset = (await staff.GetFromJsonAsync<JsonElement>("/api/v1/programs/BPP/years/2599"))!;
        Assert.Equal(("BPP", 2599, JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null), (unset.GetProperty("program").GetString(), unset.GetProperty("fiscalYear").GetInt32(),
            unset.GetProperty("capPerHome").ValueKind, unset.GetProperty("tranches").ValueKind, unset.GetProperty("paymentGates").ValueKind));

        var body = new
        {
            capPerHome = 40_000m,
            tranches = new object[] { new { share = 40m }, new { share = 60m, stage = "structure_done", homesPercent = 50m, photo = true } },
            paymentGates = new object[] { new { stage = "materials_bought", payableShare = 50m }, new { stage = "completed", payableShare = 100m, photo = true } },
        };
        await Seed.ProblemAsync(await staff.PutAsJsonAsync("/api/v1/programs/BPP/years/2599", body), HttpStatusCode.Forbidden);
        Assert.Equal(0, await app.Db.CountAsync("program_years"));
        var set = await admin.PutAsJsonAsync("/api/v1/programs/BPP/years/2599", body);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var read = (await staff.GetFromJsonAsync<ProgramYear>("/api/v1/programs/BPP/years/2599"))!;
        Assert.Equal(40_000m, read.CapPerHome);
        Assert.Equal([(40m, null, null, null), (60m, "structure_done", 50m, true)], read.Tranches!.Select(t => (t.Share, t.Stage, t.HomesPercent, t.Photo)));
        Assert.Equal([("materials_bought", 50m, (bool?)null), ("completed", 100m, true)], read.PaymentGates!.Select(g => (g.Stage, g.PayableShare, g.Photo)));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'program_year.set' AND entity_id = 'BPP/2599'"));
    }

    [Theory]
    [InlineData("""{"capPerHome": -1}""", "capPerHome")]
    [InlineData("""{"tranches": [{"share": 60}, {"share": 50}]}""", "tranches")]
    [InlineData("""{"tranches": [{"share": 0}]}""", "tranches[0].share")]
    [InlineData("""{"tranches": [{"share": 50, "stage": "painted"}]}""", "tranches[0].stage")]
    [InlineData("""{"tranches": [{"share": 50, "homesPercent": 50}]}""", "tranches[0].homesPercent")]
    [InlineData("""{"paymentGates": [{"stage": "completed", "payableShare": 100}, {"stage": "approved", "payableShare": 100}]}""", "paymentGates[1].stage")]
    [InlineData("""{"paymentGates": [{"stage": "approved", "payableShare": 60}, {"stage": "completed", "payableShare": 40}]}""", "paymentGates[1].payableShare")]
    [InlineData("""{"paymentGates": [{"payableShare": 60}]}""", "paymentGates[0].stage")]
    public async Task A_badly_shaped_rule_is_a_400_naming_the_field_and_writes_nothing(string json, string field)
    {
        var admin = await app.ClientAsync(Role.Admin);
        var response = await admin.PutAsync("/api/v1/programs/BMK/years/2598", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await Seed.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await app.Db.CountAsync("program_years", "program = 'BMK' AND fiscal_year = 2598"));
        await Seed.ProblemAsync(await admin.GetAsync("/api/v1/programs/XYZ/years/2598"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_allocation_or_a_change_above_the_cap_per_home_is_a_409()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/programs/BPP/years/{year}", new { capPerHome = 20_000m })).StatusCode);
        var budget = await Seed.BudgetAsync(staff, "54", year, 10, 1_000_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540114", 5, 100_000m);
        var h = await Seed.HouseholdAsync(staff, "540114");

        var over = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{project.Id}/allocations",
            new { householdId = h.Id, amount = 20_000.01m, workType = "repair" }), HttpStatusCode.Conflict);
        Assert.Equal(20_000m, over.GetProperty("capPerHome").GetDecimal());
        Assert.Equal(0, await app.Db.CountAsync("allocations", "project_id = @Id", project));
        var a = await Seed.AllocationAsync(staff, project.Id, h.Id, 20_000m);
        await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{a.Id}", new { amount = 25_000m, workType = "repair", reason = "ราคาวัสดุขึ้น" }), HttpStatusCode.Conflict);
        Assert.Equal(20_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @Id", a));
    }

    [Fact]
    public async Task A_home_funded_in_an_earlier_year_is_refused_naming_that_allocation_unless_staff_give_a_reason()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var year = Seed.NewYear();
        var p2565 = await Seed.ProjectAsync(staff, (await Seed.BudgetAsync(staff, "54", year, 10, 100_000m)).Id, "540115", 5, 50_000m);
        var p2570 = await Seed.ProjectAsync(staff, (await Seed.BudgetAsync(staff, "54", Seed.NewYear(), 10, 100_000m)).Id, "540115", 5, 50_000m);
        var h = await Seed.HouseholdAsync(staff, "540115", "นายซ้ำ ชื่อเดิม");
        var twin = await Seed.HouseholdAsync(staff, "540115", "นายซ้ำ ชื่อเดิม");
        var first = await Seed.AllocationAsync(staff, p2565.Id, h.Id, 20_000m);

        // The picker of the later project marks the funded home and tells the two of the same name apart.
        var candidates = await app.Get<AllocationService>().CandidatesAsync(await app.CreateUserAsync(Role.Admin), p2570.Id);
        var marked = candidates.Where(c => c.HeadName == "นายซ้ำ ชื่อเดิม").ToList();
        Assert.Equal([(twin.Id, (long?)null), (h.Id, (long?)first.Id)], marked.Select(c => (c.Id, c.FundedAllocationId)));
        Assert.NotEqual(marked[0].CitizenIdMasked, marked[1].CitizenIdMasked);
        var page = await staff.GetStringAsync($"/Projects/{p2570.Id}");
        Assert.Contains("data-testid=\"funded-" + h.Id + "\"", page);

        var refused = await Seed.ProblemAsync(await staff.PostAsJsonAsync($"/api/v1/projects/{p2570.Id}/allocations",
            new { householdId = h.Id, amount = 30_000m, workType = "rebuild" }), HttpStatusCode.Conflict);
        Assert.Equal(first.Id, refused.GetProperty("existingAllocationId").GetInt64());
        Assert.Equal(1, await app.Db.CountAsync("allocations", "household_id = @Id", h));

        var again = await Seed.CreatedAsync<AllocationView>(await staff.PostAsJsonAsync($"/api/v1/projects/{p2570.Id}/allocations",
            new { householdId = h.Id, amount = 30_000m, workType = "rebuild", overrideReason = "บ้านพังจากน้ำท่วมปี 2569 สร้างใหม่ทดแทน" }));
        Assert.Equal("บ้านพังจากน้ำท่วมปี 2569 สร้างใหม่ทดแทน", again.OverrideReason);
        var audit = JsonDocument.Parse(await app.Db.ScalarAsync<string>(
            "SELECT after::text FROM audit_log WHERE action = 'allocation.override' AND entity_id = @id", new { id = again.Id.ToString() })).RootElement;
        Assert.Equal(first.Id, audit.GetProperty("existingAllocationId").GetInt64());
        // The audit log's project filter finds the override with the allocation it made.
        var admin = await app.ClientAsync(Role.Admin);
        var logged = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?project={p2570.Id}");
        Assert.Contains("allocation.override", logged.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task Two_projects_of_different_years_allocating_one_home_at_once_fund_it_once()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var projects = new List<long>();
        foreach (var y in new[] { Seed.NewYear(), Seed.NewYear() })
            projects.Add((await Seed.ProjectAsync(staff, (await Seed.BudgetAsync(staff, "54", y, 10, 100_000m, "BPP")).Id, "540116", 5, 50_000m)).Id);
        for (var run = 0; run < 6; run++)
        {
            var h = await Seed.HouseholdAsync(staff, "540116");
            using var start = new SemaphoreSlim(0);
            var tasks = projects.Select(p => Task.Run(async () =>
            {
                await start.WaitAsync();
                return (await staff.PostAsJsonAsync($"/api/v1/projects/{p}/allocations", new { householdId = h.Id, amount = 1_000m, workType = "repair" })).StatusCode;
            })).ToList();
            start.Release(2);
            var answers = await Task.WhenAll(tasks);
            Assert.Single(answers, HttpStatusCode.Created);
            Assert.Single(answers, HttpStatusCode.Conflict);
            Assert.Equal(1, await app.Db.CountAsync("allocations", "household_id = @Id AND cancelled_at IS NULL", h));
        }
        await Invariants.AssertHoldAsync(app.Db);
    }
}
