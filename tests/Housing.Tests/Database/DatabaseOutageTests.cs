using System.Diagnostics;
using System.Net;
using Housing.Access;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace Housing.Tests.Database;

/// <summary>The app over a cluster of its own, which the test stops and starts under load.</summary>
public sealed class OwnClusterApp : TestApp
{
    readonly string root = Path.Combine(Path.GetTempPath(), "housing-outage-" + Guid.NewGuid().ToString("N")[..12]);
    public EmbeddedPostgres Cluster { get; private set; } = null!;

    protected override async Task<string> CreateDatabaseAsync()
    {
        Cluster = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        await Cluster.EnsureRolesAsync();
        await HousingDatabase.CreateDatabaseIfMissingAsync(Cluster.ConnectionString("postgres"), "housing", EmbeddedPostgres.OwnerRole);
        // Short timeouts: a request during the outage must answer, not wait out the defaults.
        return Cluster.ConnectionString("housing") + ";Timeout=3;Command Timeout=5";
    }

    protected override string AsRole(string connectionString, string role) => Cluster.AsRole(connectionString, role);

    public async Task RestartClusterAsync(TimeSpan down)
    {
        await Cluster.StopAsync();
        await Task.Delay(down);
        Cluster = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Cluster.StopAsync();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class DatabaseOutageTests(OwnClusterApp app) : IClassFixture<OwnClusterApp>
{
    [Fact]
    public async Task While_PostgreSQL_restarts_requests_get_503_problems_not_hangs_and_the_app_recovers_by_itself()
    {
        var client = await app.ClientAsync(Role.Viewer);
        var port = app.Cluster.Port;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, string? Type, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();

        async Task LoadAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var sw = Stopwatch.StartNew();
                using var r = await client.GetAsync("/api/v1/provinces/54/districts");
                statuses.Add((r.StatusCode, r.Content.Headers.ContentType?.MediaType, sw.Elapsed));
            }
        }

        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(LoadAsync)).ToArray();
        await Task.Delay(500);
        await app.RestartClusterAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(port, app.Cluster.Port);
        await Task.Delay(1500);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var all = statuses.ToList();
        Assert.All(all, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {(int)s.Status}"));
        Assert.All(all.Where(s => s.Status == HttpStatusCode.ServiceUnavailable), s => Assert.Equal("application/problem+json", s.Type));
        Assert.Contains(all, s => s.Status == HttpStatusCode.ServiceUnavailable);
        Assert.True(all.Max(s => s.Took) < TimeSpan.FromSeconds(6), $"slowest answer took {all.Max(s => s.Took)}");

        // Recovered without restarting the app: the next requests and the health check succeed.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces/54/districts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/healthz")).StatusCode);
    }
}
