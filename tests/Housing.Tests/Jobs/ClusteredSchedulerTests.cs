using Housing.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Housing.Tests.Jobs;

/// <summary>Two app instances on one database: they start together on an empty database, share one schedule,
/// and each scheduled fire runs on one of them, not both.</summary>
public sealed class ClusteredSchedulerTests
{
    static IHost Instance(string connectionString) => JobHost.Create(connectionString, new Dictionary<string, string?>
    {
        ["Housing:Jobs:FullRefreshCron"] = "*/2 * * * * *", // every 2 seconds (Hangfire takes a 6-field cron)
        ["Housing:Jobs:PollSeconds"] = "0.2",
    });

    [Fact]
    public async Task Two_instances_started_at_once_on_an_empty_database_share_one_schedule_and_run_each_fire_once()
    {
        var cs = await TestCluster.CreateDatabaseAsync(nameof(ClusteredSchedulerTests), empty: true);
        using var one = Instance(cs);
        using var two = Instance(cs);
        // Both migrate and install Hangfire's schema at the same moment: the migration lock keeps them apart.
        await Task.WhenAll(one.StartAsync(), two.StartAsync());
        await Task.Delay(TimeSpan.FromSeconds(11));
        await using var db = Npgsql.NpgsqlDataSource.Create(cs);
        var servers = await db.QueryAsync<string>("SELECT id FROM hangfire.server ORDER BY id");
        await Task.WhenAll(two.StopAsync(), one.StopAsync());

        var runs = await db.QueryAsync<(DateTime ScheduledFor, string Instance, string Status)>(
            "SELECT scheduled_for, instance, status FROM job_runs WHERE job = @job AND trigger = 'schedule' ORDER BY scheduled_for",
            new { job = JobService.RollupsFull });
        // About 5 fires in 11 s; both instances running each would make about 10. The stop may cut the last fire short
        // (enqueued but not started, or started and cancelled): only finished runs are counted against Hangfire's.
        var succeeded = runs.Where(r => r.Status == "succeeded").ToList();
        Assert.InRange(succeeded.Count, 1, 7); // fewer when the machine is busy; a fire run by both instances fails the distinct check below
        Assert.InRange(runs.Count - succeeded.Count, 0, 1);
        Assert.Equal(runs.Count, runs.Select(r => r.ScheduledFor).Distinct().Count());
        Assert.Equal(succeeded.Count, await db.CountAsync("hangfire.job", "invocationdata::text LIKE '%FullAsync%' AND statename = 'Succeeded'"));
        var instances = new[] { one.Services.GetRequiredService<JobService>().Instance, two.Services.GetRequiredService<JobService>().Instance };
        Assert.All(runs, r => Assert.Contains(r.Instance, instances));
        // One schedule: each recurring job stored once, and both instances were Hangfire servers of it.
        Assert.Equal(2, servers.Count);
        Assert.All(instances, i => Assert.Single(servers, s => s.StartsWith(i.ToLowerInvariant() + ":", StringComparison.Ordinal)));
        Assert.Equal(["attention.full", "jobs.prune", "rollups.full"], await db.QueryAsync<string>("SELECT value FROM hangfire.set WHERE key = 'recurring-jobs' ORDER BY value"));
        Assert.Equal(1, await db.CountAsync("schema_migrations", "name LIKE '%drop_quartz%'"));
    }
}
