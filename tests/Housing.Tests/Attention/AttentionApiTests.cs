using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Housing.Access;
using Housing.Attention;
using Housing.Rollups;

namespace Housing.Tests.Attention;

/// <summary>GET /api/v1/attention and the page within the caller's area; the rollups' count of flags per area.</summary>
public sealed class AttentionApiTests(TestApp app) : IClassFixture<TestApp>
{
    sealed record Item(string Kind, long ProjectId, long? AllocationId, string SubdistrictCode, DateOnly Since, string Detail);

    static DateOnly Today => AttentionSeed.Today;

    /// <summary>A stalled home in Nai Wiang (540101), another in Na Chak (540102), and idle cash in Saraburi (190101).</summary>
    async Task<(long NaiWiang, long NaChak, long Saraburi, long Home)> WorldAsync()
    {
        var seed = new AttentionSeed(app.Db);
        var naiWiang = await seed.ProjectAsync("540101", name: "โครงการในเวียง");
        var naChak = await seed.ProjectAsync("540102", name: "โครงการนาจักร");
        var saraburi = await seed.ProjectAsync("190101", name: "โครงการสระบุรี");
        var (home, _) = await seed.AllocationAsync(naiWiang);
        await seed.StagesAsync(home, 1, 3, Today.AddDays(-80));
        await seed.StagesAsync((await seed.AllocationAsync(naChak)).Allocation, 1, 1, Today.AddDays(-70));
        await seed.TransferAsync(saraburi, 30_000m, Today.AddDays(-65));
        await app.Get<AttentionRefresh>().RecomputeAllAsync();
        return (naiWiang, naChak, saraburi, home);
    }

    [Fact]
    public async Task Each_caller_gets_the_flags_of_its_own_area_only_and_another_province_is_a_404()
    {
        var w = await WorldAsync();
        async Task<List<Item>> GetAsync(HttpClient c, string query = "") => (await c.GetFromJsonAsync<List<Item>>("/api/v1/attention" + query))!;

        var admin = await GetAsync(await app.ClientAsync(Role.Admin));
        Assert.Equal([(Kinds.Stalled, w.NaiWiang), (Kinds.Stalled, w.NaChak), (Kinds.CashIdle, w.Saraburi)],
            admin.Where(i => i.ProjectId is var p && (p == w.NaiWiang || p == w.NaChak || p == w.Saraburi)).Select(i => (i.Kind, i.ProjectId)));
        var home = admin.Single(i => i.ProjectId == w.NaiWiang);
        Assert.Equal(new Item(Kinds.Stalled, w.NaiWiang, w.Home, "540101", Today.AddDays(-80), "ไม่คืบหน้า 80 วัน (ขั้นล่าสุด: จัดซื้อวัสดุ)"), home);

        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        Assert.All(await GetAsync(staff), i => Assert.StartsWith("54", i.SubdistrictCode));
        Assert.Equal(2, (await GetAsync(staff, "?provinceCode=54&kind=stalled")).Count(i => i.ProjectId == w.NaiWiang || i.ProjectId == w.NaChak));
        Assert.Empty(await GetAsync(staff, "?kind=cash_idle"));
        var refused = await staff.GetAsync("/api/v1/attention?provinceCode=19");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/attention?kind=lost")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/attention?provinceCode=5")).StatusCode);

        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]);
        var own = await GetAsync(treasurer, "?provinceCode=54");
        Assert.Contains(own, i => i.ProjectId == w.NaChak);
        Assert.All(own, i => Assert.Equal("540102", i.SubdistrictCode));
        var viewer = await app.ClientAsync(Role.Viewer, provinces: ["19"]);
        Assert.Equal([(Kinds.CashIdle, w.Saraburi)], (await GetAsync(viewer)).Where(i => i.ProjectId == w.Saraburi).Select(i => (i.Kind, i.ProjectId)));
        Assert.All(await GetAsync(viewer), i => Assert.StartsWith("19", i.SubdistrictCode));

        var english = await app.ClientAsync(Role.Viewer, provinces: ["19"]);
        english.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        Assert.Equal("30,000.00 baht on hand, nothing paid for 65 days", (await GetAsync(english, "?kind=cash_idle")).Single(i => i.ProjectId == w.Saraburi).Detail);
    }

    [Fact]
    public async Task The_page_groups_the_area_by_district_with_links_and_Buddhist_Era_dates_and_the_home_page_shows_the_count_and_the_oldest()
    {
        var w = await WorldAsync();
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var page = await treasurer.GetStringAsync("/Attention");
        Assert.Contains("ต้องติดตาม", page);
        Assert.Contains($"href=\"/Milestones/{w.Home}\"", page);
        Assert.Contains(Thai.Date(Today.AddDays(-80), Thai.ThaiCulture), page);
        Assert.Contains("data-district=\"5401\"", page);
        Assert.DoesNotContain("โครงการนาจักร", page);
        Assert.DoesNotContain("โครงการสระบุรี", page);

        var viewer = await app.ClientAsync(Role.Viewer, provinces: ["19"]);
        var saraburi = await viewer.GetStringAsync("/Attention");
        Assert.Contains($"href=\"/Ledgers/Project/{w.Saraburi}\"", saraburi);
        Assert.DoesNotContain("<form", saraburi.Split("<main")[^1].Split("</main>")[0]); // read only
        var home = await treasurer.GetStringAsync("/");
        var mine = await app.Db.CountAsync("attention_flags", "subdistrict_code = '540101'");
        Assert.Contains($"data-testid=\"attention-count\">{mine}<", home);
        Assert.Equal(Math.Min(3, mine), System.Text.RegularExpressions.Regex.Matches(home, "data-testid=\"attention-oldest\"").Count);
    }

    [Fact]
    public async Task The_rollups_carry_the_count_of_flags_per_area()
    {
        var w = await WorldAsync();
        var rollups = app.Get<RollupService>();
        await rollups.RecomputeAllAsync();
        var year = Thai.FiscalYear(Today) + 1;
        var flags = (await app.Get<AttentionService>().ListAsync(Caller.System, new AttentionQuery(FiscalYear: year, Program: "BPP"))).ToList();
        var phrae = (await rollups.ListAsync(Caller.System, new RollupQuery(year, "BPP", Levels.Province, null))).Single(r => r.Code == "54");
        Assert.Equal(flags.Count(f => f.SubdistrictCode.StartsWith("54", StringComparison.Ordinal)), phrae.AttentionFlags);
        Assert.True(phrae.AttentionFlags >= 2);
        var projects = await rollups.ListAsync(Caller.System, new RollupQuery(year, "BPP", Levels.Project, "540101"));
        Assert.Equal(flags.Count(f => f.ProjectId == w.NaiWiang), projects.Single(r => r.Code == w.NaiWiang.ToString()).AttentionFlags);
        var district = (await rollups.ListAsync(Caller.System, new RollupQuery(year, "BPP", Levels.District, "54"))).Single(r => r.Code == "5401");
        Assert.Equal(flags.Count(f => f.SubdistrictCode.StartsWith("5401", StringComparison.Ordinal)), district.AttentionFlags);
        var national = (await rollups.ListAsync(Caller.System, new RollupQuery(year, "BPP", Levels.National, null))).Single();
        Assert.Equal(flags.Count, national.AttentionFlags);
        var staff = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["19"]);
        Assert.Equal(flags.Count(f => f.SubdistrictCode.StartsWith("19", StringComparison.Ordinal)),
            (await rollups.ListAsync(staff, new RollupQuery(year, "BPP", Levels.National, null))).Single().AttentionFlags);
    }

    sealed record Flagged(string Code, int AttentionFlags);

    /// <summary>Each row of the page's table (of "current" or "children") with what its flags' cell holds.</summary>
    static List<(string Code, string Flags)> FlagCells(string html, string table) =>
        Regex.Matches(Regex.Match(html, $"<table data-testid=\"{table}\">.*?</table>", RegexOptions.Singleline).Value,
                "<tr data-code=\"(\\w+)\">.*?<td class=\"num\" data-testid=\"flags\">\\s*(.*?)\\s*</td>", RegexOptions.Singleline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    [Fact]
    public async Task The_rollup_page_shows_each_areas_count_of_flags_and_a_province_links_to_its_flags()
    {
        await WorldAsync();
        await app.Get<RollupService>().RecomputeAllAsync();
        var year = Thai.FiscalYear(Today) + 1;
        var admin = await app.ClientAsync(Role.Admin);
        async Task<List<Flagged>> RollupsAsync(string query) =>
            (await admin.GetFromJsonAsync<List<Flagged>>($"/api/v1/rollups?fiscalYear={year}&program=BPP&{query}"))!;

        var national = await admin.GetStringAsync($"/Rollups?fiscalYear={year}&program=BPP");
        Assert.Contains("<th class=\"num\">ต้องติดตาม (รายการ)</th>", national);
        Assert.Equal(new[] { ("TH", Thai.Number((await RollupsAsync("level=national")).Single().AttentionFlags)) }, FlagCells(national, "current"));
        var provinces = await RollupsAsync("level=province");
        Assert.True(provinces.Single(p => p.Code == "54").AttentionFlags >= 2);
        Assert.Equal(provinces.Select(p => (p.Code, $"<a href=\"/Attention?provinceCode={p.Code}\">{Thai.Number(p.AttentionFlags)}</a>")),
            FlagCells(national, "children"));

        var phrae = await admin.GetStringAsync($"/Rollups/province/54?fiscalYear={year}&program=BPP&culture=en-GB");
        Assert.Contains("<th class=\"num\">Flags needing attention</th>", phrae);
        Assert.Equal((await RollupsAsync("level=district&parent=54")).Select(d => (d.Code, Thai.Number(d.AttentionFlags))), FlagCells(phrae, "children"));
        // The link's page lists that province's flags only.
        var flags = await admin.GetStringAsync("/Attention?provinceCode=54");
        Assert.NotEmpty(Regex.Matches(flags, "data-district=\"(\\d+)\""));
        Assert.All(Regex.Matches(flags, "data-district=\"(\\d+)\""), m => Assert.StartsWith("54", m.Groups[1].Value));
    }

    [Fact]
    public async Task The_answer_is_one_page_oldest_first_with_the_total_and_a_link_to_the_next_page()
    {
        var seed = new AttentionSeed(app.Db);
        var project = await seed.ProjectAsync("540105", name: "โครงการทุ่งโฮ้ง");
        var homes = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var (home, _) = await seed.AllocationAsync(project);
            await seed.StagesAsync(home, 1, 1, Today.AddDays(-100 + i)); // oldest first: in the order made
            homes.Add(home);
        }
        await app.Get<AttentionRefresh>().RecomputeAllAsync();
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540105"]);

        var seen = new List<long?>();
        var links = new List<string?>();
        for (var page = 1; page <= 3; page++)
        {
            using var answer = await treasurer.GetAsync($"/api/v1/attention?kind=stalled&page={page}&pageSize=2");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("5", answer.Headers.GetValues("X-Total-Count").Single());
            links.Add(answer.Headers.TryGetValues("Link", out var link) ? link.Single() : null);
            seen.AddRange((await answer.Content.ReadFromJsonAsync<List<Item>>())!.Select(i => i.AllocationId));
        }
        Assert.Equal(homes.Cast<long?>(), seen);
        Assert.Equal(["</api/v1/attention?kind=stalled&page=2&pageSize=2>; rel=\"next\"",
            "</api/v1/attention?kind=stalled&page=3&pageSize=2>; rel=\"next\"", null], links);
        Assert.Equal(5, (await treasurer.GetFromJsonAsync<List<Item>>("/api/v1/attention"))!.Count); // the default page holds them all

        foreach (var bad in new[] { "page=0", "pageSize=0", "pageSize=5001", "page=100001" })
        {
            using var refused = await treasurer.GetAsync("/api/v1/attention?" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        }
    }
}
