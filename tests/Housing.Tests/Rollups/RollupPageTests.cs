using System.Net;
using Housing.Access;
using Housing.Rollups;

namespace Housing.Tests.Rollups;

/// <summary>The drill-down pages, read as HTML: bars for each child, figures, filters, the as-of time, the export link.</summary>
public sealed class RollupPageTests(TestApp app) : IClassFixture<TestApp>
{
    async Task SeedAsync(int year)
    {
        await new RollupSeed(app.Db, year).PhraeAsync();
        await app.Get<RollupService>().RecomputeAllAsync();
    }

    [Fact]
    public async Task The_national_page_lists_provinces_with_bars_and_links_down_to_a_project()
    {
        await SeedAsync(2575);
        var client = await app.ClientAsync(Role.Viewer);
        var html = await client.GetStringAsync("/Rollups?fiscalYear=2575&program=BPP&culture=en-GB");
        Assert.Contains("data-testid=\"spend-chart\"", html);
        Assert.Contains("<g data-code=\"54\">", html);
        Assert.Contains("<g data-code=\"19\">", html);
        Assert.Contains("href=\"/Rollups/province/54?fiscalYear=2575&amp;program=BPP\"", html);
        Assert.Contains("data-testid=\"as-of\"", html);
        Assert.Contains("href=\"/api/v1/exports/rollup.xlsx?fiscalYear=2575&amp;program=BPP\"", html);

        var district = await client.GetStringAsync("/Rollups/district/5401?fiscalYear=2575&program=BPP&culture=en-GB");
        Assert.Contains("Phrae", district); // crumb
        Assert.Contains("provinceCode=54", district);
        var subdistrict = await client.GetStringAsync("/Rollups/subdistrict/540101?fiscalYear=2575&program=BPP&culture=en-GB");
        Assert.Matches("href=\"/Rollups/project/\\d+\\?fiscalYear=2575", subdistrict);
        Assert.Contains("125,400.00 baht", subdistrict); // 6 homes × 20,900
    }

    [Fact]
    public async Task The_province_page_shows_its_figures_and_a_58_percent_paid_bar()
    {
        await SeedAsync(2576);
        var client = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var html = await client.GetStringAsync("/Rollups/province/54?fiscalYear=2576&program=BPP&culture=en-GB");
        Assert.Contains("1,358,500.00 baht", html);
        Assert.Contains("788,900.00 baht", html);
        Assert.Contains("58.1 %", html);
        Assert.Contains("width=\"168.5\" height=\"11\" class=\"paid\"", html); // 58.1 % of a 290-wide track
        Assert.DoesNotContain("data-testid=\"refresh\"", html); // "recompute all" is the admins' button (#14)
        var other = await client.GetAsync("/Rollups/province/19?fiscalYear=2576&program=BPP");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task The_jobs_page_shows_next_fire_times_and_run_now_to_admins_and_staff_not_viewers()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var html = await admin.GetStringAsync("/Jobs?culture=en-GB");
        Assert.Contains("data-job=\"rollups.full\"", html);
        Assert.Contains("data-job=\"rollups.incremental\"", html);
        Assert.Contains("Run now", html);
        var viewer = await app.ClientAsync(Role.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/Jobs")).StatusCode);
    }
}
