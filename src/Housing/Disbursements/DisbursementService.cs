using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Housing.Access;
using Housing.Transfers;
using Npgsql;

namespace Housing.Disbursements;

public sealed record RecordDisbursement(decimal? Amount, DateOnly? PaidOn, string? Payee, string? ReceiptNo,
    string? PayeeType = null, string? Method = null, string? Note = null);

public sealed record ReverseDisbursement(string? Reason);

public sealed record DisbursementView(long Id, long AllocationId, long ProjectId, decimal Amount, DateOnly PaidOn, string Payee,
    string PayeeType, string Method, string? ReceiptNo, string? Note, long? ReversesId, string? Reason, DateTime CreatedAt)
{
    /// <summary>Its receipt photos (<c>GET /receipts/{id}</c>), oldest first; filled in by the list of a home's payments.</summary>
    public IReadOnlyList<long> ReceiptIds { get; init; } = [];
}

/// <summary>
/// Payments out of a project's cash to a household or a supplier, and their reversals. The ledger is
/// append-only (a trigger refuses UPDATE and DELETE), so a correction is a new negative row.
/// Every write locks the project row, then the allocation row: concurrent payments queue there and the
/// sums read after the locks are final, so no limit can be passed (and the fixed order cannot deadlock).
/// </summary>
public sealed class DisbursementService(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] PayeeTypes = ["household", "supplier"];
    public static readonly string[] Methods = ["transfer", "cash", "cheque"];

    const string Columns = "id, allocation_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, note, reverses_id, reason, created_at";

    /// <summary>A row of <see cref="LockReads"/>, its columns in this order.</summary>
    sealed record Locked(long AllocationId, long ProjectId, int FiscalYear, decimal Amount, bool Cancelled, string HeadName,
        decimal Cash, long? SeenId, string? SeenHash, string? Gates, decimal Paid, int? StageTop, int StagePhotos)
    {
        /// <summary>The cash book's lowest end-of-day balance from the payment's date on (read only for a payment).</summary>
        public Ledgers.CashDays.Lowest? Lowest { get; set; }
    }

    /// <summary>The payment, its audit row (the same fields Audit.WriteAsync would write, built by the database from the
    /// inserted row) and the commit, in one round trip. An error skips the rest of the batch, COMMIT included.</summary>
    static readonly string RecordSql = $"""
        WITH d AS (
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, note,
                                       idempotency_key, request_hash, created_by)
            VALUES (@allocationId, @ProjectId, @amount, @PaidOn, @payee, @payeeType, @method, @receiptNo, @note, @key, @hash, @ActorId)
            RETURNING {Columns}
        ), audit AS (
            INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, after)
            SELECT @ActorId, @actorName, 'disbursement.record', 'disbursement', d.id::text, jsonb_build_object(
                'id', d.id, 'allocationId', d.allocation_id, 'projectId', d.project_id, 'amount', d.amount, 'paidOn', d.paid_on,
                'payee', d.payee, 'payeeType', d.payee_type, 'method', d.method, 'receiptNo', d.receipt_no, 'note', d.note,
                'reversesId', d.reverses_id, 'reason', d.reason, 'createdAt', d.created_at)
            FROM d
        )
        SELECT {Columns} FROM d;
        COMMIT;
        """;

    public async Task<Saved<DisbursementView>> RecordAsync(Caller caller, long allocationId, RecordDisbursement cmd, string? idempotencyKey, CancellationToken ct = default)
    {
        var payeeType = string.IsNullOrWhiteSpace(cmd.PayeeType) ? "household" : cmd.PayeeType.Trim();
        var method = string.IsNullOrWhiteSpace(cmd.Method) ? "transfer" : cmd.Method.Trim();
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.PaidOn, "paidOn", clock);
        v.Check(PayeeTypes.Contains(payeeType), "payeeType", "ผู้รับเงินต้องเป็นครัวเรือนหรือผู้ขาย", "The payee type must be household or supplier.");
        v.Check(Methods.Contains(method), "method", "วิธีจ่ายต้องเป็นโอน เงินสด หรือเช็ค", "The method must be transfer, cash or cheque.");
        // A household payee defaults to the head of the household; a supplier must be named.
        if (payeeType != "household" || !string.IsNullOrWhiteSpace(cmd.Payee)) v.Required(cmd.Payee, "payee", "ชื่อผู้รับเงิน", "The payee", 200);
        v.Optional(cmd.ReceiptNo, "receiptNo", "เลขที่ใบเสร็จ", "The receipt number", 100);
        v.Optional(cmd.Note, "note", "หมายเหตุ", "The note", 1000);
        var key = idempotencyKey?.Trim();
        if (key is not null) v.Check(key.Length is >= 1 and <= 200, "Idempotency-Key", "Idempotency-Key ต้องยาว 1–200 ตัวอักษร", "The Idempotency-Key must be 1–200 characters.");
        v.ThrowIfInvalid();
        var receiptNo = Blank(cmd.ReceiptNo);
        var note = Blank(cmd.Note);
        var hash = key is null ? null : RequestHash(allocationId, cmd.Amount!.Value, cmd.PaidOn!.Value, payeeType, cmd.Payee?.Trim(), method, receiptNo, note);

        // Two round trips: BEGIN goes with the locks and reads, COMMIT with the inserts. So there is no NpgsqlTransaction
        // object (its Commit would be a third): when anything throws in between, closing the connection rolls the
        // transaction back (Npgsql resets a pooled connection that is still in one).
        await using var conn = await db.OpenConnectionAsync(ct);
        // The project row is locked first, so a concurrent request with this key waits, then finds the first one's row.
        var a = await LockAsync(conn, null, caller, allocationId, key, ct, paidOn: cmd.PaidOn);
        if (a.SeenId is long seenId)
        {
            if (a.SeenHash != hash)
                throw new Conflict("Idempotency-Key นี้ใช้กับรายการอื่นไปแล้ว", "This Idempotency-Key was already used for a different payment.")
                    { Extensions = { ["disbursementId"] = seenId } };
            await using var seen = await conn.QueryMultipleAsync(new CommandDefinition(
                $"SELECT {Columns} FROM disbursements WHERE id = @seenId; COMMIT;", new { seenId }, cancellationToken: ct));
            return new Saved<DisbursementView>(await seen.ReadSingleAsync<DisbursementView>(), true);
        }
        Ledgers.CashDays.EnsureInFiscalYear(cmd.PaidOn!.Value, a.FiscalYear, "paidOn");
        if (a.Cancelled) throw new Conflict("การจัดสรรนี้ถูกยกเลิกแล้ว จ่ายเงินไม่ได้", "This allocation is cancelled: it takes no payments.");
        var amount = cmd.Amount!.Value;
        var remaining = a.Amount - a.Paid;
        if (amount > remaining)
            throw new Conflict($"เกินงบของครัวเรือน: จ่ายได้อีก {Thai.Baht(remaining, Thai.ThaiCulture)}",
                $"Over the allocation: {Thai.Baht(remaining, Thai.EnglishCulture)} is left to pay.") { Extensions = { ["remaining"] = remaining } };
        // The program year's gates and the home's standing stages came with the locks (no extra round trip). A stage
        // withdrawn concurrently cannot slip in: the withdrawal takes the project lock too.
        if (Rules.Gates.Allow(Rules.Gates.Parse(a.Gates), a.Amount, Rules.StandingStages.Of(a.StageTop, a.StagePhotos)) is { } allow && a.Paid + amount > allow.Payable)
            throw Rules.Gates.Refusal(allow, a.Paid);
        if (amount > a.Cash)
            throw new Conflict($"เงินสดของโครงการไม่พอ: คงเหลือ {Thai.Baht(a.Cash, Thai.ThaiCulture)}",
                $"Not enough cash received for the project: {Thai.Baht(a.Cash, Thai.EnglishCulture)} is on hand.") { Extensions = { ["cash"] = a.Cash } };
        // Back-dated: the cash on hand today may cover it while an earlier day did not.
        Ledgers.CashDays.EnsureCovers(a.Lowest!, amount);

        await using var written = await conn.QueryMultipleAsync(new CommandDefinition(RecordSql, new
            {
                allocationId, a.ProjectId, amount, cmd.PaidOn, payee = Blank(cmd.Payee) ?? a.HeadName, payeeType, method, receiptNo, note,
                key, hash, caller.ActorId, actorName = caller.Username,
            }, cancellationToken: ct));
        var row = await written.ReadSingleAsync<DisbursementView>();
        return new Saved<DisbursementView>(row, false);
    }

    /// <summary>A correction: a new row of the opposite amount, dated today, with a reason. A payment is reversed at most once.</summary>
    public async Task<DisbursementView> ReverseAsync(Caller caller, long disbursementId, ReverseDisbursement cmd, CancellationToken ct = default)
    {
        new Validator().Required(cmd.Reason, "reason", "เหตุผลที่กลับรายการ", "The reason", 1000).ThrowIfInvalid();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var allocationId = await conn.ExecuteScalarAsync<long?>("SELECT allocation_id FROM disbursements WHERE id = @disbursementId", new { disbursementId }, tx)
            ?? throw NotFoundPayment(disbursementId);
        await LockAsync(conn, tx, caller, allocationId, null, ct, () => NotFoundPayment(disbursementId));
        var original = await conn.QuerySingleAsync<DisbursementView>($"SELECT {Columns} FROM disbursements WHERE id = @disbursementId", new { disbursementId }, tx);
        if (original.ReversesId is not null)
            throw new Conflict("รายการนี้เป็นการกลับรายการอยู่แล้ว กลับซ้ำไม่ได้", "This entry is itself a reversal; it cannot be reversed.");
        var reversedBy = await conn.ExecuteScalarAsync<long?>("SELECT id FROM disbursements WHERE reverses_id = @disbursementId", new { disbursementId }, tx);
        if (reversedBy is long by)
            throw new Conflict("รายการจ่ายนี้ถูกกลับรายการไปแล้ว", "This payment has already been reversed.") { Extensions = { ["reversedById"] = by } };

        var row = await conn.QuerySingleAsync<DisbursementView>($"""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, reverses_id, reason, created_by)
            VALUES (@AllocationId, @ProjectId, -@Amount, @today, @Payee, @PayeeType, @Method, @ReceiptNo, @Id, @reason, @ActorId)
            RETURNING {Columns}
            """, new
            {
                original.AllocationId, original.ProjectId, original.Amount, today = Thai.Today(clock), original.Payee, original.PayeeType,
                original.Method, original.ReceiptNo, original.Id, reason = cmd.Reason!.Trim(), caller.ActorId,
            }, tx);
        await Audit.WriteAsync(conn, tx, caller, "disbursement.reverse", "disbursement", row.Id, original, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>Payments and reversals of one allocation, oldest first.</summary>
    public async Task<IReadOnlyList<DisbursementView>> ListAsync(Caller caller, long allocationId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var place = await Areas.OfAllocationAsync(conn, allocationId, ct: ct) ?? throw Allocations.AllocationService.AllocationNotFound(allocationId);
        caller.EnsureCanRead(place.SubdistrictCode, () => Allocations.AllocationService.AllocationNotFound(allocationId));
        var rows = await conn.QueryAsync<DisbursementView>($"SELECT {Columns} FROM disbursements WHERE allocation_id = @allocationId ORDER BY id", new { allocationId });
        var receipts = await ReceiptService.IdsAsync(conn, null, "SELECT id FROM disbursements WHERE allocation_id = @allocationId", new { allocationId });
        return rows.Select(d => d with { ReceiptIds = receipts[d.Id].ToList() }).ToList();
    }

    /// <summary>What the payment gates allow this home now (for the payment form); null when its program year has no gates.</summary>
    public async Task<(Rules.Allowance? Allow, decimal Paid)> GateAsync(Caller caller, long allocationId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var place = await Areas.OfAllocationAsync(conn, allocationId, ct: ct) ?? throw Allocations.AllocationService.AllocationNotFound(allocationId);
        caller.EnsureCanRead(place.SubdistrictCode, () => Allocations.AllocationService.AllocationNotFound(allocationId));
        var r = await conn.QuerySingleAsync<(decimal Amount, string? Gates, decimal Paid, int? Top, int Photos)>(new CommandDefinition($"""
            SELECT a.amount, (SELECT y.payment_gates::text FROM program_years y WHERE y.program = a.program AND y.fiscal_year = a.fiscal_year),
                   {Rules.StandingStages.Columns}
            FROM allocations a {Rules.StandingStages.Join("a.id")} WHERE a.id = @allocationId
            """, new { allocationId }, cancellationToken: ct));
        return (Rules.Gates.Allow(Rules.Gates.Parse(r.Gates), r.Amount, Rules.StandingStages.Of(r.Top, r.Photos)), r.Paid);
    }

    /// <summary>Locks the project row, then the allocation row (always this order), and reads what the limits need (the
    /// allocation's payments, the project's cash totals) and the payment already made with this idempotency key, if any. The two statements go in one round trip, and run one
    /// after the other, each with its own snapshot: what the second reads, after the first got the project lock, includes
    /// the rows of every earlier writer (all of them held that lock). Both filter by the caller's area, so for an outsider
    /// they return nothing and lock nothing; only then does a third, non-locking look-up tell 404 from 403.
    /// <para>Without <paramref name="tx"/>, the batch begins the transaction itself. With <paramref name="paidOn"/>, a third statement,
    /// after the locks, reads the cash book's lowest balance from that day on (<see cref="Ledgers.CashDays.LowestSql"/>).</para></summary>
    static async Task<Locked> LockAsync(NpgsqlConnection conn, IDbTransaction? tx, Caller caller, long allocationId, string? key, CancellationToken ct,
        Func<NotFound>? notFound = null, DateOnly? paidOn = null)
    {
        notFound ??= () => Allocations.AllocationService.AllocationNotFound(allocationId);
        string? subdistrict;
        Locked? locked;
        await using (var reads = await conn.QueryMultipleAsync(new CommandDefinition(LockSql[(tx is null ? 1 : 0) + (paidOn is null ? 0 : 2)],
            Areas.Args(caller, AreaRight.RecordMoney, new { allocationId, key, on = paidOn }), tx, cancellationToken: ct)))
        {
            subdistrict = await reads.ReadSingleOrDefaultAsync<string>();
            locked = await reads.ReadSingleOrDefaultAsync<Locked>();
            if (paidOn is not null && locked is not null) locked.Lowest = await reads.ReadSingleAsync<Ledgers.CashDays.Lowest>();
        }
        if (subdistrict is null || locked is null)
            throw Areas.Refusal(caller, (await Areas.OfAllocationAsync(conn, allocationId, tx, ct))?.SubdistrictCode, notFound);
        return locked;
    }

    /// <summary>The allocation's project, only where the caller may record money: for an outsider NULL, so the dated check reads no row.</summary>
    static readonly string OwnProject = $"(SELECT p.id FROM projects p WHERE p.id = (SELECT project_id FROM allocations WHERE id = @allocationId) AND {Areas.Writable("p.subdistrict_code")})";

    /// <summary>The project's lock, then the allocation's with what the limits read (see <see cref="LockAsync"/>).</summary>
    static readonly string LockReads = $"""
        SELECT p.subdistrict_code FROM projects p
        WHERE p.id = (SELECT project_id FROM allocations WHERE id = @allocationId) AND {Areas.Writable("p.subdistrict_code")}
        FOR UPDATE;

        -- The payment already made with this key (at most one: the key is unique per project) in one index probe.
        SELECT a.id AS allocation_id, a.project_id, a.fiscal_year, a.amount, a.cancelled_at IS NOT NULL AS cancelled,
               (SELECT hh.head_name FROM households hh WHERE hh.id = a.household_id) AS head_name,
               coalesce((SELECT c.received - c.paid FROM project_cash c WHERE c.project_id = a.project_id), 0) AS cash,
               s.id AS seen_id, s.request_hash AS seen_hash,
               (SELECT y.payment_gates::text FROM program_years y WHERE y.program = a.program AND y.fiscal_year = a.fiscal_year) AS gates,
               {Rules.StandingStages.Columns}
        FROM allocations a
        {Rules.StandingStages.Join("a.id")}
        LEFT JOIN disbursements s ON s.project_id = a.project_id AND s.idempotency_key = @key
        WHERE a.id = @allocationId AND {Areas.WritableProject("a.project_id")}
        FOR UPDATE OF a;
        """;

    /// <summary><see cref="LockAsync"/>'s batch: [0] in the caller's transaction, [1] beginning its own, [2] and [3] the same with the
    /// dated check. Built once, as <see cref="RecordSql"/> is: built for each request, they made a payment allocate 65 KiB instead of 50
    /// (<c>payments</c> benchmark, 4 Dec 2026).</summary>
    static readonly string[] LockSql = [LockBatch(begin: false, dated: false), LockBatch(begin: true, dated: false),
        LockBatch(begin: false, dated: true), LockBatch(begin: true, dated: true)];

    static string LockBatch(bool begin, bool dated)
        => (begin ? "BEGIN;\n" : "") + LockReads + (dated ? "\n" + Ledgers.CashDays.LowestSql.Replace("@projectId", OwnProject) : "");

    /// <summary>What makes two requests "the same payment": every field, normalised (1000 and 1000.00 are one amount).</summary>
    internal static string RequestHash(long allocationId, decimal amount, DateOnly paidOn, string payeeType, string? payee, string method, string? receiptNo, string? note)
    {
        var text = string.Join('\u001f', allocationId.ToString(CultureInfo.InvariantCulture), amount.ToString("0.00", CultureInfo.InvariantCulture),
            paidOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), payeeType, payee ?? "", method, receiptNo ?? "", note ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    static NotFound NotFoundPayment(long id) => NotFound.Of($"รายการจ่ายเลขที่ {id}", $"Disbursement {id}");
}
