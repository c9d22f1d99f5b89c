using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class SavingsApiTests(MankongApp app) : IClassFixture<MankongApp>
{
    [Fact]
    public async Task A_treasurer_reports_one_balance_a_month_and_the_list_is_oldest_first()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var url = $"/api/v1/projects/{projectId}/savings";

        var march = await treasurer.PostAsJsonAsync(url, new { month = "2026-03", balance = 54_600.00m, members = 182 });
        var january = await treasurer.PostAsJsonAsync(url, new { month = "2026-01", balance = 36_400.50m, members = 180 });
        var february = await treasurer.PostAsJsonAsync(url, new { month = "2026-02", balance = 45_500m, members = 181 });
        var again = await treasurer.PostAsJsonAsync(url, new { month = "2026-03", balance = 1m, members = 1 });

        Assert.Equal(new SavingsView("2026-03", 54_600.00m, 182), await Seed.CreatedAsync<SavingsView>(march));
        Assert.Equal(HttpStatusCode.Created, january.StatusCode);
        Assert.Equal(HttpStatusCode.Created, february.StatusCode);
        var problem = await Seed.ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Contains("2026-03", problem.GetProperty("detail").GetString());
        var list = await (await treasurer.GetAsync(url)).Content.ReadFromJsonAsync<List<SavingsView>>();
        Assert.Equal([new("2026-01", 36_400.50m, 180), new("2026-02", 45_500.00m, 181), new("2026-03", 54_600.00m, 182)], list);
        Assert.Equal(3, await app.Db.CountAsync("audit_log", "action = 'savings.record' AND entity_id = @id", new { id = projectId.ToString() }));
    }

    [Fact]
    public async Task A_project_of_another_program_is_a_400_and_nothing_is_written()
    {
        var projectId = await MankongSeed.ProjectAsync(app.Db, program: "BPP");
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var post = await treasurer.PostAsJsonAsync($"/api/v1/projects/{projectId}/savings", new { month = "2026-01", balance = 100m, members = 3 });
        var get = await treasurer.GetAsync($"/api/v1/projects/{projectId}/savings");
        var problem = await Seed.ProblemAsync(post, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("projectId", out _));
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("savings_reports", "project_id = @projectId", new { projectId }));
    }

    [Fact]
    public async Task Treasurers_of_the_subdistrict_report_and_staff_and_viewers_of_the_province_read()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db);
        var url = $"/api/v1/projects/{projectId}/savings";
        var body = new { month = "2026-04", balance = 1000m, members = 10 };
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var viewer = await app.ClientAsync(Role.Viewer, provinces: ["54"]);
        var otherTreasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]);
        var otherViewer = await app.ClientAsync(Role.Viewer, provinces: ["19"]);

        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsJsonAsync(url, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync(url, body)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherTreasurer.PostAsJsonAsync(url, body)).StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("savings_reports", "project_id = @projectId", new { projectId }));

        Assert.Equal(HttpStatusCode.Created, (await (await app.ClientAsync(Role.Admin)).PostAsJsonAsync(url, body)).StatusCode);
        Assert.Single((await staff.GetFromJsonAsync<List<SavingsView>>(url))!);
        Assert.Single((await viewer.GetFromJsonAsync<List<SavingsView>>(url))!);
        Assert.Equal(HttpStatusCode.NotFound, (await otherTreasurer.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherViewer.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task A_bad_month_a_future_month_a_negative_balance_or_no_members_is_a_400()
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var url = $"/api/v1/projects/{projectId}/savings";

        var bad = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync(url, new { month = "2026-13", balance = -1m, members = 0 }), HttpStatusCode.BadRequest);
        var future = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync(url, new { month = "2026-07", balance = 10m, members = 2 }), HttpStatusCode.BadRequest);
        var thisMonth = await treasurer.PostAsJsonAsync(url, new { month = "2026-06", balance = 0m, members = 2 });

        Assert.Equal(["balance", "members", "month"], bad.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(["month"], future.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.Created, thisMonth.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("savings_reports", "project_id = @projectId", new { projectId }));
    }
}
