using Housing.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Tests.Jobs;

/// <summary>Two app instances on one database: each scheduled fire runs on one of them, not both.</summary>
public sealed class ClusteredSchedulerTests
{
    static IHost Instance(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Housing"] = TestCluster.AsApp(connectionString),
            ["ConnectionStrings:HousingOwner"] = TestCluster.AsOwner(connectionString),
            ["Housing:Demo"] = "false",
            ["Housing:Jobs:FullRefreshCron"] = "0/2 * * * * ?", // every 2 seconds
            ["Housing:Jobs:IncrementalSeconds"] = "3600",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHousing();
        builder.Services.AddHousingJobs(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Two_schedulers_on_one_database_run_each_scheduled_fire_once()
    {
        var cs = await TestCluster.CreateDatabaseAsync(nameof(ClusteredSchedulerTests));
        using var one = Instance(cs);
        using var two = Instance(cs);
        await one.StartAsync();
        await two.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(11));
        await two.StopAsync();
        await one.StopAsync();

        await using var db = Npgsql.NpgsqlDataSource.Create(cs);
        var runs = await db.QueryAsync<(DateTime ScheduledFor, string Instance, string Status)>(
            "SELECT scheduled_for, instance, status FROM job_runs WHERE job = @job AND trigger = 'schedule' ORDER BY scheduled_for",
            new { job = JobService.RollupsFull });
        Assert.True(runs.Count >= 4, $"only {runs.Count} runs");
        Assert.Equal(runs.Count, runs.Select(r => r.ScheduledFor).Distinct().Count());
        Assert.All(runs, r => Assert.Equal("succeeded", r.Status));
        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state"));
    }
}
