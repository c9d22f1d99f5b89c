using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Mankong;

public sealed record RecordLoanMoney(decimal? Amount, DateOnly? PaidOn, string? Reference);

public sealed record DrawdownView(long Id, long LoanId, decimal Amount, DateOnly PaidOn, string Reference, DateTime CreatedAt);

public sealed record RepaymentView(long Id, long LoanId, decimal Amount, DateOnly PaidOn, string Reference, IReadOnlyList<RepaymentPart> Parts, DateTime CreatedAt);

/// <summary>
/// Money of a loan: CODI's drawdowns to the cooperative (the province's staff record them) and the cooperative's
/// monthly repayments (its treasurers). Both ledgers are append-only. Each write locks the loan row, so drawdowns
/// queue and never pass the amount, and repayments with one Idempotency-Key queue and find the first one's row.
/// </summary>
public sealed class LoanPaymentService(NpgsqlDataSource db, TimeProvider clock)
{
    public async Task<DrawdownView> DrawAsync(Caller caller, long loanId, RecordLoanMoney cmd, CancellationToken ct = default)
    {
        Validate(cmd, null);
        await using var conn = await db.OpenConnectionAsync(ct);
        await LoanService.FindAsync(conn, caller, loanId, (c, s) => c.CanManage(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The project shared (a cancellation waits, and finds this drawdown), then the loan. The lock first, the sum in a
        // statement of its own after it: a statement that waited for the lock still reads with the snapshot it started
        // with, so a sum in it could miss the drawdown of the writer it waited for.
        await LockProjectAsync(conn, tx, loanId, cmd.PaidOn!.Value, ct);
        var amount = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT amount FROM loans WHERE id = @loanId FOR UPDATE", new { loanId }, tx, cancellationToken: ct));
        var drawn = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT coalesce((SELECT drawn FROM loan_totals WHERE loan_id = @loanId), 0)", new { loanId }, tx, cancellationToken: ct));
        var left = amount - drawn;
        if (cmd.Amount > left)
            throw new Conflict($"เกินวงเงินกู้: เบิกได้อีก {Thai.Baht(left, Thai.ThaiCulture)} จาก {Thai.Baht(amount, Thai.ThaiCulture)}",
                $"Past the loan's amount: {Thai.Baht(left, Thai.EnglishCulture)} of {Thai.Baht(amount, Thai.EnglishCulture)} is left to draw.")
                { Extensions = { ["remaining"] = left } };
        var row = await conn.QuerySingleAsync<DrawdownView>(new CommandDefinition("""
            INSERT INTO loan_drawdowns (loan_id, amount, paid_on, reference, created_by) VALUES (@loanId, @Amount, @PaidOn, @reference, @ActorId)
            RETURNING id, loan_id, amount, paid_on, reference, created_at
            """, new { loanId, cmd.Amount, cmd.PaidOn, reference = cmd.Reference!.Trim(), caller.ActorId }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "loan.drawdown", "loan", loanId, null, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>A repayment, split over what is owed oldest due first, interest before principal; the split is stored
    /// (loan_repayment_parts). The same Idempotency-Key again answers the first repayment and writes nothing.</summary>
    public async Task<Saved<RepaymentView>> RepayAsync(Caller caller, long loanId, RecordLoanMoney cmd, string? idempotencyKey, CancellationToken ct = default)
    {
        var key = idempotencyKey?.Trim();
        Validate(cmd, key);
        var reference = cmd.Reference!.Trim();
        var hash = key is null ? null : RequestHash(cmd.Amount!.Value, cmd.PaidOn!.Value, reference);

        await using var conn = await db.OpenConnectionAsync(ct);
        await LoanService.FindAsync(conn, caller, loanId, (c, s) => c.CanRecordMoney(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockProjectAsync(conn, tx, loanId, cmd.PaidOn!.Value, ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT 1 FROM loans WHERE id = @loanId FOR UPDATE", new { loanId }, tx, cancellationToken: ct));
        // Read after the lock, in statements of their own, so a concurrent request with this key finds the first one's row.
        if (key is not null)
        {
            var seen = await conn.QuerySingleOrDefaultAsync<Seen>(new CommandDefinition(
                "SELECT id, request_hash AS hash FROM loan_repayments WHERE loan_id = @loanId AND idempotency_key = @key", new { loanId, key }, tx, cancellationToken: ct));
            if (seen is Seen s)
            {
                if (s.Hash != hash)
                    throw new Conflict("Idempotency-Key นี้ใช้กับรายการอื่นไปแล้ว", "This Idempotency-Key was already used for a different repayment.")
                        { Extensions = { ["repaymentId"] = s.Id } };
                return new Saved<RepaymentView>(await ReadAsync(conn, tx, s.Id, ct), true);
            }
        }
        var owed = await LoanService.OwedAsync(conn, tx, loanId, ct);
        var amount = cmd.Amount!.Value;
        var parts = LoanMath.Allocate(amount, owed, out var left);
        if (left > 0)
        {
            var total = owed.Sum(o => o.Interest + o.Principal);
            throw new Conflict($"เกินยอดหนี้ที่เหลือทั้งหมด {Thai.Baht(total, Thai.ThaiCulture)}", $"More than everything still owed ({Thai.Baht(total, Thai.EnglishCulture)}).")
                { Extensions = { ["owed"] = total } };
        }
        var (drawn, repaid) = await conn.QuerySingleAsync<(decimal, decimal)>(new CommandDefinition("""
            SELECT coalesce((SELECT drawn FROM loan_totals WHERE loan_id = @loanId), 0),
                   coalesce((SELECT principal_repaid FROM loan_totals WHERE loan_id = @loanId), 0)
            """, new { loanId }, tx, cancellationToken: ct));
        var principal = parts.Sum(p => p.Principal);
        if (repaid + principal > drawn)
            throw new Conflict($"ชำระเงินต้นเกินที่เบิกไป: เบิกแล้ว {Thai.Baht(drawn, Thai.ThaiCulture)} ชำระเงินต้นแล้ว {Thai.Baht(repaid, Thai.ThaiCulture)}",
                $"More principal than was drawn: {Thai.Baht(drawn, Thai.EnglishCulture)} drawn, {Thai.Baht(repaid, Thai.EnglishCulture)} of principal repaid.")
                { Extensions = { ["drawn"] = drawn, ["principalRepaid"] = repaid } };

        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO loan_repayments (loan_id, amount, paid_on, reference, idempotency_key, request_hash, created_by)
            VALUES (@loanId, @amount, @PaidOn, @reference, @key, @hash, @ActorId) RETURNING id
            """, new { loanId, amount, cmd.PaidOn, reference, key, hash, caller.ActorId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO loan_repayment_parts (repayment_id, loan_id, no, interest, principal)
            SELECT @id, @loanId, * FROM unnest(@nos, @interests, @principals)
            """, new { id, loanId, nos = parts.Select(p => p.No).ToArray(), interests = parts.Select(p => p.Interest).ToArray(), principals = parts.Select(p => p.Principal).ToArray() },
            tx, cancellationToken: ct));
        var row = await ReadAsync(conn, tx, id, ct);
        await Audit.WriteAsync(conn, tx, caller, "loan.repayment", "loan", loanId, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<RepaymentView>(row, false);
    }

    sealed record Seen(long Id, string? Hash);

    sealed record RepaymentRow(long Id, long LoanId, decimal Amount, DateOnly PaidOn, string Reference, DateTime CreatedAt);

    static async Task<RepaymentView> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, CancellationToken ct)
    {
        await using var reads = await conn.QueryMultipleAsync(new CommandDefinition("""
            SELECT id, loan_id, amount, paid_on, reference, created_at FROM loan_repayments WHERE id = @id;
            SELECT no, interest, principal FROM loan_repayment_parts WHERE repayment_id = @id ORDER BY no;
            """, new { id }, tx, cancellationToken: ct));
        var r = await reads.ReadSingleAsync<RepaymentRow>();
        var parts = (await reads.ReadAsync<RepaymentPart>()).ToList();
        return new RepaymentView(r.Id, r.LoanId, r.Amount, r.PaidOn, r.Reference, parts, r.CreatedAt);
    }

    void Validate(RecordLoanMoney cmd, string? key)
    {
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.PaidOn, "paidOn", clock);
        v.Required(cmd.Reference, "reference", "เลขที่อ้างอิง", "The reference", 100);
        if (key is not null) v.Check(key.Length is >= 1 and <= 200, "Idempotency-Key", "Idempotency-Key ต้องยาว 1–200 ตัวอักษร", "The Idempotency-Key must be 1–200 characters.");
        v.ThrowIfInvalid();
    }

    /// <summary>What makes two requests "the same repayment": every field, normalised (1000 and 1000.00 are one amount).</summary>
    static string RequestHash(decimal amount, DateOnly paidOn, string reference)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f',
            amount.ToString("0.00", CultureInfo.InvariantCulture), paidOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), reference))));

    /// <summary>The loan's project shared and open, and the money not dated before the project's fiscal year began.</summary>
    static async Task LockProjectAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long loanId, DateOnly on, CancellationToken ct)
    {
        var projectId = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT project_id FROM loans WHERE id = @loanId", new { loanId }, tx, cancellationToken: ct));
        var (_, fiscalYear) = await MankongProjects.LockOpenAsync(conn, tx, projectId, ct, share: true);
        Ledgers.CashDays.EnsureInFiscalYear(on, fiscalYear, "paidOn");
    }
}
