using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Rules;

/// <summary>One tranche of a project as its page shows it: <see cref="Amount"/> baht up to <see cref="UpTo"/> in all;
/// <see cref="Status"/> <c>received</c>, <c>unlocked</c> (may be received) or <c>waiting</c> (for <see cref="Needed"/>
/// homes at <see cref="Stage"/>, <see cref="Have"/> so far).</summary>
public sealed record TrancheState(int No, decimal Share, decimal Amount, decimal UpTo, decimal Received, string? Stage, decimal? HomesPercent,
    bool Photo, int Needed, int Have, string Status)
{
    /// <summary>"งวดที่ 2 ต้องมีบ้านเริ่มก่อสร้างพร้อมรูป 3 หลัง: ตอนนี้ 1 หลัง"</summary>
    public Msg Condition => Stage is null ? new("ไม่มีเงื่อนไข", "no condition") : new(
        $"งวดที่ {No} ต้องมีบ้าน{Gates.StageName(Stage).Th}{(Photo ? "พร้อมรูป" : "")} {Needed} หลัง: ตอนนี้ {Have} หลัง",
        $"tranche {No} needs {Needed} homes at {Gates.StageName(Stage).En}{(Photo ? " with a photo" : "")}: {Have} so far");
}

/// <summary>A project's tranches (its program year's plan) against its progress. A tranche is unlocked when every tranche
/// before it is and <c>homesPercent</c> % of the project's live homes (at least one) stand at its stage, with a photo
/// there where asked; one without a condition is free. When every tranche is unlocked the project's whole amount may
/// come in (the plan's conditions are all met).</summary>
public static class Tranches
{
    sealed record Progress(string? Tranches, decimal Amount, int Homes);

    sealed record StageCount(string Stage, int Homes, int WithPhoto);

    /// <summary>The tranches of a project with <paramref name="received"/> baht in (net of reversals); null when its
    /// program year sets none. Withdrawn stages and cancelled homes do not count.</summary>
    public static async Task<IReadOnlyList<TrancheState>?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long projectId, decimal received, CancellationToken ct)
    {
        await using var reads = await conn.QueryMultipleAsync(new CommandDefinition("""
            SELECT y.tranches::text AS tranches, p.amount,
                   (SELECT count(*)::int FROM allocations a WHERE a.project_id = p.id AND a.cancelled_at IS NULL) AS homes
            FROM projects p JOIN budgets b ON b.id = p.budget_id
            LEFT JOIN program_years y ON y.program = b.program AND y.fiscal_year = b.fiscal_year
            WHERE p.id = @projectId;

            SELECT m.stage, count(*)::int AS homes,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM milestone_photos ph WHERE ph.milestone_id = m.id))::int AS with_photo
            FROM milestones m JOIN allocations a ON a.id = m.allocation_id
            WHERE a.project_id = @projectId AND a.cancelled_at IS NULL AND m.withdrawn_at IS NULL
            GROUP BY m.stage;
            """, new { projectId }, tx, cancellationToken: ct));
        var p = await reads.ReadSingleAsync<Progress>();
        var counts = (await reads.ReadAsync<StageCount>()).ToDictionary(c => c.Stage);
        var plan = Gates.ParseTranches(p.Tranches);
        if (plan is null || plan.Length == 0) return null;

        var states = new List<TrancheState>();
        decimal share = 0, before = 0;
        var open = true; // every tranche so far unlocked
        for (var i = 0; i < plan.Length; i++)
        {
            var t = plan[i];
            share += t.Share!.Value;
            var upTo = i == plan.Length - 1 && share >= 100 ? p.Amount : Gates.Of(p.Amount, share);
            int needed = 0, have = 0;
            if (t.Stage is not null)
            {
                needed = Math.Max(1, (int)Math.Ceiling(p.Homes * (t.HomesPercent ?? 100m) / 100m));
                have = counts.TryGetValue(t.Stage, out var c) ? (t.Photo == true ? c.WithPhoto : c.Homes) : 0;
            }
            open = open && have >= needed;
            var got = Math.Clamp(received - before, 0, upTo - before);
            var status = received >= upTo ? "received" : open ? "unlocked" : "waiting";
            states.Add(new TrancheState(i + 1, t.Share.Value, upTo - before, upTo, got, t.Stage, t.HomesPercent, t.Photo == true, needed, have, status));
            before = upTo;
        }
        return states;
    }

    /// <summary>How much may be received in all: the tranches unlocked so far, or the whole amount once all are.</summary>
    public static decimal Unlocked(IReadOnlyList<TrancheState> states, decimal projectAmount)
        => states.All(s => s.Status != "waiting") ? projectAmount : states.TakeWhile(s => s.Status != "waiting").Select(s => s.UpTo).DefaultIfEmpty(0m).Last();

    /// <summary>What a waiting tranche waits for: the first condition unmet at or before it. A tranche received earlier
    /// whose stage was since withdrawn holds back the ones after it, and they name its condition, not their own.</summary>
    public static TrancheState Blocking(IReadOnlyList<TrancheState> states, TrancheState waiting)
        => states.FirstOrDefault(s => s.No <= waiting.No && s.Have < s.Needed) ?? waiting;

    /// <summary>Refuses a transfer of <paramref name="amount"/> past the tranches unlocked, naming the condition still unmet.
    /// Called after the project lock, in the transfer's transaction.</summary>
    public static async Task EnsureUnlockedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long projectId, decimal projectAmount, decimal received,
        decimal amount, CancellationToken ct)
    {
        if (await ReadAsync(conn, tx, projectId, received, ct) is not { } states) return;
        var unlocked = Unlocked(states, projectAmount);
        if (received + amount <= unlocked) return;
        var left = Math.Max(0m, unlocked - received);
        var waiting = Blocking(states, states.First(s => s.Status == "waiting")).Condition;
        throw new Conflict($"{waiting.Th} (รับโอนได้อีก {Thai.Baht(left, Thai.ThaiCulture)})",
            $"Not unlocked yet: {waiting.En} ({Thai.Baht(left, Thai.EnglishCulture)} may be received now).")
        {
            Extensions = { ["tranche"] = states.First(s => s.Status == "waiting").No, ["unlockedRemaining"] = left },
        };
    }
}

/// <summary>A project's tranches for its page.</summary>
public sealed class TrancheService(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<TrancheState>?> ListAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var subdistrict = await Areas.OfProjectAsync(conn, projectId, ct: ct);
        if (subdistrict is null || !caller.CanRead(subdistrict)) throw Budgets.BudgetService.ProjectNotFound(projectId);
        var received = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT coalesce(sum(amount), 0) FROM transfers WHERE project_id = @projectId AND kind <> 'refund'", new { projectId }, cancellationToken: ct));
        return await Tranches.ReadAsync(conn, null, projectId, received, ct);
    }
}
