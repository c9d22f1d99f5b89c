using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace Housing.Jobs;

public static class JobsSetup
{
    /// <summary>
    /// Quartz with its PostgreSQL store, clustered: every app instance on one database shares the
    /// schedule and each fire runs on one of them. Call after <c>AddHousing</c>, so the scheduler starts
    /// after the database (and stops before it). <c>Housing:Jobs:Enabled</c> false leaves the scheduler out.
    /// </summary>
    public static IServiceCollection AddHousingJobs(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton<JobService>();
        if (!config.GetValue("Housing:Jobs:Enabled", true)) return services;
        var nightly = config["Housing:Jobs:FullRefreshCron"] ?? "0 0 2 * * ?"; // 02:00 in Bangkok
        var every = TimeSpan.FromSeconds(config.GetValue("Housing:Jobs:IncrementalSeconds", 5)); // a write shows within 10 s
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "housing";
                s.MaxBatchSize = 1; // otherwise one node takes every fire
            });
            q.UsePersistentStore(st =>
            {
                // The database (and so its data source) only exists once DatabaseStartup has run; Quartz asks
                // for it when the scheduler starts, after that.
                st.UsePostgres(ds => ds.DataSourceFactory = sp => sp.GetRequiredService<NpgsqlDataSource>());
                st.UseClustering();
                st.UseSystemTextJsonSerializer();
                st.ProvisionSchema();
            });
            // RequestRecovery: a run whose instance died (SIGKILL, power loss) is fired again by the cluster.
            q.AddJob<RollupFullJob>(j => j.WithIdentity(JobService.RollupsFull).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(JobService.RollupsFull).WithIdentity(JobService.RollupsFull + ".nightly")
                .WithCronSchedule(nightly, c => c.InTimeZone(Thai.Bangkok).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            q.AddJob<RollupIncrementalJob>(j => j.WithIdentity(JobService.RollupsIncremental).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(JobService.RollupsIncremental).WithIdentity(JobService.RollupsIncremental + ".frequent")
                .StartNow().WithSimpleSchedule(s => s.WithInterval(every).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
