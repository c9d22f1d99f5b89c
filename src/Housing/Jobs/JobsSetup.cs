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
                // A fire missed while every instance was down (by more than the threshold) runs once when one
                // starts again; the misfire handler looks that often. A node that stops checking in is taken over.
                var misfire = TimeSpan.FromSeconds(config.GetValue("Housing:Jobs:MisfireThresholdSeconds", 60));
                st.ConfigureStore(o => o.MisfireThreshold = misfire);
                var checkin = config.GetValue<double?>("Housing:Jobs:ClusterCheckinSeconds");
                st.UseClustering(c =>
                {
                    if (checkin is not double seconds) return;
                    c.CheckinInterval = TimeSpan.FromSeconds(seconds);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(seconds);
                });
                st.UseSystemTextJsonSerializer();
                st.ProvisionSchema();
            });
            // RequestRecovery: a run whose instance died (SIGKILL, power loss) is fired again by the cluster.
            q.AddJob<RollupFullJob>(j => j.WithIdentity(JobService.RollupsFull).StoreDurably().RequestRecovery());
            q.AddJob<RollupIncrementalJob>(j => j.WithIdentity(JobService.RollupsIncremental).StoreDurably().RequestRecovery());
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        // After Quartz's hosted service: the scheduler has started and fired what was missed.
        services.AddHostedService(sp => new ScheduleKeeper(sp.GetRequiredService<ISchedulerFactory>(), [
            TriggerBuilder.Create().ForJob(JobService.RollupsFull).WithIdentity(JobService.RollupsFull + ".nightly")
                .WithCronSchedule(nightly, c => c.InTimeZone(Thai.Bangkok).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build(),
            TriggerBuilder.Create().ForJob(JobService.RollupsIncremental).WithIdentity(JobService.RollupsIncremental + ".frequent")
                .StartNow().WithSimpleSchedule(s => s.WithInterval(every).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                .Build(),
        ]));
        return services;
    }

    /// <summary>
    /// Puts the configured triggers in the shared store without replacing one that has not changed:
    /// replacing would reset its next fire time, so a nightly run missed while the app was down would
    /// be forgotten instead of run once. A trigger whose schedule changed in configuration is rescheduled.
    /// </summary>
    sealed class ScheduleKeeper(ISchedulerFactory schedulers, ITrigger[] triggers) : Microsoft.Extensions.Hosting.IHostedService
    {
        public async Task StartAsync(CancellationToken ct)
        {
            var scheduler = await schedulers.GetScheduler(ct);
            foreach (var trigger in triggers)
            {
                var stored = await scheduler.GetTrigger(trigger.Key, ct);
                if (stored is null)
                {
                    try { await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct); }
                    catch (ObjectAlreadyExistsException) { } // another instance starting at the same time stored it first
                }
                else if (!SameSchedule(stored, trigger)) await scheduler.RescheduleJob(trigger.Key, trigger, ct);
            }
        }

        static bool SameSchedule(ITrigger stored, ITrigger configured) => (stored, configured) switch
        {
            (ICronTrigger a, ICronTrigger b) => a.CronExpressionString == b.CronExpressionString && a.TimeZone.Id == b.TimeZone.Id,
            (ISimpleTrigger a, ISimpleTrigger b) => a.RepeatInterval == b.RepeatInterval,
            _ => false,
        };

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
