using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Housing.Tests.Faults;

/// <summary>The real app as a separate process (dotnet Housing.Web.dll), so a test can kill it with SIGKILL.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    readonly Process process;
    public string BaseUrl { get; }
    /// <summary>The process id, which the instance's name in <c>job_runs</c> holds.</summary>
    public int Pid => process.Id;
    public System.Text.StringBuilder Log { get; } = new();

    AppProcess(Process process, string baseUrl) { this.process = process; BaseUrl = baseUrl; }

    public static async Task<AppProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Housing.Web.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment =
            {
                ["ConnectionStrings__Housing"] = TestCluster.AsApp(connectionString), ["ConnectionStrings__HousingOwner"] = TestCluster.AsOwner(connectionString),
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Housing__Demo"] = "false", ["Housing__BootstrapAdmin__Password"] = TestApp.Password, ["Housing__Auth__SignInsPerMinute"] = "1000",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            },
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        var app = new AppProcess(p, $"http://127.0.0.1:{port}");
        p.OutputDataReceived += (_, e) => { lock (app.Log) app.Log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (app.Log) app.Log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var http = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (p.HasExited) throw new InvalidOperationException($"The app exited ({p.ExitCode}): {app.Log}");
            try { if ((await http.GetAsync(app.BaseUrl + "/healthz")).IsSuccessStatusCode) return app; }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The app did not become healthy: {app.Log}");
    }

    /// <summary>An HTTP client signed in as the bootstrap admin (the password is <see cref="TestApp.Password"/>).</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var token = await (await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = TestApp.Password }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return http;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) await KillAsync();
        process.Dispose();
    }
}
