using System.Text.Json;
using Housing.Milestones;

namespace Housing.Rules;

/// <summary>A home's standing stages (withdrawn ones left out), each with whether a photo was attached there. From the home's
/// row of <c>home_progress</c> (0019), kept by the writes: its standing stages are 1 .. top, and bit n - 1 of its photos stands
/// for stage n. The statement that locks the allocation joins that row (<see cref="Join"/>) and reads <see cref="Columns"/>.</summary>
public sealed record StandingStages(IReadOnlySet<string> Reached, IReadOnlySet<string> WithPhoto)
{
    /// <summary>The stage codes in stage order: element n - 1 is stage n (<see cref="MilestoneService.Stages"/>).</summary>
    static readonly string[] Ordered = MilestoneService.Stages.OrderBy(s => s.Order).Select(s => s.Code).ToArray();

    /// <summary>The same as a SQL text[]: element n is stage n.</summary>
    public static readonly string Codes = "'{" + string.Join(',', Ordered) + "}'::text[]";

    /// <summary>The join of allocation <paramref name="allocation"/>'s (an expression naming its id) row of progress, alias <c>h</c>.</summary>
    public static string Join(string allocation) => $"LEFT JOIN home_progress h ON h.allocation_id = {allocation}";

    /// <summary>What was paid (net of reversals), the top stage and the photos' bits from <see cref="Join"/>'s row, as the
    /// columns <c>paid</c>, <c>stage_top</c> and <c>stage_photos</c>.</summary>
    public const string Columns = "coalesce(h.paid, 0) AS paid, h.top::int AS stage_top, coalesce(h.photos, 0)::int AS stage_photos";

    /// <summary>The stages 1 .. <paramref name="top"/> (none without a row), with a photo where bit n - 1 of <paramref name="photos"/> is set.</summary>
    public static StandingStages Of(int? top, int photos)
    {
        var reached = Ordered.Take(Math.Clamp(top ?? 0, 0, Ordered.Length)).ToArray();
        return new(reached.ToHashSet(), reached.Where((_, i) => (photos & (1 << i)) != 0).ToHashSet());
    }

    public StandingStages Without(string stage) => new(Reached.Where(s => s != stage).ToHashSet(), WithPhoto.Where(s => s != stage).ToHashSet());
}

/// <summary>What a program year's payment gates let a home be paid: <see cref="Payable"/> in all (of which some may be paid
/// already), and the next gate that would raise it.</summary>
public sealed record Allowance(decimal Payable, decimal Share, PaymentGate? Next, decimal? NextPayable)
{
    public Msg NextText => Next is null
        ? new("ขั้นตอนครบตามเงื่อนไขการจ่ายแล้ว", "every payment gate is reached")
        : new($"ต้องถึงขั้น{Gates.StageName(Next.Stage).Th}{(Next.Photo == true ? "พร้อมรูปถ่าย" : "")} จึงจ่ายได้ถึงร้อยละ {Next.PayableShare:0.##} ของงบ ({Thai.Baht(NextPayable!.Value, Thai.ThaiCulture)})",
              $"the home must reach {Gates.StageName(Next.Stage).En}{(Next.Photo == true ? " with a photo" : "")} to unlock {Next.PayableShare:0.##} % of its allocation ({Thai.Baht(NextPayable!.Value, Thai.EnglishCulture)})");
}

/// <summary>Payment gates: a home may be paid up to <c>payableShare</c> % of its allocation once it reached the gate's stage
/// (with a photo there where asked); before the first gate, nothing. No gates: the allocation itself is the limit.</summary>
public static class Gates
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static PaymentGate[]? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<PaymentGate[]>(json, Json);

    public static Tranche[]? ParseTranches(string? json) => json is null ? null : JsonSerializer.Deserialize<Tranche[]>(json, Json);

    public static Msg StageName(string? code)
        => MilestoneService.Stages.FirstOrDefault(s => s.Code == code) is { } s ? new(s.NameTh, s.NameEn) : new(code ?? "", code ?? "");

    static bool Met(PaymentGate g, StandingStages stages) => stages.Reached.Contains(g.Stage!) && (g.Photo != true || stages.WithPhoto.Contains(g.Stage!));

    /// <summary>The gates' allowance for an allocation of <paramref name="amount"/>; null without gates.</summary>
    public static Allowance? Allow(IReadOnlyList<PaymentGate>? gates, decimal amount, StandingStages stages)
    {
        if (gates is null || gates.Count == 0) return null;
        var share = gates.Where(g => Met(g, stages)).Select(g => g.PayableShare!.Value).DefaultIfEmpty(0m).Max();
        var next = gates.FirstOrDefault(g => !Met(g, stages) && g.PayableShare > share);
        return new Allowance(Of(amount, share), share, next, next is null ? null : Of(amount, next.PayableShare!.Value));
    }

    public static decimal Of(decimal amount, decimal percent) => decimal.Round(amount * percent / 100m, 2, MidpointRounding.AwayFromZero);

    /// <summary>The 409 for a payment past the gates: what may be paid now and the next stage needed.</summary>
    public static Conflict Refusal(Allowance allow, decimal paid)
    {
        var now = Math.Max(0m, allow.Payable - paid);
        var next = allow.NextText;
        return new Conflict($"ยังจ่ายไม่ได้ตามเงื่อนไขการจ่าย: ตอนนี้จ่ายได้อีก {Thai.Baht(now, Thai.ThaiCulture)} {next.Th}",
            $"Not payable yet under the payment gates: {Thai.Baht(now, Thai.EnglishCulture)} may be paid now; {next.En}.")
        {
            Extensions = { ["payableNow"] = now, ["nextStage"] = allow.Next?.Stage, ["nextPayable"] = allow.NextPayable },
        };
    }
}
