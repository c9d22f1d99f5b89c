using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Households;
using Housing.Tests.Disbursements;

namespace Housing.Tests.Households;

/// <summary>A subdistrict of its own with homes at every status: h[0] never allocated, h[1] allocated in P1 and not started,
/// h[2] surveyed in P1, h[3] approved in P1, h[4] surveyed in P2, h[5] allocated in P1 then cancelled, h[6] in P1 at surveyed
/// after its "approved" was withdrawn. P3 is in the next subdistrict.</summary>
public sealed record FilterWorld(string Sub, string Next, long[] H, long P1, long P2, long P3)
{
    /// <summary>In <paramref name="sub"/>, with P3 in <paramref name="next"/>, on a budget of <paramref name="year"/>: a world per test.</summary>
    public static async Task<FilterWorld> SeedAsync(TestApp app, string sub, string next, int year)
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var budget = await Seed.BudgetAsync(staff, "54", year, 100, 10_000_000m);
        var p1 = await Seed.ProjectAsync(staff, budget.Id, sub, 10, 1_000_000m, "บ้านพอเพียง หนึ่ง");
        var p2 = await Seed.ProjectAsync(staff, budget.Id, sub, 10, 1_000_000m, "บ้านพอเพียง สอง");
        var p3 = await Seed.ProjectAsync(staff, budget.Id, next, 10, 1_000_000m, "บ้านพอเพียง สาม");
        var h = new long[7];
        for (var i = 0; i < h.Length; i++) h[i] = (await Seed.HouseholdAsync(staff, sub, $"นางบ้าน {i} ใจดี")).Id;
        var a = new Dictionary<int, long>();
        foreach (var (i, project) in new[] { (1, p1.Id), (2, p1.Id), (3, p1.Id), (4, p2.Id), (5, p1.Id), (6, p1.Id) })
            a[i] = (await Seed.AllocationAsync(staff, project, h[i], 20_000m)).Id;
        async Task<long> StageAsync(int i, string stage, string day) => (await Seed.CreatedAsync<MilestoneRow>(await staff.PostAsJsonAsync(
            $"/api/v1/allocations/{a[i]}/milestones", new { stage, reachedOn = day }))).Id;
        foreach (var i in new[] { 2, 3, 4, 6 }) await StageAsync(i, "surveyed", "2023-01-10");
        await StageAsync(3, "approved", "2023-01-11");
        var wrong = await StageAsync(6, "approved", "2023-01-11");
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync($"/api/v1/milestones/{wrong}/withdraw", new { reason = "บันทึกผิดบ้าน" })).StatusCode);
        await MoneySeed.CancelAsync(app.Db, a[5]);
        return new FilterWorld(sub, next, h, p1.Id, p2.Id, p3.Id);
    }

    sealed record MilestoneRow(long Id);
}

public sealed class HouseholdFilterTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<Paged<HouseholdView>> GetAsync(HttpClient c, FilterWorld w, string query)
        => (await c.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={w.Sub}&{query}"))!;

    [Fact]
    public async Task Status_and_project_filters_combine_with_the_area_and_keep_paging()
    {
        var w = await FilterWorld.SeedAsync(app, "540107", "540108", 2566);
        var h = w.H;
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        long[] Ids(Paged<HouseholdView> p) => p.Items.Select(x => x.Id).ToArray();

        // Every row says its status, with no filter too.
        var all = await GetAsync(staff, w, "");
        Assert.Equal(h, Ids(all));
        Assert.Equal(["unallocated", "not_started", "surveyed", "approved", "surveyed", "unallocated", "surveyed"], all.Items.Select(x => x.Status));

        Assert.Equal([h[0], h[5]], Ids(await GetAsync(staff, w, "status=unallocated")));
        Assert.Equal([h[1], h[2], h[3], h[4], h[6]], Ids(await GetAsync(staff, w, "status=allocated")));
        Assert.Equal([h[1]], Ids(await GetAsync(staff, w, "status=not_started")));
        Assert.Equal([h[2], h[4], h[6]], Ids(await GetAsync(staff, w, "status=surveyed")));
        Assert.Equal([h[3]], Ids(await GetAsync(staff, w, "status=approved")));
        Assert.Empty(Ids(await GetAsync(staff, w, "status=completed")));

        var inP1 = await GetAsync(staff, w, $"projectId={w.P1}");
        Assert.Equal([h[1], h[2], h[3], h[6]], Ids(inP1));
        Assert.Equal(["not_started", "surveyed", "approved", "surveyed"], inP1.Items.Select(x => x.Status));
        Assert.Equal([h[2], h[6]], Ids(await GetAsync(staff, w, $"projectId={w.P1}&status=surveyed")));
        Assert.Equal([h[4]], Ids(await GetAsync(staff, w, $"projectId={w.P2}&status=surveyed")));
        Assert.Empty(Ids(await GetAsync(staff, w, $"projectId={w.P2}&status=approved")));
        Assert.Empty(Ids(await GetAsync(staff, w, $"projectId={w.P1}&status=unallocated")));
        Assert.Empty(Ids(await GetAsync(staff, w, $"projectId={w.P3}"))); // a project of another subdistrict

        // Paging over the filtered rows.
        var page2 = await GetAsync(staff, w, $"projectId={w.P1}&page=2&pageSize=3");
        Assert.Equal((4L, 2, 3), (page2.Total, page2.Page, page2.PageSize));
        Assert.Equal([h[6]], Ids(page2));
        var past = await GetAsync(staff, w, $"status=allocated&page=3&pageSize=3");
        Assert.Equal((5L, 0), (past.Total, past.Items.Count));

        // The body search takes them too.
        var body = await (await staff.PostAsJsonAsync("/api/v1/households/search", new { subdistrictCode = w.Sub, status = "surveyed", projectId = w.P1 }))
            .Content.ReadFromJsonAsync<Paged<HouseholdView>>();
        Assert.Equal([h[2], h[6]], Ids(body!));

        var bad = await Seed.ProblemAsync(await staff.GetAsync($"/api/v1/households?status=finished"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("status", out _));
    }

    [Fact]
    public async Task A_project_outside_the_callers_area_finds_nothing()
    {
        var w = await FilterWorld.SeedAsync(app, "540113", "540114", 2567);
        var outsider = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        Assert.Equal(0, (await outsider.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?projectId={w.P1}"))!.Total);
        var otherTreasurer = await app.ClientAsync(Role.Treasurer, subdistricts: [w.Next]);
        Assert.Equal(0, (await otherTreasurer.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?projectId={w.P1}&status=surveyed"))!.Total);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: [w.Sub]);
        Assert.Equal([w.H[2], w.H[6]], (await treasurer.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?projectId={w.P1}&status=surveyed"))!
            .Items.Select(x => x.Id));
    }
}
