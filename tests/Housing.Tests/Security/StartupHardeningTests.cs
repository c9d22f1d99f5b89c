using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Housing.Access;
using Housing.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Housing.Tests.Security;

/// <summary>Issue 12, items 1 and 2: the app as a process, started the way production starts it.</summary>
public sealed class StartupHardeningTests : IDisposable
{
    readonly string dataDir = Path.Combine(Path.GetTempPath(), "housing-prod-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    static Process Start(Dictionary<string, string> env, System.Text.StringBuilder log)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Housing.Web.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment.Remove("Housing__Demo"); // as an operator's shell: the setting not given at all
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine("stderr: " + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public async Task In_production_the_embedded_cluster_gets_the_bootstrap_admin_and_no_demo_data()
    {
        var port = FreePort();
        var log = new System.Text.StringBuilder();
        var p = Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production", ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["ConnectionStrings__Housing"] = "",
            ["Housing__Database__DataDirectory"] = dataDir, ["Housing__BootstrapAdmin__Password"] = "the-operators-own-2569", ["Housing__Jobs__Enabled"] = "false",
        }, log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var until = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                Assert.False(p.HasExited, $"The app exited: {log}");
                Assert.True(DateTime.UtcNow < until, $"Not healthy in time: {log}");
                try { if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
                await Task.Delay(200);
            }
            var demo = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = Demo.DemoData.Password });
            Assert.Equal(HttpStatusCode.Unauthorized, demo.StatusCode);
            var own = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = "the-operators-own-2569" });
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "staff.phrae", password = Demo.DemoData.Password })).StatusCode);
        }
        finally
        {
            // SIGTERM: the app stops its cluster on the way out.
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); }
            // Whatever happened, no cluster is left running: attach to it (if any) and stop it.
            if (File.Exists(Path.Combine(dataDir, "pgdata", "postmaster.pid")))
                await (await EmbeddedPostgres.StartAsync(dataDir, NullLogger.Instance, durable: false)).StopAsync();
        }
    }

    [Fact]
    public async Task A_bootstrap_password_the_policy_refuses_stops_the_start_with_one_line_naming_setting_and_rule()
    {
        var connection = await TestCluster.CreateDatabaseAsync(nameof(StartupHardeningTests));
        var log = new System.Text.StringBuilder();
        var p = Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production", ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}", ["ConnectionStrings__Housing"] = connection,
            ["Housing__BootstrapAdmin__Password"] = "short", ["Housing__Jobs__Enabled"] = "false",
        }, log);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); Assert.Fail($"The app kept running: {log}"); }
        p.WaitForExit(); // the output's last lines
        Assert.Equal(1, p.ExitCode);
        var lines = log.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("stderr: Housing:BootstrapAdmin:Password is refused: The password must be at least 10 characters long.", lines);
        Assert.DoesNotContain("The input is not valid.", log.ToString());
    }

    static IHostEnvironment Env(string name) => new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = name };
    static IConfiguration Config(string? demo) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Housing:Demo"] = demo }).Build();

    [Theory]
    [InlineData(null, "Development", true, true)]   // dotnet run: the launch profile's environment
    [InlineData(null, "Production", true, false)]
    [InlineData(null, "Staging", true, false)]
    [InlineData(null, "Development", false, false)] // a configured server: never by default
    [InlineData("true", "Production", false, true)] // asked for
    [InlineData("false", "Development", true, false)]
    public void Demo_data_only_when_asked_for(string? demo, string environment, bool embedded, bool expected)
        => Assert.Equal(expected, DatabaseStartup.WantsDemo(Config(demo), Env(environment), embedded));

    static string Repo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "Housing.sln"))) dir = dir.Parent!;
        return dir.FullName;
    }

    [Fact]
    public void Compose_needs_the_database_password_from_env_and_git_ignores_env()
    {
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Repo(), ".gitignore")).Select(l => l.Trim()));
        var compose = File.ReadAllText(Path.Combine(Repo(), "docker-compose.yml"));
        Assert.DoesNotContain("POSTGRES_PASSWORD:-", compose); // no known fallback password
        Assert.Matches(@"\$\{POSTGRES_PASSWORD:\?[^}]+\}", compose); // required: compose stops without it
    }

    [Fact]
    public void The_READMEs_first_command_runs_in_Development_so_it_still_shows_demo_data()
    {
        var dir = new DirectoryInfo(Repo());
        var launch = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "src/Housing.Web/Properties/launchSettings.json")));
        var profile = launch.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        Assert.Equal("Development", profile.GetProperty("environmentVariables").GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
    }
}

public sealed class ProxyApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:BehindProxy"] = "true" };
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, PeerAddress>());
}

public sealed class ConfiguredProxyApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:BehindProxy"] = "true", ["Housing:KnownProxies"] = "10.1.2.3, 10.9.0.0/16" };
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, PeerAddress>());
}

/// <summary>Issue 12, also found: X-Forwarded-For only from the proxies one trusts. The address a failed sign-in is
/// counted under shows which address the app believed.</summary>
public sealed class ForwardedForTests(ProxyApp app) : IClassFixture<ProxyApp>
{
    [Fact]
    public async Task A_direct_client_cannot_choose_its_address_and_loopback_proxies_are_trusted_by_default()
    {
        var client = app.Anonymous();
        await client.SendAsync(PeerAddress.SignIn("203.0.113.9", "proxy.direct", "wrong-password", forwardedFor: "198.51.100.7"));
        await client.SendAsync(PeerAddress.SignIn("127.0.0.1", "proxy.loopback", "wrong-password", forwardedFor: "198.51.100.8"));
        Assert.Equal("203.0.113.9", await app.Db.ScalarAsync<string>("SELECT client_address FROM sign_in_failures WHERE username_key = 'proxy.direct'"));
        Assert.Equal("198.51.100.8", await app.Db.ScalarAsync<string>("SELECT client_address FROM sign_in_failures WHERE username_key = 'proxy.loopback'"));
    }
}

public sealed class KnownProxiesTests(ConfiguredProxyApp app) : IClassFixture<ConfiguredProxyApp>
{
    [Theory]
    [InlineData("10.1.2.3", "proxy.listed", "198.51.100.20")]  // a listed address
    [InlineData("10.9.44.5", "proxy.network", "198.51.100.21")] // inside a listed network
    [InlineData("127.0.0.1", "proxy.notlisted", "127.0.0.1")]   // loopback is no longer trusted once proxies are listed
    [InlineData("10.2.0.1", "proxy.outside", "10.2.0.1")]
    public async Task Only_the_configured_proxies_are_believed(string peer, string name, string seen)
    {
        await app.Anonymous().SendAsync(PeerAddress.SignIn(peer, name, "wrong-password", forwardedFor: "198.51.100." + seen.Split('.')[^1]));
        Assert.Equal(seen, await app.Db.ScalarAsync<string>("SELECT client_address FROM sign_in_failures WHERE username_key = @name", new { name }));
    }
}
