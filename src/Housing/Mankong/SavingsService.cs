using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Mankong;

public sealed record RecordSavings(string? Month, decimal? Balance, int? Members);

public sealed record SavingsView(string Month, decimal Balance, int Members);

/// <summary>
/// The community savings group's monthly report: its balance and how many members save. CODI lends only once the
/// latest report holds at least 10 % of the amount to borrow (<see cref="LoanService"/>).
/// </summary>
public sealed class SavingsService(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>The project's treasurers report; one report per month, a second is a 409.</summary>
    public async Task<SavingsView> RecordAsync(Caller caller, long projectId, RecordSavings cmd, CancellationToken ct = default)
    {
        var month = MankongProjects.ParseMonth(cmd.Month);
        var v = new Validator();
        v.Check(month is not null, "month", "เดือนต้องอยู่ในรูปแบบ ปปปป-ดด (ค.ศ.)", "The month must be yyyy-MM.");
        if (month is DateOnly m)
        {
            var today = Thai.Today(clock);
            v.Check(m <= new DateOnly(today.Year, today.Month, 1), "month", "เดือนต้องไม่อยู่ในอนาคต", "The month must not be in the future.");
        }
        v.Money(cmd.Balance, "balance", allowZero: true);
        v.Check(cmd.Members is >= 1 and <= 100_000, "members", "จำนวนสมาชิกต้องอยู่ระหว่าง 1 ถึง 100,000", "Members must be between 1 and 100,000.");
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanRecordMoney(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // ON CONFLICT rather than a read first: two treasurers reporting the same month at once get one row and one 409.
        var row = await conn.QuerySingleOrDefaultAsync<SavingsView>(new CommandDefinition("""
            INSERT INTO savings_reports (project_id, month, balance, members, created_by)
            VALUES (@projectId, @month, @Balance, @Members, @ActorId)
            ON CONFLICT (project_id, month) DO NOTHING
            RETURNING to_char(month, 'YYYY-MM') AS month, balance, members
            """, new { projectId, month, cmd.Balance, cmd.Members, caller.ActorId }, tx, cancellationToken: ct));
        if (row is null)
            throw new Conflict($"มีรายงานเงินออมของเดือน {cmd.Month!.Trim()} แล้ว", $"The savings of {cmd.Month!.Trim()} are already reported.");
        await Audit.WriteAsync(conn, tx, caller, "savings.record", "project", projectId, null, row, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>The project's reports, oldest first.</summary>
    public async Task<IReadOnlyList<SavingsView>> ListAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanRead(s), ct);
        return (await conn.QueryAsync<SavingsView>(new CommandDefinition("""
            SELECT to_char(month, 'YYYY-MM') AS month, balance, members FROM savings_reports WHERE project_id = @projectId ORDER BY month
            """, new { projectId }, cancellationToken: ct))).ToList();
    }
}
