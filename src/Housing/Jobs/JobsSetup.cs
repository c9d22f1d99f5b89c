using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Housing.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Jobs;

public static class JobsSetup
{
    /// <summary>
    /// Hangfire on PostgreSQL (schema <c>hangfire</c>): every app instance on one database shares the recurring
    /// schedule and the queue, and each fire runs on one of them. Call after <c>AddHousing</c>, so the schedule and the
    /// server start after the database (and stop before it). <c>Housing:Jobs:Enabled</c> false leaves Hangfire out.
    /// </summary>
    public static IServiceCollection AddHousingJobs(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton<JobInstance>();
        services.AddSingleton<JobService>();
        services.AddTransient<RollupJobs>();
        if (!config.GetValue("Housing:Jobs:Enabled", true)) return services;
        var nightly = config["Housing:Jobs:FullRefreshCron"] ?? "0 2 * * *"; // 02:00 in Bangkok
        var prune = config["Housing:Jobs:PruneCron"] ?? "30 2 * * *";
        // Just after midnight in Bangkok: the date-driven flags (stalled, cash_idle, fiscal_year_end) move with the day.
        var attention = config["Housing:Attention:FullCron"] ?? "5 0 * * *";
        var every = TimeSpan.FromSeconds(config.GetValue("Housing:Jobs:IncrementalSeconds", 5.0)); // a write shows within 10 s
        // How often an idle worker looks for a queued job and the scheduler for a due fire: a run-now starts within it.
        var poll = TimeSpan.FromSeconds(config.GetValue("Housing:Jobs:PollSeconds", 2.0));
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = HangfireSchema.Name,
            PrepareSchemaIfNecessary = false, // installed by the migrations, under their lock, as the schema's owner
            QueuePollInterval = poll,
            // A job whose instance died is taken by another after this. Sliding: a run that is still going keeps it
            // (renewed every fifth of it), so a long run is never started twice (measured: not sliding, a 50 s job ran twice at 30 s).
            InvisibilityTimeout = TimeSpan.FromSeconds(config.GetValue("Housing:Jobs:InvisibilitySeconds", 60.0)),
            UseSlidingInvisibilityTimeout = true,
            // Hangfire's own locks (the recurring scheduler's) left by a killed instance expire after this, not 10 min.
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
        };
        // Each host gets its own storage and activator: Hangfire's defaults are process-wide statics
        // (JobStorage.Current, JobActivator.Current), which two hosts in one process (the tests) would share; its logs, HangfireLogs.
        services.AddSingleton<HangfireConnections>();
        services.AddSingleton<JobStorage>(sp => new PostgreSqlStorage(sp.GetRequiredService<HangfireConnections>(), storageOptions));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, c) =>
        {
            HangfireLogs.Attach(sp); // its logs too: a process-wide provider, which another host's disposal must not break
            c.UseLogProvider(HangfireLogs.Instance).SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
        });
        services.AddHostedService(sp => new RecurringSchedule(sp.GetRequiredService<IRecurringJobManagerV2>(), nightly, prune, attention));
        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = sp.GetRequiredService<JobInstance>().Name;
            o.WorkerCount = Math.Max(1, config.GetValue("Housing:Jobs:Workers", 2)); // three jobs, each one run at a time
            o.SchedulePollingInterval = poll;
        });
        services.AddHostedService(sp => new IncrementalRefresh(sp, every, sp.GetRequiredService<ILogger<IncrementalRefresh>>()));
        return services;
    }

    /// <summary>
    /// Puts the recurring jobs in the shared store at every start. Hangfire keeps a job's next fire when its cron did
    /// not change, so a nightly fire missed while every instance was down is still due, and runs once
    /// (<see cref="MisfireHandlingMode.Relaxed"/>: one run however many fires were missed). Two instances starting at
    /// once are serialised by Hangfire's lock on the recurring job.
    /// </summary>
    sealed class RecurringSchedule(IRecurringJobManagerV2 manager, string nightly, string prune, string attention) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            var options = new RecurringJobOptions { TimeZone = Thai.Bangkok, MisfireHandling = MisfireHandlingMode.Relaxed };
            manager.AddOrUpdate<RollupJobs>(JobService.RollupsFull, j => j.FullAsync(null, null, CancellationToken.None), nightly, options);
            manager.AddOrUpdate<RollupJobs>(JobService.Prune, j => j.PruneAsync(null, null, CancellationToken.None), prune, options);
            manager.AddOrUpdate<RollupJobs>(JobService.AttentionFull, j => j.AttentionFullAsync(null, null, CancellationToken.None), attention, options);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}

/// <summary>Hangfire's connections: a pool of their own (application name <c>housing-jobs</c>) on the app's
/// database, made when first asked for, which is after <see cref="DatabaseStartup"/> has started it.</summary>
public sealed class HangfireConnections(HousingDatabase database) : IConnectionFactory, IDisposable
{
    readonly Lock gate = new();
    NpgsqlDataSource? source;

    public NpgsqlConnection GetOrCreateConnection()
    {
        lock (gate)
        {
            if (source is null)
            {
                var builder = new NpgsqlDataSourceBuilder(database.ConnectionString);
                builder.ConnectionStringBuilder.ApplicationName = "housing-jobs";
                source = builder.Build();
            }
            return source.CreateConnection();
        }
    }

    public void Dispose()
    {
        lock (gate) source?.Dispose();
    }
}
