using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Housing.Tests.Browser;

/// <summary>
/// The real app on a loopback Kestrel port, and Debian's Chromium driven by Playwright .NET (it cannot
/// download its own browser here). One browser per test class; each test opens its own context.
/// Screenshots go to tests/Housing.Tests/bin/.../screenshots.
/// </summary>
public class BrowserApp : TestApp
{
    public const string ChromiumPath = "/usr/bin/chromium";
    IPlaywright? playwright;
    IBrowser? browser;

    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser => browser ?? throw new InvalidOperationException("not started");
    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    protected override void Start(WebApplicationFactory<Program> app)
    {
        // A free loopback port: UseKestrel(0) leaves the default (5000), which two browser classes running at once both take.
        app.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").Replace("localhost", "127.0.0.1");
        app.ClientOptions.BaseAddress = new Uri(BaseUrl); // the API clients of a browser test talk to the same server
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Browser tests need Debian's Chromium at {ChromiumPath}: apt-get install chromium fonts-thai-tlwg (.ci/run does).");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a container needs no-sandbox; the rest keep Chromium off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    /// <summary>A fresh browser context (no cookies) and page. Phone-sized by default (360 × 740).</summary>
    public async Task<IPage> NewPageAsync(int width = 360, int height = 740)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, Locale = "th-TH", TimezoneId = "Asia/Bangkok",
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the sign-in page as a user made for the test.</summary>
    public async Task<IPage> SignedInPageAsync(string username, string password = Password, int width = 360, int height = 740)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync("/Access/SignIn");
        await page.FillAsync("input[name=username]", username);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("form.stack button[type=submit]");
        await Assertions.Expect(page.GetByTestId("who")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Signs in as a new user of the role and area, made for the test.</summary>
    public async Task<IPage> SignedInAsAsync(Housing.Access.Role role, string[]? provinces = null, string[]? subdistricts = null, int width = 360, int height = 740)
        => await SignedInPageAsync((await CreateUserAsync(role, provinces, subdistricts)).Username, width: width, height: height);

    public static Task ScreenshotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    public override async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        await base.DisposeAsync();
    }
}
