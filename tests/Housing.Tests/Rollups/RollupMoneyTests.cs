using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Housing.Access;
using Housing.Rollups;

namespace Housing.Tests.Rollups;

/// <summary>Money received and cash on hand at every level, month by month, on the page and in the workbook; the page opens on
/// the latest fiscal year with data. Phrae's BPP round in FY 2566 with CODI's transfers in November and January.</summary>
public sealed class RollupMoneyTests(RollupMoneyTests.App app) : IClassFixture<RollupMoneyTests.App>, IAsyncLifetime
{
    public sealed class App : TestApp
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Jobs:Enabled"] = "false" };
        public PhraeScenario? Phrae;
        public readonly SemaphoreSlim Once = new(1);
    }

    const int Year = 2566;

    public async Task InitializeAsync()
    {
        await app.Once.WaitAsync();
        try
        {
            if (app.Phrae is not null) return;
            var seed = new RollupSeed(app.Db, Year);
            app.Phrae = await seed.PhraeAsync();
            await using (var conn = await app.Db.OpenConnectionAsync())
                // Each project's whole amount: the second project's in January, the others' in November (FY 2566 runs Oct 2565 – Sep 2566).
                await conn.ExecuteAsync("""
                    INSERT INTO transfers (project_id, amount, received_on, reference)
                    SELECT id, amount, CASE WHEN id = @second THEN DATE '2023-01-10' ELSE DATE '2022-11-15' END, 'CODI-' || id FROM projects WHERE id = ANY(@ids)
                    """, new { ids = app.Phrae.Projects.ToArray(), second = app.Phrae.Projects[1] });
            // A later year with a budget and nothing else: the page should not open on it.
            await new RollupSeed(app.Db, Year + 2).BudgetAsync("BPP", "54", 10, 200_000m);
            await app.Get<RollupService>().RecomputeAllAsync();
        }
        finally { app.Once.Release(); }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    static string N(decimal d) => d.ToString("#,##0.00", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Rollup_rows_carry_money_received_cash_on_hand_and_their_parents_name()
    {
        var client = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var province = (await client.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={Year}&program=BPP&level=province"))!.Single();
        Assert.Equal((1_358_500m, 788_900m, 569_600m, "ประเทศไทย"), (province.Received, province.Disbursed, province.CashOnHand, province.ParentNameTh));
        var json = await client.GetStringAsync($"/api/v1/rollups?fiscalYear={Year}&program=BPP&level=province");
        Assert.Contains("\"received\":1358500", json);
        Assert.Contains("\"cashOnHand\":569600", json);

        var districts = (await client.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={Year}&program=BPP&level=district&parent=54"))!;
        Assert.Equal(1_358_500m, districts.Sum(d => d.Received));
        Assert.All(districts, d => Assert.Equal(("แพร่", "Phrae"), (d.ParentNameTh, d.ParentNameEn)));
        var projects = (await client.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={Year}&program=BPP&level=project&parent={app.Phrae!.Subdistricts[1]}"))!;
        Assert.Equal(125_400m, projects.Single().Received);
        Assert.NotNull(projects.Single().ParentNameTh);
        // A staff member of another province sees a nation made of its own provinces: nothing received in Phrae.
        var saraburi = await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]);
        var nation = (await saraburi.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={Year}&program=BPP"))!.Single();
        Assert.Equal((0m, 62_500m, -62_500m), (nation.Received, nation.Disbursed, nation.CashOnHand));
    }

    [Fact]
    public async Task The_monthly_rollup_is_cumulative_over_the_fiscal_year_oldest_first()
    {
        var client = await app.ClientAsync(Role.Viewer, provinces: ["54"]);
        var months = (await client.GetFromJsonAsync<List<RollupMonth>>($"/api/v1/rollups/monthly?fiscalYear={Year}&program=BPP&code=54"))!;

        Assert.Equal(12, months.Count);
        Assert.Equal(["2022-10", "2022-11", "2022-12", "2023-01"], months.Take(4).Select(m => m.Month));
        Assert.Equal("2023-09", months[^1].Month);
        // Payments and stages dated before October count in October; the transfers in November and January.
        Assert.Equal(new RollupMonth("2022-10", 0m, 788_900m, 16), months[0]);
        Assert.Equal(new RollupMonth("2022-11", 1_233_100m, 788_900m, 16), months[1]);
        Assert.Equal(new RollupMonth("2022-12", 1_233_100m, 788_900m, 16), months[2]);
        Assert.Equal(new RollupMonth("2023-01", 1_358_500m, 788_900m, 16), months[3]);
        Assert.Equal(new RollupMonth("2023-09", 1_358_500m, 788_900m, 16), months[^1]);

        var project = (await client.GetFromJsonAsync<List<RollupMonth>>($"/api/v1/rollups/monthly?fiscalYear={Year}&program=BPP&code={app.Phrae!.Projects[1]}&level=project"))!;
        Assert.Equal((0m, 125_400m), (project[2].Received, project[3].Received));
        var subdistrict = (await client.GetFromJsonAsync<List<RollupMonth>>($"/api/v1/rollups/monthly?fiscalYear={Year}&program=BPP&code={app.Phrae.Subdistricts[1]}"))!;
        Assert.Equal(project.Select(m => m.Received), subdistrict.Select(m => m.Received));

        var outsider = await app.ClientAsync(Role.Viewer, provinces: ["19"]);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/rollups/monthly?fiscalYear={Year}&program=BPP&code=54")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/rollups/monthly?fiscalYear={Year}&code={app.Phrae.Projects[1]}&level=project")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/rollups/monthly?fiscalYear={Year}&code=x1")).StatusCode);
    }

    [Fact]
    public async Task The_page_opens_on_the_latest_year_with_data_and_draws_received_cash_and_the_cumulative_chart()
    {
        var client = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);

        var html = await client.GetStringAsync("/Rollups");

        Assert.Contains($"<option value=\"{Year}\" selected=\"selected\">", html);
        var province = await client.GetStringAsync($"/Rollups/province/54?fiscalYear={Year}&program=BPP");
        Assert.Contains("data-testid=\"monthly-chart\"", province);
        Assert.Contains("font-size=\"14\"", province); // 14 of 360 units: 12 px or more on a 310 px wide chart
        Assert.Contains("<polyline", province);
        Assert.Contains("ต.ค. 65", WebUtility.HtmlDecode(province));
        var current = Regex.Match(province, "<table data-testid=\"current\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains("<td class=\"num\" data-testid=\"received\">1,358,500.00 บาท</td><td class=\"num\" data-testid=\"cash\">569,600.00 บาท</td>", current);
    }

    [Fact]
    public async Task Asked_no_year_or_program_the_page_opens_on_the_program_with_homes_in_the_latest_year_not_an_empty_one()
    {
        // Nan: Baan Por Piang homes in FY 2566; in FY 2567 one Baan Mankong home and a Baan Por Piang budget with nothing yet.
        var earlier = new RollupSeed(app.Db, Year);
        var subdistrict = (await earlier.SubdistrictsAsync("55", 1)).Single();
        var bpp = await earlier.ProjectAsync(await earlier.BudgetAsync("BPP", "55", 5, 104_500m), subdistrict, 5, 104_500m);
        await earlier.PayAsync(await earlier.AllocationAsync(bpp, 20_900m), 10_000m);
        var later = new RollupSeed(app.Db, Year + 1);
        await later.BudgetAsync("BPP", "55", 10, 209_000m);
        await later.AllocationAsync(await later.ProjectAsync(await later.BudgetAsync("BMK", "55", 20, 800_000m), subdistrict, 20, 800_000m), 40_000m);
        await app.Get<RollupService>().RecomputeAllAsync();
        var client = await app.ClientAsync(Role.ProvincialStaff, provinces: ["55"]);
        string Scope(string html) => Regex.Replace(WebUtility.HtmlDecode(Regex.Match(html, "data-testid=\"scope\">(.*?)<", RegexOptions.Singleline).Groups[1].Value), @"\s+", " ").Trim();
        string Current(string html) => Regex.Match(html, "<table data-testid=\"current\">.*?</table>", RegexOptions.Singleline).Value;

        var html = await client.GetStringAsync("/Rollups");

        Assert.Equal($"ประเทศ · ปีงบประมาณ {Year + 1} · บ้านมั่นคง", Scope(html));
        Assert.Contains($"<option value=\"{Year + 1}\" selected=\"selected\">", html);
        Assert.Contains("<option value=\"BMK\" selected=\"selected\">", html);
        Assert.Matches("<td>บ้านมั่นคง</td>\\s*<td class=\"num\">20</td><td class=\"num\">800,000.00 บาท</td>\\s*<td class=\"num\">1</td><td class=\"num\">40,000.00 บาท</td>", Current(html));
        // Asked for Baan Por Piang: its latest year with homes, not its empty FY 2567; asked for a year: Baan Por Piang's, empty or not.
        var bppPage = await client.GetStringAsync("/Rollups?program=BPP");
        Assert.Equal($"ประเทศ · ปีงบประมาณ {Year} · บ้านพอเพียง", Scope(bppPage));
        Assert.Matches("<td>บ้านพอเพียง</td>\\s*<td class=\"num\">5</td><td class=\"num\">104,500.00 บาท</td>\\s*<td class=\"num\">1</td><td class=\"num\">20,900.00 บาท</td>", Current(bppPage));
        Assert.Equal($"ประเทศ · ปีงบประมาณ {Year + 1} · บ้านพอเพียง", Scope(await client.GetStringAsync($"/Rollups?fiscalYear={Year + 1}")));
        // Phrae has both programs in FY 2566: Baan Por Piang, the page's default.
        var phrae = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        Assert.Equal($"ประเทศ · ปีงบประมาณ {Year} · บ้านพอเพียง", Scope(await phrae.GetStringAsync("/Rollups")));
    }

    [Fact]
    public async Task The_workbook_and_the_page_read_the_same_figures_with_English_and_parent_names()
    {
        var client = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var page = await client.GetStringAsync($"/Rollups/province/54?fiscalYear={Year}&program=BPP");
        var response = await client.GetAsync($"/api/v1/exports/rollup.xlsx?fiscalYear={Year}&program=BPP&provinceCode=54");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var book = await LibreOffice.ReadAsync(await response.Content.ReadAsByteArrayAsync());

        var province = book["จังหวัด Province"];
        Assert.Equal(["Received from CODI (baht)", "Cash on hand (baht)"], province[1][16..18]);
        Assert.Equal(["1,358,500.00", "569,600.00"], province[2][16..18]);
        string PageFigure(string testId) => Regex.Match(Regex.Match(page, "<table data-testid=\"current\">.*?</table>", RegexOptions.Singleline).Value,
            $"data-testid=\"{testId}\">([0-9,.-]+) บาท").Groups[1].Value;
        Assert.Equal((PageFigure("received"), PageFigure("cash")), (province[2][16], province[2][17]));
        var districts = book["อำเภอ District"];
        Assert.Equal(["1,358,500.00", "569,600.00"], districts[^1][16..18]); // SUMs computed by LibreOffice
        var subdistricts = book["ตำบล Subdistrict"];
        Assert.All(subdistricts.Skip(2).SkipLast(1), s => Assert.Matches("^[A-Z][A-Za-z .'-]+$", s[2])); // English names
        Assert.All(subdistricts.Skip(2).SkipLast(1), s => Assert.NotEqual("", s[4])); // the district is named
        var projects = book["โครงการ Project"];
        Assert.All(projects.Skip(2).SkipLast(1), p => Assert.Equal(("", true), (p[2], p[4].Length > 0)));
        Assert.Equal("1,358,500.00", projects[^1][16]);
    }
}
