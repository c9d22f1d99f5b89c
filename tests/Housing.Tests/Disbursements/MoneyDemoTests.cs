using Housing.Disbursements;
using Microsoft.Extensions.Logging.Abstractions;

namespace Housing.Tests.Disbursements;

public sealed class MoneyDemoTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_demo_step_pays_and_records_progress_within_every_limit()
    {
        var first = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        for (var i = 1; i < 7; i++) await MoneySeed.AnotherHomeAsync(app.Db, first, 20_900m);
        await app.Db.ExecuteAsync("UPDATE allocations SET fiscal_year = 2565");

        await MoneyDemo.SeedAsync(app.Services, NullLogger.Instance, default);

        Assert.Equal(117_040m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM transfers")); // 80% of 7 × 20,900
        Assert.Equal(new DateOnly(2022, 1, 20), await app.Db.ScalarAsync<DateOnly>("SELECT received_on FROM transfers"));
        Assert.Equal(1 + 2 + 3 + 4 + 5 + 6 + 7, await app.Db.CountAsync("milestones"));
        // Five homes bought materials (one paid twice around a reversal); two were completed and paid the rest.
        Assert.Equal(5 + 2 + 2, await app.Db.CountAsync("disbursements"));
        Assert.Equal(1, await app.Db.CountAsync("disbursements", "reverses_id IS NOT NULL"));
        Assert.Equal(5 * 12_540m + 2 * 8_360m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements"));
    }
}
