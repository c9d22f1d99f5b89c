using Dapper;
using Housing.Access;
using Housing.Ledgers;
using Npgsql;

namespace Housing.Transfers;

public sealed record RecordTransfer(decimal? Amount, DateOnly? ReceivedOn, string? Reference);
public sealed record ReverseTransfer(string? Reason);
public sealed record RecordRefund(decimal? Amount, DateOnly? PaidOn, string? Reference);

/// <summary>An entry of the transfers ledger: a tranche received (<c>transfer</c>), its reversal (<c>reversal</c>, negative,
/// pointing at it) or money returned to CODI (<c>refund</c>, negative).</summary>
public sealed record TransferView(long Id, long ProjectId, decimal Amount, DateOnly ReceivedOn, string Reference, DateTime CreatedAt,
    string Kind = "transfer", long? ReversesId = null, string? Reason = null);

/// <summary>A refund as its caller sees it: the amount returned (positive) and the day it was paid back.</summary>
public sealed record RefundView(long Id, long ProjectId, decimal Amount, DateOnly PaidOn, string Reference, DateTime CreatedAt);

/// <summary>Tranches the council receives from CODI for a project (the cash that payments draw on), their reversals and
/// refunds. Every write locks the project row first, as the payments do, so the figures read after it are final.</summary>
public sealed class TransferService(NpgsqlDataSource db, TimeProvider clock)
{
    const string Columns = "id, project_id, amount, received_on, reference, created_at, kind, reverses_id, reason";

    sealed record LockedProject(string SubdistrictCode, int FiscalYear, decimal Amount, bool Cancelled, decimal Received, decimal Cash);

    /// <summary>Locks the project if the caller may record its money; an outsider's statement finds (and locks) nothing.
    /// Received is what CODI sent net of reversals (refunds aside); cash what is on hand. Both are read by a second statement,
    /// after the lock: a statement that waited for the lock keeps the snapshot it began with, so sums taken with the lock
    /// would miss a concurrent transfer committed while it waited (two tranches could then both pass the project's amount).</summary>
    static async Task<LockedProject> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, long projectId, Func<NotFound>? notFound = null)
    {
        LockedProject? locked = null;
        await using (var reads = await conn.QueryMultipleAsync($"""
            SELECT p.subdistrict_code, b.fiscal_year, p.amount, p.cancelled_at IS NOT NULL AS cancelled
            FROM projects p JOIN budgets b ON b.id = p.budget_id
            WHERE p.id = @projectId AND {Areas.Writable("p.subdistrict_code")}
            FOR UPDATE OF p;

            SELECT (SELECT coalesce(sum(t.amount), 0) FROM transfers t WHERE t.project_id = p.id AND t.kind <> 'refund') AS received,
                   coalesce((SELECT c.received - c.paid FROM project_cash c WHERE c.project_id = p.id), 0) AS cash
            FROM projects p
            WHERE p.id = @projectId AND {Areas.Writable("p.subdistrict_code")};
            """, Areas.Args(caller, AreaRight.RecordMoney, new { projectId }), tx))
        {
            var row = await reads.ReadSingleOrDefaultAsync<(string SubdistrictCode, int FiscalYear, decimal Amount, bool Cancelled)?>();
            var money = await reads.ReadSingleOrDefaultAsync<(decimal Received, decimal Cash)?>();
            if (row is { } r && money is { } m) locked = new LockedProject(r.SubdistrictCode, r.FiscalYear, r.Amount, r.Cancelled, m.Received, m.Cash);
        }
        return locked ?? throw Areas.Refusal(caller, await Areas.OfProjectAsync(conn, projectId, tx), notFound ?? (() => Budgets.BudgetService.ProjectNotFound(projectId)));
    }

    /// <summary>Records a tranche. A CODI reference names one tranche, so the same reference again with the same amount
    /// and date is a repeat (a double tap): the first row is answered and nothing is written; with other figures it is a 409.
    /// Refused past the project's amount, and before the project's fiscal year began.
    /// <para>With <paramref name="idempotencyKey"/> (a phone's outbox sends one), the same key again answers the first row; the same
    /// key with other figures is a 409.</para></summary>
    public async Task<Saved<TransferView>> RecordAsync(Caller caller, long projectId, RecordTransfer cmd, CancellationToken ct = default, string? idempotencyKey = null)
    {
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.ReceivedOn, "receivedOn", clock);
        v.Required(cmd.Reference, "reference", "เลขที่อ้างอิง", "The reference", 100);
        var key = Idempotency.Key(v, idempotencyKey);
        v.ThrowIfInvalid();
        var hash = key is null ? null : Idempotency.Hash(projectId, cmd.Amount, cmd.ReceivedOn, cmd.Reference!.Trim());

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var project = await LockAsync(conn, tx, caller, projectId);
        var reference = cmd.Reference!.Trim();
        // Looked up after the project lock: a concurrent request with this key waited on it, and now finds the first one's row.
        if (key is not null && await conn.QuerySingleOrDefaultAsync<(long Id, string? Hash)?>(
                "SELECT id, request_hash FROM transfers WHERE project_id = @projectId AND idempotency_key = @key", new { projectId, key }, tx) is { } keyed)
        {
            if (keyed.Hash != hash) throw Idempotency.Reused(keyed.Id, "transferId");
            return new Saved<TransferView>(await conn.QuerySingleAsync<TransferView>($"SELECT {Columns} FROM transfers WHERE id = @Id", new { keyed.Id }, tx), true);
        }
        // A tranche reversed (typed wrong) no longer holds its reference: the right figures may be recorded under it again.
        var seen = await conn.QuerySingleOrDefaultAsync<TransferView>($"""
            SELECT {Columns} FROM transfers t
            WHERE t.project_id = @projectId AND t.reference = @reference AND t.kind = 'transfer'
              AND NOT EXISTS (SELECT FROM transfers r WHERE r.reverses_id = t.id)
            """, new { projectId, reference }, tx);
        if (seen is not null)
        {
            if (seen.Amount != cmd.Amount || seen.ReceivedOn != cmd.ReceivedOn)
                throw new Conflict($"มีเงินโอนเลขที่อ้างอิง {reference} แล้ว", $"A transfer with reference {reference} is already recorded.")
                    { Extensions = { ["transferId"] = seen.Id } };
            return new Saved<TransferView>(seen, true);
        }
        CashDays.EnsureInFiscalYear(cmd.ReceivedOn!.Value, project.FiscalYear, "receivedOn");
        if (project.Cancelled) throw ProjectCancelled();
        var left = project.Amount - project.Received;
        if (cmd.Amount > left)
            throw new Conflict($"เกินวงเงินโครงการ: รับโอนได้อีก {Thai.Baht(left, Thai.ThaiCulture)}",
                $"Over the project's amount: {Thai.Baht(left, Thai.EnglishCulture)} is left to receive.") { Extensions = { ["remaining"] = left } };
        // The program year's tranches, read after the project lock: a withdrawal of a stage takes that lock too.
        await Rules.Tranches.EnsureUnlockedAsync(conn, tx, projectId, project.Amount, project.Received, cmd.Amount!.Value, ct);
        var row = await conn.QuerySingleAsync<TransferView>($"""
            INSERT INTO transfers (project_id, amount, received_on, reference, idempotency_key, request_hash, created_by)
            VALUES (@projectId, @Amount, @ReceivedOn, @reference, @key, @hash, @ActorId)
            RETURNING {Columns}
            """, new { projectId, cmd.Amount, cmd.ReceivedOn, reference, key, hash, caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "transfer.record", "transfer", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<TransferView>(row, false);
    }

    /// <summary>Undoes a tranche (typed with an extra zero, never arrived): a negative entry dated today, with a reason.
    /// Refused when the cash left would not cover what was paid, and for an entry reversed already or not a tranche.</summary>
    public async Task<TransferView> ReverseAsync(Caller caller, long transferId, ReverseTransfer cmd, CancellationToken ct = default)
    {
        new Validator().Required(cmd.Reason, "reason", "เหตุผลที่กลับรายการ", "The reason", 1000).ThrowIfInvalid();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var projectId = await conn.ExecuteScalarAsync<long?>("SELECT project_id FROM transfers WHERE id = @transferId", new { transferId }, tx)
            ?? throw TransferNotFound(transferId);
        await LockAsync(conn, tx, caller, projectId, () => TransferNotFound(transferId));
        var original = await conn.QuerySingleAsync<TransferView>($"SELECT {Columns} FROM transfers WHERE id = @transferId", new { transferId }, tx);
        if (original.Kind != "transfer")
            throw new Conflict("รายการนี้ไม่ใช่เงินโอนจาก พอช. กลับรายการไม่ได้", "This entry is not a tranche received; it cannot be reversed.");
        var reversedBy = await conn.ExecuteScalarAsync<long?>("SELECT id FROM transfers WHERE reverses_id = @transferId", new { transferId }, tx);
        if (reversedBy is long by)
            throw new Conflict("เงินโอนนี้ถูกกลับรายการไปแล้ว", "This transfer has already been reversed.") { Extensions = { ["reversedById"] = by } };
        var today = Thai.Today(clock);
        var lowest = await CashDays.LowestAsync(conn, tx, projectId, today, ct);
        if (original.Amount > lowest.LowBalance)
            throw new Conflict($"กลับรายการไม่ได้: เงินสดคงเหลือ {Thai.Baht(lowest.LowBalance, Thai.ThaiCulture)} ไม่พอกับที่จ่ายไปแล้ว",
                $"It cannot be reversed: the {Thai.Baht(lowest.LowBalance, Thai.EnglishCulture)} on hand would not cover what was paid.")
            { Extensions = { ["cash"] = lowest.LowBalance } };

        var row = await conn.QuerySingleAsync<TransferView>($"""
            INSERT INTO transfers (project_id, amount, received_on, reference, kind, reverses_id, reason, created_by)
            VALUES (@ProjectId, -@Amount, @today, @Reference, 'reversal', @Id, @reason, @ActorId)
            RETURNING {Columns}
            """, new { original.ProjectId, original.Amount, today, original.Reference, original.Id, reason = cmd.Reason!.Trim(), caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "transfer.reverse", "transfer", row.Id, original, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>Money the council returned to CODI (what was left at year end): within the cash on hand, and never making
    /// an earlier day's balance negative.</summary>
    public async Task<RefundView> RefundAsync(Caller caller, long projectId, RecordRefund cmd, CancellationToken ct = default)
    {
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.PaidOn, "paidOn", clock);
        v.Required(cmd.Reference, "reference", "เลขที่อ้างอิง", "The reference", 100);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var project = await LockAsync(conn, tx, caller, projectId);
        CashDays.EnsureInFiscalYear(cmd.PaidOn!.Value, project.FiscalYear, "paidOn");
        var amount = cmd.Amount!.Value;
        if (amount > project.Cash)
            throw new Conflict($"คืนเงินเกินเงินสดคงเหลือ {Thai.Baht(project.Cash, Thai.ThaiCulture)} ไม่ได้",
                $"The refund is over the {Thai.Baht(project.Cash, Thai.EnglishCulture)} on hand.") { Extensions = { ["cash"] = project.Cash } };
        CashDays.EnsureCovers(await CashDays.LowestAsync(conn, tx, projectId, cmd.PaidOn.Value, ct), amount);

        var row = await conn.QuerySingleAsync<TransferView>($"""
            INSERT INTO transfers (project_id, amount, received_on, reference, kind, created_by)
            VALUES (@projectId, -@amount, @PaidOn, @reference, 'refund', @ActorId)
            RETURNING {Columns}
            """, new { projectId, amount, cmd.PaidOn, reference = cmd.Reference!.Trim(), caller.ActorId }, tx);
        var view = new RefundView(row.Id, row.ProjectId, -row.Amount, row.ReceivedOn, row.Reference, row.CreatedAt);
        await Audit.WriteAsync(conn, tx, caller, "transfer.refund", "transfer", row.Id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    /// <summary>One entry of a project's transfers ledger (the reverse page's header).</summary>
    public async Task<TransferView> GetAsync(Caller caller, long transferId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<TransferView>($"SELECT {Columns} FROM transfers WHERE id = @transferId", new { transferId });
        var subdistrict = row is null ? null : await Areas.OfProjectAsync(conn, row.ProjectId, ct: ct);
        if (row is null || subdistrict is null || !caller.CanRead(subdistrict)) throw TransferNotFound(transferId);
        return row;
    }

    public static Conflict ProjectCancelled() => new("โครงการนี้ถูกยกเลิกแล้ว", "This project is cancelled.");

    static NotFound TransferNotFound(long id) => NotFound.Of($"เงินโอนเลขที่ {id}", $"Transfer {id}");
}
