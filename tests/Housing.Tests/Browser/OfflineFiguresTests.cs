using System.Diagnostics;
using Housing.Access;
using Housing.Tests.Disbursements;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>The figures issue #14 asks for, printed (and written to screenshots/offline-figures.txt): the payment page's
/// weight on a first load, its time to interactive on a throttled 3G profile, and how long 50 queued entries take to send.</summary>
public sealed class OfflineFiguresTests(BrowserApp app, ITestOutputHelper output) : IClassFixture<BrowserApp>
{
    void Report(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(BrowserApp.ScreenshotDir, "offline-figures.txt"), $"{DateTime.UtcNow:u} {line}\n");
    }

    /// <summary>A context holding a treasurer's sign-in and nothing else: no HTTP cache, no service worker, no kept pages.</summary>
    async Task<IBrowserContext> ColdContextAsync(string baseUrl, string username)
    {
        var warm = await app.SignedInPageAsync(username);
        var cookies = await warm.Context.CookiesAsync();
        await warm.Context.CloseAsync();
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 360, Height = 740 }, Locale = "th-TH", TimezoneId = "Asia/Bangkok",
        });
        await context.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite }));
        context.SetDefaultTimeout(30_000);
        return context;
    }

    [Fact]
    public async Task The_payment_page_weighs_at_most_150_KB_on_a_first_load_and_its_time_to_interactive_on_3G_is_printed()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);

        // Weight: every byte the first visit brings over the wire, the service worker's precache included.
        await using (var context = await ColdContextAsync(app.BaseUrl, user.Username))
        {
            long bytes = 0;
            var names = new List<string>();
            context.RequestFinished += async (_, r) =>
            {
                try
                {
                    var sizes = await r.SizesAsync();
                    Interlocked.Add(ref bytes, sizes.ResponseBodySize + sizes.ResponseHeadersSize);
                    lock (names) names.Add($"{new Uri(r.Url).AbsolutePath} {sizes.ResponseBodySize}");
                }
                catch (PlaywrightException) { } // the context closed meanwhile: an async void handler must not throw
            };
            var page = await context.NewPageAsync();
            await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await Task.Delay(1000); // the service worker's install and precache
            Report($"payment page, first load: {bytes / 1024.0:0.0} KB over {names.Count} requests ({string.Join(", ", names)})");
            Assert.InRange(bytes, 1, 150 * 1024);
        }

        // Time to interactive on 3G: navigation start to the moment the form saves (outbox.js marks it), cold caches.
        await using (var context = await ColdContextAsync(app.BaseUrl, user.Username))
        {
            var page = await context.NewPageAsync();
            var cdp = await context.NewCDPSessionAsync(page);
            await cdp.SendAsync("Network.enable");
            await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
            {
                ["offline"] = false, ["latency"] = 400, ["downloadThroughput"] = 400 * 1000 / 8, ["uploadThroughput"] = 400 * 1000 / 8,
            });
            var clock = Stopwatch.StartNew();
            await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
            await Expect(page.GetByTestId("save-payment")).ToBeEnabledAsync();
            double mark;
            while ((mark = await page.EvaluateAsync<double>("(performance.getEntriesByName('housing-interactive')[0] || { startTime: -1 }).startTime")) < 0)
                await Task.Delay(50);
            var dcl = await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
            Report($"payment page on 3G (400 kbps, 400 ms RTT): DOMContentLoaded {dcl / 1000:0.00} s, interactive {mark / 1000:0.00} s (wall {clock.Elapsed.TotalSeconds:0.00} s)");
            Assert.True(mark > 800, "the throttling took effect"); // two round trips at least
        }
    }

    [Fact]
    public async Task Fifty_entries_queued_offline_are_each_recorded_once_and_the_time_to_send_them_is_printed()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var proxy = new TcpProxy(new Uri(app.BaseUrl));
        await using var _ = proxy;
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        await using var context = await ColdContextAsync(proxy.Url, user.Username);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
        for (var i = 0; !await page.EvaluateAsync<bool>("navigator.serviceWorker.controller !== null"); i++) { Assert.True(i < 100); await Task.Delay(100); }
        await page.ReloadAsync(); // now kept by the service worker

        proxy.Cut();
        for (var i = 1; i <= 50; i++)
        {
            await page.FillAsync("input[name='Input.Amount']", $"{i * 10}");
            await page.GetByTestId("save-payment").ClickAsync();
            await Expect(page.GetByTestId("outbox")).ToContainTextAsync($"รอส่ง {i} รายการ");
            await Expect(page.GetByTestId("save-payment")).Not.ToHaveAttributeAsync("aria-busy", "true");
        }

        proxy.Restore();
        await using var conn = await app.Db.OpenConnectionAsync();
        async Task<List<decimal>> AmountsAsync() =>
            (await Dapper.SqlMapper.QueryAsync<decimal>(conn, "SELECT amount FROM disbursements WHERE allocation_id = @AllocationId ORDER BY id", home)).ToList();
        var clock = Stopwatch.StartNew();
        await page.ReloadAsync(); // a page load starts the sending (as the timer or the online event would)
        // The outbox is hidden in the page as served, until outbox.js has read the queue: "hidden" alone can be the page before
        // that (it was, in CI: 0.26 s and no payment sent). So the time is until the ledger holds them all, and then the outbox is empty.
        while ((await AmountsAsync()).Count < 50 && clock.Elapsed < TimeSpan.FromSeconds(120)) await Task.Delay(20);
        var sent = clock.Elapsed;
        await Expect(page.GetByTestId("outbox")).ToBeHiddenAsync(new() { Timeout = 30_000 });
        Report($"50 queued payments sent in {sent.TotalSeconds:0.00} s from the page load that found the server ({sent.TotalMilliseconds / 50:0} ms each)");

        await Task.Delay(500); // nothing sent twice after the outbox emptied either
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i * 10m), await AmountsAsync()); // each once, in the order saved
    }
}
