using Dapper;
using Housing.Access;
using Housing.Rules;

namespace Housing.Milestones;

public sealed record WithdrawMilestone(string? Reason);

public sealed partial class MilestoneService
{
    sealed record Home(decimal Amount, string? Gates, decimal Paid, int? StageTop, int StagePhotos);

    /// <summary>Withdraws a stage saved by mistake: only the home's latest standing one, with a reason; the row stays (with
    /// who and why) but stops counting for gates, tranches and rollups, and the same stage may be recorded again. Refused
    /// while payments rest on it: when what the home was paid is more than its remaining stages allow.
    /// <para>Locks the project row, then the allocation, as payments and transfers do: a payment or transfer waiting
    /// behind this reads after it commits, so none can count the withdrawn stage.</para></summary>
    public async Task<MilestoneView> WithdrawAsync(Caller caller, long milestoneId, WithdrawMilestone cmd, CancellationToken ct = default)
    {
        new Validator().Required(cmd.Reason, "reason", "เหตุผลที่ถอนขั้นตอน", "The reason", 1000).ThrowIfInvalid();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var allocationId = await conn.ExecuteScalarAsync<long?>("SELECT allocation_id FROM milestones WHERE id = @milestoneId", new { milestoneId }, tx)
            ?? throw MilestoneNotFound(milestoneId);
        string? subdistrict;
        Home? home;
        await using (var reads = await conn.QueryMultipleAsync($"""
            SELECT p.subdistrict_code FROM projects p
            WHERE p.id = (SELECT project_id FROM allocations WHERE id = @allocationId) AND {Areas.Writable("p.subdistrict_code")}
            FOR UPDATE;

            SELECT a.amount, (SELECT y.payment_gates::text FROM program_years y WHERE y.program = a.program AND y.fiscal_year = a.fiscal_year) AS gates,
                   {StandingStages.Columns}
            FROM allocations a JOIN projects p ON p.id = a.project_id AND {Areas.Writable("p.subdistrict_code")}
            {StandingStages.Join("a.id")}
            WHERE a.id = @allocationId
            FOR UPDATE OF a;
            """, Areas.Args(caller, AreaRight.RecordMilestone, new { allocationId }), tx))
        {
            subdistrict = await reads.ReadSingleOrDefaultAsync<string>();
            home = await reads.ReadSingleOrDefaultAsync<Home>();
        }
        if (subdistrict is null || home is null)
            throw Areas.Refusal(caller, (await Areas.OfAllocationAsync(conn, allocationId, tx, ct))?.SubdistrictCode, () => MilestoneNotFound(milestoneId));

        var m = await conn.QuerySingleAsync<MilestoneView>($"SELECT {Columns} FROM milestones WHERE id = @milestoneId", new { milestoneId }, tx);
        if (m.WithdrawnAt is not null) throw new Conflict("ขั้นตอนนี้ถูกถอนไปแล้ว", "This stage has already been withdrawn.");
        var latest = await conn.QuerySingleAsync<MilestoneView>(
            $"SELECT {Columns} FROM milestones WHERE allocation_id = @allocationId AND withdrawn_at IS NULL ORDER BY stage_order DESC LIMIT 1", new { allocationId }, tx);
        if (latest.Id != m.Id)
        {
            var name = Gates.StageName(latest.Stage);
            throw new Conflict($"ถอนได้เฉพาะขั้นตอนล่าสุดของบ้าน ({name.Th})", $"Only the home's latest stage ({name.En}) can be withdrawn.")
                { Extensions = { ["latestMilestoneId"] = latest.Id } };
        }
        if (Gates.Allow(Gates.Parse(home.Gates), home.Amount, StandingStages.Of(home.StageTop, home.StagePhotos).Without(m.Stage)) is { } after && home.Paid > after.Payable)
            throw new Conflict(
                $"ถอนไม่ได้: จ่ายเงินไปแล้ว {Thai.Baht(home.Paid, Thai.ThaiCulture)} แต่ขั้นตอนที่เหลือให้จ่ายได้เพียง {Thai.Baht(after.Payable, Thai.ThaiCulture)}",
                $"It cannot be withdrawn: {Thai.Baht(home.Paid, Thai.EnglishCulture)} was paid, and the remaining stages allow only {Thai.Baht(after.Payable, Thai.EnglishCulture)}.")
                { Extensions = { ["paid"] = home.Paid, ["payable"] = after.Payable } };

        var row = await conn.QuerySingleAsync<MilestoneView>($"""
            UPDATE milestones SET withdrawn_at = now(), withdraw_reason = @reason, withdrawn_by = @ActorId
            WHERE id = @milestoneId RETURNING {Columns}
            """, new { milestoneId, reason = cmd.Reason!.Trim(), caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "milestone.withdraw", "milestone", row.Id, m, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }
}
