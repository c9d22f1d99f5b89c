using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Housing.Access;
using Housing.Rollups;
using Housing.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Rollups;

/// <summary>A provincial officer on a phone: drills from the nation to a project, downloads the workbook, asks for a recompute, prints.</summary>
public sealed class RollupBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Staff_drill_down_to_a_project_download_the_workbook_and_print_the_bars()
    {
        var s = await new RollupSeed(app.Db, 2580).PhraeAsync();
        await app.Get<RollupService>().RecomputeAllAsync();
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var page = await app.SignedInPageAsync(user.Username);

        await page.GotoAsync("/Rollups?fiscalYear=2580&program=BPP");
        await Expect(page.GetByTestId("spend-chart").First).ToBeVisibleAsync();
        await page.GetByTestId("children").GetByRole(AriaRole.Link, new() { Name = "แพร่" }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("แพร่");
        await Expect(page.GetByTestId("current")).ToContainTextAsync("788,900.00 บาท");
        await page.GetByTestId("children").GetByRole(AriaRole.Link).First.ClickAsync();
        await page.GetByTestId("children").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/Rollups/subdistrict/{s.Subdistricts[0]}"));
        await page.GetByTestId("children").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Rollups/project/\\d+"));
        await Expect(page.Locator("nav.crumbs a")).ToHaveCountAsync(4);
        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await BrowserApp.ScreenshotAsync(page, "rollup-project-th-360");

        await page.GotoAsync("/Rollups/province/54?fiscalYear=2580&program=BPP");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export").ClickAsync());
        Assert.Equal("rollup-2580-BPP-54.xlsx", download.SuggestedFilename);
        var path = await download.PathAsync();
        using (var doc = SpreadsheetDocument.Open(path, false))
            Assert.Empty(new OpenXmlValidator().Validate(doc));

        await Expect(page.GetByTestId("refresh")).ToHaveCountAsync(0); // "recompute all" is the admins' button, not staff's (#14)

        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.GetByTestId("spend-chart").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("export")).ToBeHiddenAsync();
        await BrowserApp.ScreenshotAsync(page, "rollup-province-print");
    }

    sealed class Label
    {
        public string Chart { get; set; } = "";
        public string Text { get; set; } = "";
        public double Computed { get; set; }
        public double Rendered { get; set; }
    }

    [Fact]
    public async Task Every_chart_label_is_at_least_12_px_on_a_360_px_phone_inside_its_chart_and_clear_of_the_others()
    {
        await new RollupSeed(app.Db, 2581).PhraeAsync();
        await app.Get<RollupService>().RecomputeAllAsync();
        var page = await app.SignedInAsAsync(Role.ProvincialStaff, provinces: ["54"]); // 360 × 740

        foreach (var (url, lang) in new[] { ("/Rollups?fiscalYear=2581&program=BPP", "th"), ("/Rollups/province/54?fiscalYear=2581&program=BPP", "th"),
                     ("/Rollups/province/54?fiscalYear=2581&program=BPP", "en") })
        {
            if (lang == "en")
            {
                await page.GetByTestId("lang-en").ClickAsync();
                await Expect(page.GetByTestId("monthly-chart")).ToContainTextAsync("Disbursed");
            }
            await page.GotoAsync(url);
            await Expect(page.GetByTestId("monthly-chart")).ToBeVisibleAsync();
            // The SVG is scaled to the phone's width: what a reader sees is the computed size times the chart's scale on screen.
            var labels = await page.EvaluateAsync<Label[]>("""
                [...document.querySelectorAll('[data-testid=spend-chart] text, [data-testid=monthly-chart] text')].map(t => {
                  const px = parseFloat(getComputedStyle(t).fontSize);
                  return { chart: t.ownerSVGElement.dataset.testid, text: t.textContent, computed: px, rendered: px * t.ownerSVGElement.getScreenCTM().a };
                })
                """);
            Assert.Contains(labels, l => l.Chart == "spend-chart");
            Assert.Contains(labels, l => l.Chart == "monthly-chart");
            Assert.All(labels, l => Assert.True(l.Computed >= 12 && l.Rendered >= 12, $"{url} {l.Chart} '{l.Text}': {l.Computed} px, {l.Rendered:0.0} px on screen"));
            // No label runs past its chart; the month-by-month chart's labels (legend, scale, months) keep clear of each other.
            // (A text's box is its font's whole line, taller than its letters: the bars' rows sit closer than that and do not clash.)
            var clashes = await page.EvaluateAsync<string[]>("""
                [...document.querySelectorAll('[data-testid=spend-chart], [data-testid=monthly-chart]')].flatMap(svg => {
                  const box = svg.getBoundingClientRect(), texts = [...svg.querySelectorAll('text')], out = [];
                  const r = texts.map(t => t.getBoundingClientRect());
                  texts.forEach((t, i) => {
                    if (r[i].left < box.left - 0.5 || r[i].right > box.right + 0.5) out.push(`'${t.textContent}' leaves the chart`);
                    for (let j = i + 1; svg.dataset.testid === 'monthly-chart' && j < texts.length; j++)
                      if (r[i].left < r[j].right - 0.5 && r[j].left < r[i].right - 0.5 && r[i].top < r[j].bottom - 0.5 && r[j].top < r[i].bottom - 0.5)
                        out.push(`'${t.textContent}' overlaps '${texts[j].textContent}'`);
                  });
                  return out;
                })
                """);
            Assert.True(clashes.Length == 0, $"{url} ({lang}): {string.Join("; ", clashes)}");
            Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await BrowserApp.ScreenshotAsync(page, $"rollup-chart-labels-{lang}-360");
        }
    }
}
