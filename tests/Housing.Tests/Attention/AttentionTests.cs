using System.Diagnostics;
using Housing.Access;
using Housing.Attention;
using Housing.Jobs;
using Housing.Tests.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Attention;

/// <summary>Each cause made with dated records: its flag appears within 10 s of the write, with the scheduler on, and goes
/// within 10 s of the write that fixes it. A rebuilt table holds the same flags; the days passing move the dated kinds.</summary>
public sealed class AttentionTests(AttentionTests.App app) : IClassFixture<AttentionTests.App>
{
    public sealed class App : TestApp
    {
        public DayClock Clock { get; } = new();
        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>The real time, or noon in Bangkok of a day a test sets.</summary>
    public sealed class DayClock : TimeProvider
    {
        DateTimeOffset? fixedAt;
        public void Set(DateOnly day) => fixedAt = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(7));
        public void Reset() => fixedAt = null;
        public override DateTimeOffset GetUtcNow() => fixedAt ?? base.GetUtcNow();
    }

    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);
    static DateOnly Today => AttentionSeed.Today;
    AttentionSeed Seed => new(app.Db);

    async Task<List<AttentionFlag>> FlagsAsync(long projectId, string? kind = null)
        => (await app.Get<AttentionService>().ListAsync(Caller.System, new AttentionQuery(Kind: kind))).Where(f => f.ProjectId == projectId).ToList();

    /// <summary>Waits (at most 10 s from the write) until the project's flags of this kind are <paramref name="count"/>.</summary>
    async Task<List<AttentionFlag>> WithinTenSecondsAsync(Stopwatch sinceWrite, long projectId, string kind, int count)
    {
        var flags = await JobTests.EventuallyAsync(() => FlagsAsync(projectId, kind), f => f.Count == count, Fresh - sinceWrite.Elapsed);
        Assert.True(flags.Count == count, $"{kind}: {flags.Count} flags after {sinceWrite.Elapsed}, expected {count}");
        Assert.True(sinceWrite.Elapsed < Fresh, $"took {sinceWrite.Elapsed}");
        return flags;
    }

    [Fact]
    public async Task A_home_with_no_stage_for_60_days_is_stalled_and_its_next_stage_clears_it()
    {
        var project = await Seed.ProjectAsync("540111");
        var (home, _) = await Seed.AllocationAsync(project);
        var moving = (await Seed.AllocationAsync(project)).Allocation;
        await Seed.StagesAsync(moving, 1, 2, Today.AddDays(-59)); // one day short
        var watch = Stopwatch.StartNew();
        await Seed.StagesAsync(home, 1, 2, Today.AddDays(-75));

        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.Stalled, 1));
        Assert.Equal((home, "540111", Today.AddDays(-75), "approved"), (flag.AllocationId, flag.SubdistrictCode, flag.Since, flag.Stage));
        Assert.Equal(new Msg("ไม่คืบหน้า 75 วัน (ขั้นล่าสุด: อนุมัติ)", "No progress for 75 days (last stage: Approved)"), flag.Detail(Today));

        watch.Restart();
        await Seed.StagesAsync(home, 3, 3, Today.AddDays(-1));
        await WithinTenSecondsAsync(watch, project, Kinds.Stalled, 0);
    }

    [Fact]
    public async Task Cash_on_hand_with_nothing_paid_for_60_days_is_idle_and_a_payment_clears_it()
    {
        var project = await Seed.ProjectAsync("540112");
        var (home, _) = await Seed.AllocationAsync(project);
        var watch = Stopwatch.StartNew();
        await Seed.TransferAsync(project, 100_000m, Today.AddDays(-90));
        await Seed.PayAsync(home, 5_000m, Today.AddDays(-61));

        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.CashIdle, 1));
        Assert.Equal((null, Today.AddDays(-61), 95_000m), (flag.AllocationId, flag.Since, flag.Amount));
        Assert.Equal("95,000.00 baht on hand, nothing paid for 61 days", flag.Detail(Today).En);

        watch.Restart();
        await Seed.PayAsync(home, 1_000m, Today);
        await WithinTenSecondsAsync(watch, project, Kinds.CashIdle, 0);
    }

    [Fact]
    public async Task A_completed_home_without_a_photo_is_flagged_until_a_photo_comes()
    {
        var project = await Seed.ProjectAsync("540113");
        var (home, _) = await Seed.AllocationAsync(project);
        var (built, _) = await Seed.AllocationAsync(project);
        var withPhoto = await Seed.StagesAsync(built, 1, 6, Today.AddDays(-3));
        await Seed.PhotoAsync(withPhoto);
        var watch = Stopwatch.StartNew();
        await Seed.StagesAsync(home, 1, 5, Today.AddDays(-10));
        var completed = await Seed.StagesAsync(home, 6, 7, Today.AddDays(-2));

        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.NoPhoto, 1));
        Assert.Equal((home, Today.AddDays(-2), "handed_over"), (flag.AllocationId, flag.Since, flag.Stage));

        watch.Restart();
        await Seed.PhotoAsync(completed);
        await WithinTenSecondsAsync(watch, project, Kinds.NoPhoto, 0);
    }

    [Fact]
    public async Task A_fiscal_year_that_has_ended_with_homes_unpaid_is_flagged_until_they_are_paid()
    {
        var ended = Thai.FiscalYear(Today) - 1;
        var project = await Seed.ProjectAsync("540114", ended);
        var (paid, _) = await Seed.AllocationAsync(project);
        var (unpaid, _) = await Seed.AllocationAsync(project);
        await Seed.TransferAsync(project, 40_000m, Thai.FiscalYearDates(ended).First.AddDays(10));
        var watch = Stopwatch.StartNew();
        await Seed.PayAsync(paid, 20_000m, Thai.FiscalYearDates(ended).First.AddDays(20));
        await Seed.PayAsync(unpaid, 5_000m, Thai.FiscalYearDates(ended).First.AddDays(20));

        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.FiscalYearEnd, 1));
        Assert.Equal((null, Thai.FiscalYearDates(ended).Last.AddDays(-60), 1, 15_000m), (flag.AllocationId, flag.Since, flag.Homes, flag.Amount));
        Assert.StartsWith($"ปีงบประมาณ {ended} สิ้นสุด 30 ก.ย. {ended}: ยังจ่ายไม่ครบ 1 หลัง", flag.Detail(Today).Th);

        watch.Restart();
        await Seed.PayAsync(unpaid, 15_000m, Thai.FiscalYearDates(ended).Last);
        await WithinTenSecondsAsync(watch, project, Kinds.FiscalYearEnd, 0);
    }

    [Fact]
    public async Task A_household_funded_in_a_second_year_is_flagged_on_the_later_allocation_and_cleared_when_either_is_cancelled()
    {
        var first = await Seed.ProjectAsync("540115");
        var second = await Seed.ProjectAsync("540115", Thai.FiscalYear(Today) + 2);
        var (earlier, household) = await Seed.AllocationAsync(first);
        var watch = Stopwatch.StartNew();
        var (later, _) = await Seed.AllocationAsync(second, household, createdAt: new DateTimeOffset(Today.AddDays(-4).ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));

        var flag = Assert.Single(await WithinTenSecondsAsync(watch, second, Kinds.FundedAgain, 1));
        Assert.Equal((later, earlier, Today.AddDays(-4)), (flag.AllocationId, flag.OtherAllocationId, flag.Since));
        Assert.Empty(await FlagsAsync(first, Kinds.FundedAgain));

        watch.Restart();
        await Seed.CancelAsync(earlier); // the earlier one, in the other project: the later one's flag goes too
        await WithinTenSecondsAsync(watch, second, Kinds.FundedAgain, 0);
    }

    [Fact]
    public async Task The_days_passing_move_the_dated_flags_at_the_nightly_recompute_and_a_rebuilt_table_gives_the_same_flags()
    {
        var refresh = app.Get<AttentionRefresh>();
        var project = await Seed.ProjectAsync("540116");
        var (home, _) = await Seed.AllocationAsync(project);
        var (later, _) = await Seed.AllocationAsync(project);
        var twin = await Seed.ProjectAsync("540116"); // the next id: the other part of a full run in two
        var day = Today.AddDays(-300);
        await Seed.StagesAsync(home, 1, 1, day);
        await Seed.StagesAsync(later, 1, 4, day.AddDays(30));
        await Seed.TransferAsync(project, 50_000m, day);
        await Seed.TransferAsync(twin, 20_000m, day);
        try
        {
            app.Clock.Set(day.AddDays(59));
            await refresh.RecomputeAllAsync();
            Assert.Empty(await FlagsAsync(project));
            app.Clock.Set(day.AddDays(60)); // the next night
            await refresh.RecomputeAllAsync();
            Assert.Equal([(Kinds.CashIdle, (long?)null, day), (Kinds.Stalled, home, day)],
                (await FlagsAsync(project)).Select(f => (f.Kind, f.AllocationId, f.Since)).OrderBy(f => f.Kind));
            app.Clock.Set(day.AddDays(90));
            await refresh.RecomputeAllAsync();
            Assert.Equal(3, (await FlagsAsync(project)).Count); // the other home too, 60 days after its stage
        }
        finally { app.Clock.Reset(); }

        // Rebuilt from nothing (every project marked, as the migration does), then recomputed: the same rows.
        await refresh.RecomputeAllAsync();
        var before = await app.Db.QueryAsync<string>("SELECT row_to_json(f)::text FROM attention_flags f ORDER BY project_id, kind, allocation_id");
        Assert.NotEmpty(before);
        await app.Db.ExecuteAsync("DELETE FROM attention_flags; INSERT INTO attention_dirty (project_id) SELECT id FROM projects");
        await refresh.RefreshDirtyAsync();
        Assert.Equal(before, await app.Db.QueryAsync<string>("SELECT row_to_json(f)::text FROM attention_flags f ORDER BY project_id, kind, allocation_id"));
        await refresh.RecomputeAllAsync();
        Assert.Equal(before, await app.Db.QueryAsync<string>("SELECT row_to_json(f)::text FROM attention_flags f ORDER BY project_id, kind, allocation_id"));
        // The full run's parts (projects split by id, each part on its own connection) find the same flags in one part or three.
        Assert.Equal(2, refresh.FullRunParts);
        foreach (var parts in new[] { 1, 3 })
        {
            var split = new AttentionRefresh(app.Db, app.Clock, new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Housing:Attention:FullRunParts"] = $"{parts}" }).Build());
            await app.Db.ExecuteAsync("DELETE FROM attention_flags");
            Assert.Equal(before.Count(), await split.RecomputeAllAsync());
            Assert.Equal(before, await app.Db.QueryAsync<string>("SELECT row_to_json(f)::text FROM attention_flags f ORDER BY project_id, kind, allocation_id"));
        }

        // A flag table gone wrong (a flag changed, one missing, one that should not be, in projects of both parts) is put right
        // by the next full run, which counts the flags it found, and so are the counts the rollups carry.
        await app.Db.ExecuteAsync("""
            UPDATE attention_flags SET since = since - 1 WHERE project_id = @twin AND kind = 'cash_idle';
            UPDATE attention_counts SET flags = 7 WHERE project_id = @twin;
            UPDATE attention_flags SET amount = amount + 1 WHERE project_id = @project AND kind = 'cash_idle';
            DELETE FROM attention_flags WHERE project_id = @project AND allocation_id = @home;
            INSERT INTO attention_flags (kind, project_id, allocation_id, subdistrict_code, province_code, fiscal_year, program, since)
            VALUES ('no_photo', @project, @later, '540116', '54', 2565, 'BPP', '2022-01-01');
            """, new { project, home, later, twin });
        Assert.Equal(before.Count(), await refresh.RecomputeAllAsync());
        Assert.Equal(before, await app.Db.QueryAsync<string>("SELECT row_to_json(f)::text FROM attention_flags f ORDER BY project_id, kind, allocation_id"));
        Assert.Equal(0, await app.Db.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT project_id, count(*)::int AS flags FROM attention_flags GROUP BY 1) n
            FULL JOIN attention_counts c USING (project_id) WHERE n.flags IS DISTINCT FROM c.flags
            """));
    }

    [Fact]
    public async Task The_nightly_recompute_is_a_hangfire_job_at_five_past_midnight_in_bangkok_and_the_loop_runs_the_incremental_one()
    {
        var jobs = await JobTests.EventuallyAsync(() => app.Get<JobService>().ListJobsAsync(Caller.System),
            j => j.Single(x => x.Job == JobService.AttentionFull).NextFireAt is not null, TimeSpan.FromSeconds(10));
        var nightly = TimeZoneInfo.ConvertTimeFromUtc(jobs.Single(j => j.Job == JobService.AttentionFull).NextFireAt!.Value, Thai.Bangkok);
        Assert.Equal((0, 5), (nightly.Hour, nightly.Minute));
        Assert.NotNull(jobs.Single(j => j.Job == JobService.AttentionIncremental).NextFireAt);

        var project = await Seed.ProjectAsync("540117");
        await Seed.TransferAsync(project, 1_000m, Today.AddDays(-100));
        await JobTests.EventuallyAsync(() => FlagsAsync(project), f => f.Count == 1, Fresh);
        Assert.True(await app.Db.CountAsync("job_runs", "job = 'attention.incremental' AND status = 'succeeded' AND rows_touched > 0") > 0);
    }
}
