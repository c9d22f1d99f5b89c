using Housing.Mankong;

namespace Housing.Tests.Mankong;

/// <summary>The expected figures were worked out apart from this code (Python's exact fractions, the same rounding
/// rule: half away from zero, to satang).</summary>
public sealed class LoanMathTests
{
    [Fact]
    public void A_million_at_4_percent_over_120_months_is_10124_51_a_month_and_the_principal_sums_to_the_satang()
    {
        var s = LoanMath.Schedule(1_000_000m, 4m, 120, new DateOnly(2026, 1, 31));

        Assert.Equal(120, s.Count);
        Assert.Equal(10_124.51m, decimal.Round(LoanMath.LevelPayment(1_000_000m, 4m, 120), 2));
        Assert.Equal(new Instalment(1, new DateOnly(2026, 1, 31), 6_791.18m, 3_333.33m), s[0]);
        Assert.Equal(new Instalment(2, new DateOnly(2026, 2, 28), 6_813.81m, 3_310.70m), s[1]);
        Assert.Equal(new Instalment(3, new DateOnly(2026, 3, 31), 6_836.53m, 3_287.98m), s[2]);
        Assert.Equal(new Instalment(119, new DateOnly(2035, 11, 30), 10_057.35m, 67.16m), s[118]);
        Assert.Equal(new Instalment(120, new DateOnly(2035, 12, 31), 10_091.43m, 33.64m), s[119]);
        Assert.Equal(1_000_000.00m, s.Sum(i => i.Principal));
        Assert.Equal(214_941.76m, s.Sum(i => i.Interest));
        Assert.All(s.Take(119), i => Assert.Equal(10_124.51m, i.Principal + i.Interest));
    }

    [Fact]
    public void At_0_percent_the_instalments_are_level_and_the_last_takes_the_rounding()
    {
        var three = LoanMath.Schedule(100_000m, 0m, 3, new DateOnly(2026, 5, 15));
        var long120 = LoanMath.Schedule(1_000_000m, 0m, 120, new DateOnly(2026, 5, 15));

        Assert.Equal([
            new Instalment(1, new DateOnly(2026, 5, 15), 33_333.33m, 0m),
            new Instalment(2, new DateOnly(2026, 6, 15), 33_333.33m, 0m),
            new Instalment(3, new DateOnly(2026, 7, 15), 33_333.34m, 0m)], three);
        Assert.Equal(8_333.33m, long120[0].Principal);
        Assert.Equal(8_333.73m, long120[119].Principal);
        Assert.Equal(1_000_000.00m, long120.Sum(i => i.Principal));
    }

    [Fact]
    public void A_housing_loan_of_250000_at_6_5_percent_over_20_years()
    {
        var s = LoanMath.Schedule(250_000m, 6.5m, 240, new DateOnly(2026, 1, 1));
        Assert.Equal((509.76m, 1_354.17m), (s[0].Principal, s[0].Interest));
        Assert.Equal((1_855.32m, 10.05m), (s[239].Principal, s[239].Interest));
        Assert.Equal(250_000.00m, s.Sum(i => i.Principal));
        Assert.Equal(197_344.64m, s.Sum(i => i.Interest));
    }

    [Fact]
    public void A_repayment_goes_to_the_oldest_due_first_interest_before_principal()
    {
        Owed[] owed = [
            new(2, new DateOnly(2026, 2, 28), 3_310.70m, 6_813.81m),
            new(1, new DateOnly(2026, 1, 31), 3_333.33m, 6_791.18m),
            new(3, new DateOnly(2026, 3, 31), 3_288.00m, 6_836.51m)];

        var parts = LoanMath.Allocate(15_000m, owed, out var left);
        var small = LoanMath.Allocate(1_000m, owed, out _);
        var all = LoanMath.Allocate(40_000m, owed, out var over);

        Assert.Equal([new RepaymentPart(1, 3_333.33m, 6_791.18m), new RepaymentPart(2, 3_310.70m, 1_564.79m)], parts);
        Assert.Equal(0m, left);
        Assert.Equal([new RepaymentPart(1, 1_000m, 0m)], small);
        Assert.Equal(3, all.Count);
        Assert.Equal(40_000m - 30_373.53m, over);
    }

    [Fact]
    public void Arrears_age_in_30_60_90_day_buckets_as_of_a_fixed_day()
    {
        var asOf = new DateOnly(2026, 6, 15);
        Owed[] owed = [
            new(1, new DateOnly(2026, 1, 31), 0m, 0m),                 // paid: not in arrears
            new(2, new DateOnly(2026, 2, 28), 0m, 5_249.02m),          // 107 days
            new(3, new DateOnly(2026, 3, 16), 100m, 0m),               // 91 days
            new(4, new DateOnly(2026, 3, 17), 200m, 0m),               // 90 days
            new(5, new DateOnly(2026, 4, 15), 300m, 0m),               // 61 days
            new(6, new DateOnly(2026, 4, 16), 400m, 0m),               // 60 days
            new(7, new DateOnly(2026, 5, 15), 500m, 0m),               // 31 days
            new(8, new DateOnly(2026, 5, 16), 600m, 0m),               // 30 days
            new(9, new DateOnly(2026, 6, 14), 700m, 0m),               // 1 day
            new(10, new DateOnly(2026, 6, 15), 800m, 0m),              // due today: not yet late
            new(11, new DateOnly(2026, 7, 15), 900m, 0m)];

        var a = LoanMath.Age(owed, asOf);

        Assert.Equal(new Arrears(107, 8_049.02m, new ArrearsBuckets(1_300m, 900m, 500m, 5_349.02m)), a);
        Assert.Equal(new Arrears(0, 0m, new ArrearsBuckets(0m, 0m, 0m, 0m)), LoanMath.Age(owed, new DateOnly(2026, 1, 31)));
    }
}
