namespace Housing.Mankong;

/// <summary>One line of a schedule: what is due on a day, split into principal and interest.</summary>
public sealed record Instalment(int No, DateOnly DueOn, decimal Principal, decimal Interest);

/// <summary>What is still owed on one instalment (its schedule figures less what repayments paid of it).</summary>
public sealed record Owed(int No, DateOnly DueOn, decimal Interest, decimal Principal);

/// <summary>What one repayment paid of one instalment.</summary>
public sealed record RepaymentPart(int No, decimal Interest, decimal Principal);

/// <summary>Unpaid amounts past their due day, by how long: 1–30, 31–60, 61–90 and over 90 days.</summary>
public sealed record ArrearsBuckets(decimal Days1To30, decimal Days31To60, decimal Days61To90, decimal Over90);

/// <summary>Arrears as of a day: the days since the oldest unpaid due day, the amount unpaid past due, and its ageing.</summary>
public sealed record Arrears(int Days, decimal Amount, ArrearsBuckets Buckets);

/// <summary>
/// The loan arithmetic, pure so each rule is tested with exact figures: the schedule, how a repayment
/// is split over instalments, and the ageing of arrears. All in decimal, rounded to satang half away
/// from zero (the way a bank statement rounds).
/// </summary>
public static class LoanMath
{
    static decimal Satang(decimal x) => Math.Round(x, 2, MidpointRounding.AwayFromZero);

    /// <summary>The level monthly instalment (annuity) for <paramref name="amount"/> over <paramref name="months"/>
    /// at annualRatePercent / 12 a month, before rounding to satang.</summary>
    public static decimal LevelPayment(decimal amount, decimal annualRatePercent, int months)
    {
        if (annualRatePercent == 0) return amount / months;
        var r = annualRatePercent / 1200m;
        // (1 + r)^n by repeated multiplication: decimal keeps 28 digits, far more than satang over 600 months needs.
        var growth = 1m;
        for (var i = 0; i < months; i++) growth *= 1 + r;
        return amount * r * growth / (growth - 1);
    }

    /// <summary>Level instalments on the declining balance: each month's interest is the balance × rate, the rest of
    /// the instalment is principal. The last instalment takes whatever principal is left, so the principal sums to
    /// the amount to the satang whatever the rounding did.</summary>
    public static IReadOnlyList<Instalment> Schedule(decimal amount, decimal annualRatePercent, int months, DateOnly firstDueOn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(months, 1);
        var payment = Satang(LevelPayment(amount, annualRatePercent, months));
        var balance = amount;
        var lines = new List<Instalment>(months);
        for (var no = 1; no <= months; no++)
        {
            // Multiplied before divided: balance × rate / 1200 is exact whenever it ends in half a satang, which
            // balance × (rate / 1200), with the rate's 28-digit truncation, is not (it would round that half down).
            var interest = Satang(balance * annualRatePercent / 1200m);
            // A payment smaller than a month's interest cannot happen for a level instalment, but a tiny loan's
            // rounding could make the principal part negative: never let it.
            var principal = no == months ? balance : Math.Clamp(payment - interest, 0, balance);
            lines.Add(new Instalment(no, DueOn(firstDueOn, no - 1), principal, interest));
            balance -= principal;
        }
        return lines;
    }

    /// <summary>The due day <paramref name="monthsAfter"/> months after the first, counted from the first so that a
    /// loan due on the 31st is due on the 31st again after February's 28th.</summary>
    public static DateOnly DueOn(DateOnly firstDueOn, int monthsAfter) => firstDueOn.AddMonths(monthsAfter);

    /// <summary>Splits a repayment over what is owed, oldest due first, each instalment's interest before its principal.
    /// <paramref name="left"/> is what remains when everything owed is paid.</summary>
    public static IReadOnlyList<RepaymentPart> Allocate(decimal amount, IEnumerable<Owed> owed, out decimal left)
    {
        var parts = new List<RepaymentPart>();
        left = amount;
        foreach (var o in owed.OrderBy(o => o.DueOn).ThenBy(o => o.No))
        {
            if (left <= 0) break;
            var interest = Math.Min(left, o.Interest);
            left -= interest;
            var principal = Math.Min(left, o.Principal);
            left -= principal;
            if (interest + principal > 0) parts.Add(new RepaymentPart(o.No, interest, principal));
        }
        return parts;
    }

    /// <summary>Ages what is unpaid past its due day as of <paramref name="asOf"/>. An instalment due on that day is not
    /// yet in arrears; one day later it is (1 day).</summary>
    public static Arrears Age(IEnumerable<Owed> owed, DateOnly asOf)
    {
        decimal b30 = 0, b60 = 0, b90 = 0, over = 0;
        var days = 0;
        foreach (var o in owed)
        {
            var unpaid = o.Interest + o.Principal;
            if (unpaid <= 0 || o.DueOn >= asOf) continue;
            var late = asOf.DayNumber - o.DueOn.DayNumber;
            days = Math.Max(days, late);
            switch (late)
            {
                case <= 30: b30 += unpaid; break;
                case <= 60: b60 += unpaid; break;
                case <= 90: b90 += unpaid; break;
                default: over += unpaid; break;
            }
        }
        return new Arrears(days, b30 + b60 + b90 + over, new ArrearsBuckets(b30, b60, b90, over));
    }
}
