using Dapper;
using Housing.Access;
using Housing.Disbursements;
using Npgsql;

namespace Housing.Mankong;

public sealed record CreateWork(string? Kind, string? Name, decimal? Amount);

public sealed record WorkView(long Id, long ProjectId, string Kind, string Name, decimal Amount, decimal Paid, DateTime CreatedAt);

public sealed record WorkPaymentView(long Id, long WorkId, long ProjectId, decimal Amount, DateOnly PaidOn, string Payee, string PayeeType,
    string Method, string? ReceiptNo, string? Note, long? ReversesId, string? Reason, DateTime CreatedAt);

/// <summary>
/// A Baan Mankong project's community works and the payments to their contractors. The works' amounts stay within
/// the project's; a payment stays within its work's amount and the project's cash, which the homes' payments share
/// (project_cash counts both ledgers). Payments lock the project row, then the work row, as a home's payment locks the
/// project, then the allocation: every money write of a project queues on the same row.
/// </summary>
public sealed class WorkService(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] Kinds = ["road", "drainage", "water", "electricity", "building", "other"];
    public static readonly string[] PayeeTypes = ["contractor", "supplier"];

    const string PaymentColumns = "id, work_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, note, reverses_id, reason, created_at";

    public async Task<WorkView> CreateAsync(Caller caller, long projectId, CreateWork cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Check(cmd.Kind is not null && Kinds.Contains(cmd.Kind), "kind", "ประเภทงานต้องเป็น road, drainage, water, electricity, building หรือ other",
            "The kind must be road, drainage, water, electricity, building or other.");
        v.Required(cmd.Name, "name", "ชื่องาน", "The name", 200);
        v.Money(cmd.Amount, "amount");
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanManage(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The amount as it stands after the lock (a correction of it takes the same lock), the works' sum after it.
        var project = await MankongProjects.LockOpenAsync(conn, tx, projectId, ct);
        var held = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT coalesce(sum(amount), 0) FROM works WHERE project_id = @projectId", new { projectId }, tx, cancellationToken: ct));
        var left = project.Amount - held;
        if (cmd.Amount > left)
            throw new Conflict($"เกินงบของโครงการ: งานชุมชนรวม {Thai.Baht(held, Thai.ThaiCulture)} จาก {Thai.Baht(project.Amount, Thai.ThaiCulture)} เพิ่มได้อีก {Thai.Baht(left, Thai.ThaiCulture)}",
                $"Over the project's amount: its works hold {Thai.Baht(held, Thai.EnglishCulture)} of {Thai.Baht(project.Amount, Thai.EnglishCulture)}, {Thai.Baht(left, Thai.EnglishCulture)} is left.")
                { Extensions = { ["remaining"] = left } };
        var row = await conn.QuerySingleAsync<WorkView>(new CommandDefinition("""
            INSERT INTO works (project_id, kind, name, amount, created_by) VALUES (@projectId, @Kind, @name, @Amount, @ActorId)
            RETURNING id, project_id, kind, name, amount, 0::numeric AS paid, created_at
            """, new { projectId, cmd.Kind, name = cmd.Name!.Trim(), cmd.Amount, caller.ActorId }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "work.create", "work", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>The project's works with what was paid of each (net of reversals), oldest first.</summary>
    public async Task<IReadOnlyList<WorkView>> ListAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanRead(s), ct);
        return (await conn.QueryAsync<WorkView>(new CommandDefinition("""
            SELECT w.id, w.project_id, w.kind, w.name, w.amount,
                   (SELECT coalesce(sum(p.amount), 0) FROM work_payments p WHERE p.work_id = w.id) AS paid, w.created_at
            FROM works w WHERE w.project_id = @projectId ORDER BY w.id
            """, new { projectId }, cancellationToken: ct))).ToList();
    }

    sealed record WorkOf(long ProjectId, string SubdistrictCode);

    sealed record Locked(decimal Amount, decimal Paid, decimal Cash, long? SeenId, string? SeenHash, int FiscalYear);

    /// <summary>A payment to the work's contractor or supplier. The same Idempotency-Key again answers the first payment.</summary>
    public async Task<Saved<WorkPaymentView>> PayAsync(Caller caller, long workId, RecordDisbursement cmd, string? idempotencyKey, CancellationToken ct = default)
    {
        var payeeType = string.IsNullOrWhiteSpace(cmd.PayeeType) ? "contractor" : cmd.PayeeType.Trim();
        var method = string.IsNullOrWhiteSpace(cmd.Method) ? "transfer" : cmd.Method.Trim();
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.PaidOn, "paidOn", clock);
        v.Check(PayeeTypes.Contains(payeeType), "payeeType", "ผู้รับเงินต้องเป็นผู้รับเหมาหรือผู้ขาย", "The payee type must be contractor or supplier.");
        v.Check(DisbursementService.Methods.Contains(method), "method", "วิธีจ่ายต้องเป็นโอน เงินสด หรือเช็ค", "The method must be transfer, cash or cheque.");
        v.Required(cmd.Payee, "payee", "ชื่อผู้รับเงิน", "The payee", 200);
        v.Optional(cmd.ReceiptNo, "receiptNo", "เลขที่ใบเสร็จ", "The receipt number", 100);
        v.Optional(cmd.Note, "note", "หมายเหตุ", "The note", 1000);
        var key = idempotencyKey?.Trim();
        if (key is not null) v.Check(key.Length is >= 1 and <= 200, "Idempotency-Key", "Idempotency-Key ต้องยาว 1–200 ตัวอักษร", "The Idempotency-Key must be 1–200 characters.");
        v.ThrowIfInvalid();
        var payee = cmd.Payee!.Trim();
        var receiptNo = Blank(cmd.ReceiptNo);
        var note = Blank(cmd.Note);
        // The homes' request hash with the work's id in the allocation's place: "the same payment" means the same here.
        var hash = key is null ? null : DisbursementService.RequestHash(workId, cmd.Amount!.Value, cmd.PaidOn!.Value, payeeType, payee, method, receiptNo, note);

        await using var conn = await db.OpenConnectionAsync(ct);
        var (projectId, subdistrict) = await conn.QuerySingleOrDefaultAsync<WorkOf>(new CommandDefinition("""
            SELECT w.project_id, p.subdistrict_code FROM works w JOIN projects p ON p.id = w.project_id WHERE w.id = @workId
            """, new { workId }, cancellationToken: ct)) ?? throw WorkNotFound(workId);
        caller.EnsureAllowed(caller.CanRecordMoney(subdistrict), subdistrict, () => WorkNotFound(workId));
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            SELECT 1 FROM projects WHERE id = @projectId FOR UPDATE;
            SELECT 1 FROM works WHERE id = @workId FOR UPDATE;
            """, new { projectId, workId }, tx, cancellationToken: ct));
        // After the locks, in a statement of its own: it sees every earlier writer's rows and totals.
        var a = await conn.QuerySingleAsync<Locked>(new CommandDefinition("""
            SELECT w.amount,
                   (SELECT coalesce(sum(p.amount), 0) FROM work_payments p WHERE p.work_id = w.id) AS paid,
                   coalesce((SELECT c.received - c.paid FROM project_cash c WHERE c.project_id = w.project_id), 0) AS cash,
                   s.id AS seen_id, s.request_hash AS seen_hash,
                   (SELECT b.fiscal_year FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = w.project_id) AS fiscal_year
            FROM works w LEFT JOIN work_payments s ON s.project_id = w.project_id AND s.idempotency_key = @key
            WHERE w.id = @workId
            """, new { workId, key }, tx, cancellationToken: ct));
        if (a.SeenId is long seenId)
        {
            if (a.SeenHash != hash)
                throw new Conflict("Idempotency-Key นี้ใช้กับรายการอื่นไปแล้ว", "This Idempotency-Key was already used for a different payment.")
                    { Extensions = { ["workPaymentId"] = seenId } };
            return new Saved<WorkPaymentView>(await conn.QuerySingleAsync<WorkPaymentView>(new CommandDefinition(
                $"SELECT {PaymentColumns} FROM work_payments WHERE id = @seenId", new { seenId }, tx, cancellationToken: ct)), true);
        }
        Ledgers.CashDays.EnsureInFiscalYear(cmd.PaidOn!.Value, a.FiscalYear, "paidOn");
        var amount = cmd.Amount!.Value;
        var remaining = a.Amount - a.Paid;
        if (amount > remaining)
            throw new Conflict($"เกินงบของงานชุมชน: จ่ายได้อีก {Thai.Baht(remaining, Thai.ThaiCulture)}",
                $"Over the work's amount: {Thai.Baht(remaining, Thai.EnglishCulture)} is left to pay.") { Extensions = { ["remaining"] = remaining } };
        if (amount > a.Cash)
            throw new Conflict($"เงินสดของโครงการไม่พอ: คงเหลือ {Thai.Baht(a.Cash, Thai.ThaiCulture)}",
                $"Not enough cash received for the project: {Thai.Baht(a.Cash, Thai.EnglishCulture)} is on hand.") { Extensions = { ["cash"] = a.Cash } };
        // As for a home's payment: the cash book, in date order, never negative on any day from the payment's date on.
        Ledgers.CashDays.EnsureCovers(await Ledgers.CashDays.LowestAsync(conn, tx, projectId, cmd.PaidOn!.Value, ct), amount);

        var row = await conn.QuerySingleAsync<WorkPaymentView>(new CommandDefinition($"""
            INSERT INTO work_payments (work_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, note, idempotency_key, request_hash, created_by)
            VALUES (@workId, @projectId, @amount, @PaidOn, @payee, @payeeType, @method, @receiptNo, @note, @key, @hash, @ActorId)
            RETURNING {PaymentColumns}
            """, new { workId, projectId, amount, cmd.PaidOn, payee, payeeType, method, receiptNo, note, key, hash, caller.ActorId }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "work.payment", "work_payment", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<WorkPaymentView>(row, false);
    }

    /// <summary>A reversing entry (the negative of the payment, dated today) for a payment recorded in error; the ledger
    /// row itself never changes. A payment is reversed once, and a reversal never.</summary>
    public async Task<WorkPaymentView> ReverseAsync(Caller caller, long paymentId, ReverseDisbursement cmd, CancellationToken ct = default)
    {
        new Validator().Required(cmd.Reason, "reason", "เหตุผลที่กลับรายการ", "The reason", 1000).ThrowIfInvalid();
        await using var conn = await db.OpenConnectionAsync(ct);
        var of = await conn.QuerySingleOrDefaultAsync<(long WorkId, long ProjectId, string SubdistrictCode)>(new CommandDefinition("""
            SELECT wp.work_id, wp.project_id, p.subdistrict_code FROM work_payments wp JOIN projects p ON p.id = wp.project_id WHERE wp.id = @paymentId
            """, new { paymentId }, cancellationToken: ct));
        if (of.SubdistrictCode is null) throw PaymentNotFound(paymentId);
        caller.EnsureAllowed(caller.CanRecordMoney(of.SubdistrictCode), of.SubdistrictCode, () => PaymentNotFound(paymentId));
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The payment's locks, in its order: project, then work. Two reversals of one payment queue here; the second finds the first's row.
        await conn.ExecuteAsync(new CommandDefinition("""
            SELECT 1 FROM projects WHERE id = @ProjectId FOR UPDATE;
            SELECT 1 FROM works WHERE id = @WorkId FOR UPDATE;
            """, new { of.ProjectId, of.WorkId }, tx, cancellationToken: ct));
        var original = await conn.QuerySingleAsync<WorkPaymentView>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM work_payments WHERE id = @paymentId", new { paymentId }, tx, cancellationToken: ct));
        if (original.ReversesId is not null)
            throw new Conflict("รายการนี้เป็นการกลับรายการอยู่แล้ว กลับซ้ำไม่ได้", "This entry is itself a reversal; it cannot be reversed.");
        var reversedBy = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT id FROM work_payments WHERE reverses_id = @paymentId", new { paymentId }, tx, cancellationToken: ct));
        if (reversedBy is long by)
            throw new Conflict("รายการจ่ายนี้ถูกกลับรายการไปแล้ว", "This payment has already been reversed.") { Extensions = { ["reversedById"] = by } };
        var row = await conn.QuerySingleAsync<WorkPaymentView>(new CommandDefinition($"""
            INSERT INTO work_payments (work_id, project_id, amount, paid_on, payee, payee_type, method, receipt_no, reverses_id, reason, created_by)
            VALUES (@WorkId, @ProjectId, -@Amount, @today, @Payee, @PayeeType, @Method, @ReceiptNo, @Id, @reason, @ActorId)
            RETURNING {PaymentColumns}
            """, new
            {
                original.WorkId, original.ProjectId, original.Amount, today = Thai.Today(clock), original.Payee, original.PayeeType, original.Method,
                original.ReceiptNo, original.Id, reason = cmd.Reason!.Trim(), caller.ActorId,
            }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "work.reverse_payment", "work_payment", row.Id, original, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>The payments and reversals of a project's works, oldest first.</summary>
    public async Task<IReadOnlyList<WorkPaymentView>> PaymentsAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanRead(s), ct);
        return (await conn.QueryAsync<WorkPaymentView>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM work_payments WHERE project_id = @projectId ORDER BY id", new { projectId }, cancellationToken: ct))).ToList();
    }

    static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static NotFound WorkNotFound(long id) => NotFound.Of($"งานชุมชนเลขที่ {id}", $"Community work {id}");

    static NotFound PaymentNotFound(long id) => NotFound.Of($"รายการจ่ายงานชุมชนเลขที่ {id}", $"Work payment {id}");
}
