using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Housing.Tests.Faults;

/// <summary>The app killed with SIGKILL in the middle of work leaves nothing half-written, and starts again cleanly.</summary>
public sealed class KillTests
{
    static byte[] HundredThousandHouseholds()
    {
        var sb = new StringBuilder("citizen_id,head_name,house_no,village_no,subdistrict_code,members,monthly_income\n");
        for (var i = 0; i < 100_000; i++)
        {
            var first12 = "5" + (54_000_000_000L + i).ToString("D11", System.Globalization.CultureInfo.InvariantCulture);
            sb.Append(first12).Append(CitizenId.CheckDigit(first12)).Append(",นางทดสอบ ").Append(i).Append(',').Append(i % 300 + 1)
              .Append(',').Append(i % 20 + 1).Append(',').Append(i % 2 == 0 ? "540101" : "540102").Append(",4,").Append(3000 + i % 5000).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Fact]
    public async Task Killed_in_the_middle_of_a_100000_row_import_it_leaves_no_household_and_imports_all_after_a_restart()
    {
        var cs = await TestCluster.CreateDatabaseAsync("killimport");
        await using var db = NpgsqlDataSource.Create(cs);
        var file = HundredThousandHouseholds();

        await using (var app = await AppProcess.StartAsync(cs))
        {
            using var http = await app.AdminClientAsync();
            var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", "households.csv" } };
            var upload = http.PostAsync("/api/v1/households/import", form);
            // Wait until the app is writing rows into PostgreSQL, then pull the plug.
            var until = DateTime.UtcNow.AddSeconds(30);
            while (await db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'housing' AND query ILIKE 'COPY%'") == 0)
            {
                Assert.True(DateTime.UtcNow < until && !upload.IsCompleted, "the import never reached COPY: " + (upload.IsCompleted ? (int)(await upload).StatusCode : 0));
                await Task.Delay(5);
            }
            await app.KillAsync();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => upload);
        }

        // PostgreSQL rolls back the dead session's transaction.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'housing'") > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(0, await db.CountAsync("households"));
        Assert.Equal(0, await db.CountAsync("audit_log", "action = 'household.import'"));

        await using (var again = await AppProcess.StartAsync(cs))
        {
            using var http = await again.AdminClientAsync();
            var r = await http.PostAsync("/api/v1/households/import", new MultipartFormDataContent { { new ByteArrayContent(file), "file", "households.csv" } });
            Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
            Assert.Equal(100_000, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imported").GetInt32());
        }
        Assert.Equal(100_000, await db.CountAsync("households"));
        await Invariants.AssertHoldAsync(db);
    }
}

/// <summary>A rollup recompute cut off by SIGKILL: nothing of it is kept, the run is marked interrupted,
/// and the cluster fires the job again on the instance that is still (or again) running.</summary>
public sealed class JobKillTests
{
    [Fact]
    public async Task Killed_in_the_middle_of_a_rollup_job_the_run_is_marked_interrupted_and_runs_again_after_a_restart()
    {
        var cs = await TestCluster.CreateDatabaseAsync("killjob");
        await using var db = NpgsqlDataSource.Create(cs);
        var settings = new Dictionary<string, string> { ["Housing__Jobs__IncrementalSeconds"] = "3600" };
        long runId;
        long rollupsBefore;
        await using (var app = await AppProcess.StartAsync(cs, settings))
        {
            using var http = await app.AdminClientAsync();
            rollupsBefore = await db.CountAsync("rollups");
            // Hold the rollups table so the recompute stops inside its transaction, then pull the plug on it.
            await using var blocker = await db.OpenConnectionAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await new NpgsqlCommand("LOCK TABLE rollups IN ACCESS EXCLUSIVE MODE", blocker, hold).ExecuteNonQueryAsync();
            var refresh = await http.PostAsync("/api/v1/rollups/refresh", null);
            Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
            runId = (await refresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobRunId").GetInt64();
            var until = DateTime.UtcNow.AddSeconds(30);
            while (await db.ScalarAsync<string>("SELECT status FROM job_runs WHERE id = @runId", new { runId }) != "running")
            {
                Assert.True(DateTime.UtcNow < until, "the run never started");
                await Task.Delay(50);
            }
            await Task.Delay(300); // it is now waiting on the lock, inside its transaction
            await app.KillAsync();
            await hold.RollbackAsync();
        }
        Assert.Equal("running", await db.ScalarAsync<string>("SELECT status FROM job_runs WHERE id = @runId", new { runId }));

        await using (var again = await AppProcess.StartAsync(cs, settings))
        {
            // The dead instance's fire is recovered by the new one (after Quartz's cluster check-in lapses).
            var until = DateTime.UtcNow.AddSeconds(90);
            while (await db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE job = 'rollups.full' AND status = 'succeeded'") == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the interrupted job was not run again: " + again.Log);
                await Task.Delay(250);
            }
        }
        var run = (await db.QueryAsync<(string Status, string? Error)>("SELECT status, error FROM job_runs WHERE id = @runId", new { runId })).Single();
        Assert.True(run.Status is "succeeded" or "failed", run.Status);
        if (run.Status == "failed") Assert.StartsWith("Interrupted:", run.Error);
        Assert.Equal(0, await db.CountAsync("job_runs", "status = 'running'"));
        Assert.True(await db.CountAsync("rollups") >= rollupsBefore);
    }

}

/// <summary>The nightly recompute missed while the app was down runs once when it starts again.</summary>
public sealed class MissedJobTests
{
    [Fact]
    public async Task A_scheduled_recompute_missed_while_the_app_was_down_runs_once_on_the_next_start()
    {
        var cs = await TestCluster.CreateDatabaseAsync("missed");
        await using var db = NpgsqlDataSource.Create(cs);
        // "Nightly" every 20 s here, so the test can be down across a fire time; a miss counts after 1 s.
        var settings = new Dictionary<string, string>
        {
            ["Housing__Jobs__FullRefreshCron"] = "0/20 * * * * ?", ["Housing__Jobs__MisfireThresholdSeconds"] = "1", ["Housing__Jobs__IncrementalSeconds"] = "3600",
            ["Housing__Jobs__ClusterCheckinSeconds"] = "1", // the killed instance had already claimed the fire: it is taken over quickly
        };
        await using (var app = await AppProcess.StartAsync(cs, settings)) await app.KillAsync();
        // Stay down across the next fire time, then come back a couple of seconds after it.
        var now = DateTime.UtcNow;
        var missed = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second / 20 * 20, DateTimeKind.Utc).AddSeconds(20);
        await Task.Delay(missed.AddSeconds(2) - DateTime.UtcNow);
        var before = await db.CountAsync("job_runs", "job = 'rollups.full' AND trigger = 'schedule'");

        await using (var again = await AppProcess.StartAsync(cs, settings))
        {
            var until = missed.AddSeconds(15); // the next regular fire is at missed + 20 s
            while (DateTime.UtcNow < until) await Task.Delay(250);
            Assert.Equal(1, await db.CountAsync("job_runs", "job = 'rollups.full' AND trigger = 'schedule'") - before);
            Assert.Equal(1, await db.CountAsync("job_runs", "job = 'rollups.full' AND trigger = 'schedule' AND status = 'succeeded'"));
        }
    }
}
