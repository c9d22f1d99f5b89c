using System.Diagnostics;
using Housing.Attention;
using Housing.Jobs;
using Housing.Tests.Jobs;

namespace Housing.Tests.Attention;

/// <summary>The flags of money on evidence: a tranche that progress unlocked and the council has not received, and a home
/// paid all its stages allow. Each appears within 10 s of the write that causes it (the scheduler on) and goes within
/// 10 s of the one that fixes it. Program years of their own (three and four years ahead), so no other test's project
/// falls under these rules.</summary>
public sealed class EvidenceFlagTests(AttentionTests.App app) : IClassFixture<AttentionTests.App>
{
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);
    static DateOnly Today => AttentionSeed.Today;
    AttentionSeed Seed => new(app.Db);

    async Task<List<AttentionFlag>> WithinTenSecondsAsync(Stopwatch sinceWrite, long projectId, string kind, int count)
    {
        var flags = await JobTests.EventuallyAsync(async () => (await app.Get<AttentionService>().ListAsync(Housing.Access.Caller.System,
            new AttentionQuery(Kind: kind))).Where(f => f.ProjectId == projectId).ToList(), f => f.Count == count, Fresh - sinceWrite.Elapsed);
        Assert.True(flags.Count == count, $"{kind}: {flags.Count} flags after {sinceWrite.Elapsed}, expected {count}");
        Assert.True(sinceWrite.Elapsed < Fresh, $"took {sinceWrite.Elapsed}");
        return flags;
    }

    [Fact]
    public async Task A_tranche_unlocked_by_progress_and_not_received_is_flagged_until_the_money_comes_in()
    {
        var year = Thai.FiscalYear(Today) + 3;
        await Seed.RulesAsync(year, """[{"share": 40}, {"share": 60, "stage": "construction_started", "homesPercent": 50, "photo": true}]""", null);
        var project = await Seed.ProjectAsync("540117", year); // 1,000,000 baht
        var homes = new List<long>();
        for (var i = 0; i < 4; i++) homes.Add((await Seed.AllocationAsync(project)).Allocation);
        var watch = Stopwatch.StartNew();
        await Seed.TransferAsync(project, 400_000m, Today.AddDays(-20)); // the first tranche, all of it
        await WithinTenSecondsAsync(watch, project, Kinds.TrancheUnlocked, 0);

        // Two homes of four started building, one with a photo: not yet. The second photo unlocks the rest.
        var first = await Seed.StagesAsync(homes[0], 1, 4, Today.AddDays(-10));
        var second = await Seed.StagesAsync(homes[1], 1, 4, Today.AddDays(-9));
        await Seed.PhotoAsync(first);
        watch.Restart();
        await Seed.PhotoAsync(second);
        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.TrancheUnlocked, 1));
        Assert.Equal((null, 600_000m, 2, Today.AddDays(-20)), (flag.AllocationId, flag.Amount, flag.Homes, flag.Since));
        Assert.Equal(new Msg("งวดที่ 2 ปลดล็อกแล้ว: ขอรับโอนจาก พอช. ได้อีก 600,000.00 บาท",
            "Tranche 2 is unlocked: 600,000.00 baht more may be received from CODI"), flag.Detail(Today));

        watch.Restart();
        await Seed.TransferAsync(project, 600_000m, Today);
        await WithinTenSecondsAsync(watch, project, Kinds.TrancheUnlocked, 0);
    }

    [Fact]
    public async Task A_home_paid_all_its_stages_allow_waits_on_its_next_stage_and_that_stage_clears_it()
    {
        var year = Thai.FiscalYear(Today) + 4;
        await Seed.RulesAsync(year, null, """[{"stage": "approved", "payableShare": 30}, {"stage": "structure_done", "payableShare": 70, "photo": true}, {"stage": "completed", "payableShare": 100}]""");
        var project = await Seed.ProjectAsync("540118", year);
        var (home, _) = await Seed.AllocationAsync(project); // 20,000 baht
        var other = (await Seed.AllocationAsync(project)).Allocation;
        await Seed.TransferAsync(project, 40_000m, Today.AddDays(-30));
        await Seed.StagesAsync(home, 1, 2, Today.AddDays(-25));
        await Seed.StagesAsync(other, 1, 2, Today.AddDays(-25));
        await Seed.PayAsync(other, 3_000m, Today.AddDays(-24)); // less than the 6,000 its stage allows: not waiting
        var watch = Stopwatch.StartNew();
        await Seed.PayAsync(home, 6_000m, Today.AddDays(-24));
        var flag = Assert.Single(await WithinTenSecondsAsync(watch, project, Kinds.PaymentWaiting, 1));
        Assert.Equal((home, "structure_done", 6_000m, Today.AddDays(-25)), (flag.AllocationId, flag.Stage, flag.Amount, flag.Since));
        Assert.Equal(new Msg("จ่ายครบ 6,000.00 บาท ตามขั้นตอนแล้ว รอขั้นโครงสร้างแล้วเสร็จ ก่อนจ่ายต่อ",
            "Paid the 6,000.00 baht its stages allow; the rest waits for Structure done"), flag.Detail(Today));

        // The stage without its photo does not open the gate; with the photo it does.
        var done = await Seed.StagesAsync(home, 3, 5, Today.AddDays(-2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await WithinTenSecondsAsync(Stopwatch.StartNew(), project, Kinds.PaymentWaiting, 1));
        watch.Restart();
        await Seed.PhotoAsync(done);
        await WithinTenSecondsAsync(watch, project, Kinds.PaymentWaiting, 0);
    }
}
