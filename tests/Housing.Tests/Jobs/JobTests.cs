using System.Net;
using Dapper;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Jobs;
using Housing.Rollups;
using Housing.Tests.Rollups;

namespace Housing.Tests.Jobs;

/// <summary>The app with Hangfire on: requested and scheduled runs, their record, joining a waiting run, and freshness after a write.</summary>
public sealed class JobTests(JobTests.App app) : IClassFixture<JobTests.App>
{
    public sealed class App : TestApp
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Jobs:PollSeconds"] = "0.2" };
    }

    /// <summary>How long a queued run may wait for one of the two workers: on a loaded CI machine one waited over 20 s.</summary>
    static readonly TimeSpan RunWithin = TimeSpan.FromSeconds(60);

    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > until) return value;
            await Task.Delay(100);
        }
    }

    /// <summary>What Hangfire recorded of a run's job (its states, with a failure's exception) and every lock holder,
    /// for the message of a run that did not finish in time.</summary>
    static async Task<string> HangfireStoryAsync(Housing.Tests.Infrastructure.TestApp app, long runId)
    {
        try
        {
            var states = await app.Db.QueryAsync<string>("""
                SELECT j.id || ' ' || s.name || ' ' || s.createdat || ' ' || coalesce(s.reason, '') || ' ' || coalesce(s.data::text, '')
                FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id WHERE j.arguments->>0 = @arg ORDER BY s.id
                """, new { arg = runId.ToString() });
            var locks = await app.Db.QueryAsync<string>("""
                SELECT l.objid || ' ' || l.granted || ' ' || coalesce(a.application_name, '') || ' ' || coalesce(a.state, '') || ' ' || left(coalesce(a.query, ''), 80)
                FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'
                """);
            var busy = await app.Db.QueryAsync<string>("""
                SELECT pid || ' ' || coalesce(application_name, '') || ' ' || coalesce(state, '') || ' ' || coalesce(wait_event_type || ':' || wait_event, '')
                       || ' ' || left(coalesce(query, ''), 100)
                FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
                """);
            var workers = await app.Db.QueryAsync<string>("SELECT id || ' ' || coalesce(data::text, '') || ' ' || lastheartbeat FROM hangfire.server");
            return string.Join("\n", ["hangfire states:", .. states, "advisory locks:", .. locks, "busy backends:", .. busy, "hangfire servers:", .. workers]);
        }
        catch (Exception e) { return "the story could not be read: " + e.Message; }
    }

    static async Task<long> RunIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, long>>())!["jobRunId"];
    }

    [Fact]
    public async Task Refresh_answers_202_with_a_run_that_hangfire_carries_out_and_records()
    {
        await new RollupSeed(app.Db, 2570).PhraeAsync();
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var response = await staff.PostAsync("/api/v1/rollups/refresh", null);
        var id = await RunIdAsync(response);
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location!.ToString());

        var run = await EventuallyAsync(() => staff.GetFromJsonAsync<JobRun>($"/api/v1/jobs/{id}")!, r => r!.Status is "succeeded" or "failed", RunWithin);
        Assert.True(run!.Status == "succeeded", $"run {id} {run.Status}\n{await HangfireStoryAsync(app, id)}");
        Assert.Equal(("rollups.full", "manual", app.Get<JobService>().Instance), (run.Job, run.Trigger, run.Instance));
        Assert.True(run.RowsTouched > 0);
        Assert.NotNull(run.StartedAt);
        Assert.True(run.FinishedAt >= run.StartedAt);
        Assert.Equal(1, await app.Db.CountAsync("rollups", "fiscal_year = 2570 AND level = 'province' AND code = '54' AND program = 'BPP'"));
        Assert.Equal(1, await app.Db.CountAsync("hangfire.job", "statename = 'Succeeded' AND arguments->>0 = @arg", new { arg = id.ToString() }));

        var runs = await staff.GetFromJsonAsync<List<Dictionary<string, System.Text.Json.JsonElement>>>("/api/v1/jobs");
        var listed = runs!.Single(r => r["id"].GetInt64() == id);
        foreach (var name in new[] { "id", "job", "startedAt", "finishedAt", "status", "error" }) Assert.True(listed.ContainsKey(name), name);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'job.request' AND entity_id = @id", new { id = id.ToString() }));
    }

    [Fact]
    public async Task While_a_recompute_waits_to_start_more_requests_join_it_and_a_request_after_it_started_queues_a_new_one()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var admin = await app.ClientAsync(Role.Admin);
        long first;
        await using (var conn = await app.Db.OpenConnectionAsync())
        {
            // Hold the job's run lock: Hangfire picks the run up but cannot start it, so it stays queued.
            await conn.ExecuteAsync("SELECT pg_advisory_lock(@c, hashtext('rollups.full'))", new { c = JobService.RunLockClass });
            first = await RunIdAsync(await staff.PostAsync("/api/v1/rollups/refresh", null));
            var more = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
                await RunIdAsync(await (i % 2 == 0 ? admin : staff).PostAsync(i < 3 ? "/api/v1/rollups/refresh" : "/api/v1/jobs/rollups.full/run", null))));
            Assert.All(more, id => Assert.Equal(first, id));
            await Task.Delay(500); // a worker has had time to fetch it
            Assert.Equal(1, await app.Db.CountAsync("job_runs", "job = 'rollups.full' AND status = 'queued'"));
            Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'job.request' AND entity_id = @id", new { id = first.ToString() }));
            Assert.Equal(6, await app.Db.CountAsync("audit_log", "action = 'job.join' AND entity_id = @id", new { id = first.ToString() }));
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@c, hashtext('rollups.full'))", new { c = JobService.RunLockClass });
        }
        var run = await EventuallyAsync(() => app.Get<JobService>().FindRunAsync(Caller.System, first), r => r.Status is "succeeded" or "failed", RunWithin);
        Assert.True(run.Status == "succeeded", $"run {first} {run.Status}\n{await HangfireStoryAsync(app, first)}");
        var next = await RunIdAsync(await staff.PostAsync("/api/v1/rollups/refresh", null));
        Assert.True(next > first);
        Assert.Equal("succeeded", (await EventuallyAsync(() => app.Get<JobService>().FindRunAsync(Caller.System, next), r => r.Status is "succeeded" or "failed", RunWithin)).Status);
        Assert.Equal(0, await app.Db.CountAsync("job_runs", "id > @first AND id <> @next AND job = 'rollups.full' AND trigger = 'manual'", new { first, next }));
    }

    [Fact]
    public async Task The_prune_job_removes_finished_runs_older_than_90_days_and_keeps_the_rest()
    {
        var ids = await app.Db.QueryAsync<long>("""
            INSERT INTO job_runs (job, trigger, queued_at, started_at, finished_at, status, rows_touched) VALUES
                ('rollups.incremental', 'schedule', now() - interval '91 days', now() - interval '91 days', now() - interval '91 days', 'succeeded', 3),
                ('rollups.full', 'schedule', now() - interval '200 days', now() - interval '200 days', now() - interval '200 days', 'failed', 0),
                ('rollups.incremental', 'schedule', now() - interval '89 days', now() - interval '89 days', now() - interval '89 days', 'succeeded', 2),
                ('rollups.full', 'manual', now() - interval '95 days', NULL, NULL, 'queued', NULL)
            RETURNING id
            """);

        var runId = await app.Get<JobService>().RunAsync(JobService.Prune, null, null, keepIdle: true);

        Assert.Equal([ids[2], ids[3], runId!.Value],
            await app.Db.QueryAsync<long>("SELECT id FROM job_runs WHERE id = ANY(@ids) ORDER BY id", new { ids = ids.Append(runId.Value).ToArray() }));
        Assert.Equal(("succeeded", 2), (await app.Db.QueryAsync<(string, int)>("SELECT status, rows_touched FROM job_runs WHERE id = @runId", new { runId })).Single());
    }

    [Fact]
    public async Task A_write_shows_in_the_rollups_within_10_seconds()
    {
        var seed = new RollupSeed(app.Db, 2571);
        var s = await seed.PhraeAsync();
        await app.Get<RollupService>().RecomputeAllAsync();
        await seed.PayAsync(s.Allocations[4], 777m);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var phrae = await EventuallyAsync(async () => (await app.Get<RollupService>().ListAsync(Caller.System, new RollupQuery(2571, "BPP", "province", null))).Single(r => r.Code == "54"),
            r => r.Disbursed == 788_900m + 777m, TimeSpan.FromSeconds(10));
        Assert.Equal(788_900m + 777m, phrae.Disbursed);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.True(await app.Db.CountAsync("job_runs", "job = 'rollups.incremental' AND status = 'succeeded' AND trigger = 'schedule' AND instance = @Instance",
            new { app.Get<JobService>().Instance }) > 0);
    }

    [Fact]
    public async Task Viewers_and_treasurers_may_not_run_or_see_jobs_and_nothing_is_queued()
    {
        var before = await app.Db.CountAsync("job_runs", "job NOT IN ('rollups.incremental', 'attention.incremental')");
        foreach (var client in new[] { await app.ClientAsync(Role.Viewer), await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]) })
        {
            var r = await client.PostAsync("/api/v1/rollups/refresh", null);
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/jobs")).StatusCode);
        }
        var admin = await app.ClientAsync(Role.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/jobs/nothing.such/run", null)).StatusCode);
        Assert.Equal(before, await app.Db.CountAsync("job_runs", "job NOT IN ('rollups.incremental', 'attention.incremental')"));
    }

    [Fact]
    public async Task The_schedule_shows_the_next_fires_from_hangfire_and_the_incremental_loop()
    {
        var jobs = await EventuallyAsync(() => app.Get<JobService>().ListJobsAsync(Caller.System), j => j[1].NextFireAt is not null, TimeSpan.FromSeconds(10));
        Assert.Equal([JobService.RollupsFull, JobService.RollupsIncremental, JobService.Prune, JobService.AttentionFull, JobService.AttentionIncremental],
            jobs.Select(j => j.Job));
        var nightly = TimeZoneInfo.ConvertTimeFromUtc(jobs[0].NextFireAt!.Value, Thai.Bangkok);
        Assert.Equal((2, 0), (nightly.Hour, nightly.Minute));
        Assert.True(jobs[0].NextFireAt > DateTime.UtcNow && jobs[0].NextFireAt < DateTime.UtcNow.AddDays(1));
        var prune = TimeZoneInfo.ConvertTimeFromUtc(jobs[2].NextFireAt!.Value, Thai.Bangkok);
        Assert.Equal((2, 30), (prune.Hour, prune.Minute));
        Assert.True(jobs[1].NextFireAt < DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(["attention.full", "jobs.prune", "rollups.full"], await app.Db.QueryAsync<string>("SELECT value FROM hangfire.set WHERE key = 'recurring-jobs' ORDER BY value"));
    }
}
