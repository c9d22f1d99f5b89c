using System.Data;
using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Mankong;

public sealed record CreateLoan(decimal? Amount, string? Purpose, decimal? AnnualRatePercent, int? Months, DateOnly? FirstDueOn);

public sealed record ScheduleLine(int No, DateOnly DueOn, decimal Principal, decimal Interest, decimal Paid);

public sealed record LoanView(long Id, long ProjectId, decimal Amount, string Purpose, decimal AnnualRatePercent, int Months,
    decimal Drawn, decimal PrincipalOutstanding, IReadOnlyList<ScheduleLine> Schedule, Arrears Arrears);

public sealed record Moratorium(string? FromMonth, string? ToMonth, string? Reason);

public sealed record MoratoriumView(long Id, long LoanId, string FromMonth, string ToMonth, string Reason, int Moved, DateTime CreatedAt);

/// <summary>
/// CODI's loans to a Baan Mankong community's cooperative (never to a person): made by the province's staff once the
/// savings group holds 10 % of the amount, repaid in level monthly instalments (<see cref="LoanMath"/>).
/// Every write locks the loan row (or, to make one, the project row) after the caller's role and area are checked.
/// </summary>
public sealed class LoanService(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] Purposes = ["housing", "land"];

    /// <summary>The savings a loan needs: this share of its amount, in the latest report.</summary>
    public const decimal SavingsShare = 0.10m;

    public async Task<LoanView> CreateAsync(Caller caller, long projectId, CreateLoan cmd, CancellationToken ct = default)
    {
        var v = new Validator().Money(cmd.Amount, "amount");
        v.Check(cmd.Purpose is not null && Purposes.Contains(cmd.Purpose), "purpose", "วัตถุประสงค์ต้องเป็น housing หรือ land", "The purpose must be housing or land.");
        v.Check(cmd.AnnualRatePercent is decimal r && r >= 0 && r <= 100 && decimal.Round(r, 3) == r, "annualRatePercent",
            "อัตราดอกเบี้ยต้องอยู่ระหว่าง 0 ถึง 100 และมีทศนิยมไม่เกิน 3 ตำแหน่ง", "The annual rate must be 0 to 100 percent with at most 3 decimals.");
        v.Check(cmd.Months is >= 1 and <= 600, "months", "จำนวนงวดต้องอยู่ระหว่าง 1 ถึง 600 เดือน", "Months must be between 1 and 600.");
        v.Check(cmd.FirstDueOn is DateOnly d && d.Year is >= 2000 and <= 2150, "firstDueOn", "กรุณากรอกวันครบกำหนดงวดแรก", "The first due date is required.");
        v.ThrowIfInvalid();
        var amount = cmd.Amount!.Value;

        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanManage(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Savings reports are append-only and one a month, so the latest read after this lock is the one the loan rests on.
        await MankongProjects.LockOpenAsync(conn, tx, projectId, ct);
        var latest = await conn.QuerySingleOrDefaultAsync<Latest>(new CommandDefinition("""
            SELECT month, balance FROM savings_reports WHERE project_id = @projectId ORDER BY month DESC LIMIT 1
            """, new { projectId }, tx, cancellationToken: ct));
        var needed = Math.Round(amount * SavingsShare, 2, MidpointRounding.AwayFromZero);
        if (latest is not Latest s)
            throw new Conflict($"ยังไม่มีรายงานเงินออม: ต้องมีเงินออมอย่างน้อย {Thai.Baht(needed, Thai.ThaiCulture)} (10% ของเงินกู้ {Thai.Baht(amount, Thai.ThaiCulture)})",
                $"No savings are reported yet: a loan of {Thai.Baht(amount, Thai.EnglishCulture)} needs savings of at least {Thai.Baht(needed, Thai.EnglishCulture)} (10 %).")
                { Extensions = { ["savings"] = 0m, ["needed"] = needed } };
        if (s.Balance < needed)
            throw new Conflict($"เงินออมล่าสุด ({MankongProjects.FormatMonth(s.Month)}) {Thai.Baht(s.Balance, Thai.ThaiCulture)} ยังไม่ถึง 10% ของเงินกู้ {Thai.Baht(amount, Thai.ThaiCulture)}: ต้องมีอย่างน้อย {Thai.Baht(needed, Thai.ThaiCulture)}",
                $"The latest savings ({MankongProjects.FormatMonth(s.Month)}) of {Thai.Baht(s.Balance, Thai.EnglishCulture)} are below 10 % of the loan of {Thai.Baht(amount, Thai.EnglishCulture)}: at least {Thai.Baht(needed, Thai.EnglishCulture)} is needed.")
                { Extensions = { ["savings"] = s.Balance, ["needed"] = needed } };

        var loanId = await conn.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO loans (project_id, amount, purpose, annual_rate_percent, months, first_due_on, created_by)
            VALUES (@projectId, @amount, @Purpose, @AnnualRatePercent, @Months, @FirstDueOn, @ActorId) RETURNING id
            """, new { projectId, amount, cmd.Purpose, cmd.AnnualRatePercent, cmd.Months, cmd.FirstDueOn, caller.ActorId }, tx, cancellationToken: ct));
        var schedule = LoanMath.Schedule(amount, cmd.AnnualRatePercent!.Value, cmd.Months!.Value, cmd.FirstDueOn!.Value);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO loan_instalments (loan_id, no, due_on, principal, interest)
            SELECT @loanId, * FROM unnest(@nos, @dues, @principals, @interests)
            """, new
            {
                loanId, nos = schedule.Select(i => i.No).ToArray(), dues = schedule.Select(i => i.DueOn).ToArray(),
                principals = schedule.Select(i => i.Principal).ToArray(), interests = schedule.Select(i => i.Interest).ToArray(),
            }, tx, cancellationToken: ct));
        var view = await ReadAsync(conn, tx, loanId, Thai.Today(clock), ct);
        await Audit.WriteAsync(conn, tx, caller, "loan.create", "loan", loanId, null,
            new { view.Id, view.ProjectId, view.Amount, view.Purpose, view.AnnualRatePercent, view.Months, cmd.FirstDueOn, savings = s.Balance, savingsMonth = s.Month }, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    /// <summary>The loan, its schedule with what was paid of each instalment, and its arrears as of today.</summary>
    public async Task<LoanView> GetAsync(Caller caller, long loanId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await FindAsync(conn, caller, loanId, (c, s) => c.CanRead(s), ct);
        return await ReadAsync(conn, null, loanId, Thai.Today(clock), ct);
    }

    /// <summary>The project's loans, oldest first, each with its schedule and arrears as of today.</summary>
    public async Task<IReadOnlyList<LoanView>> ListAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await MankongProjects.FindAsync(conn, caller, projectId, (c, s) => c.CanRead(s), ct);
        var ids = await conn.QueryAsync<long>(new CommandDefinition("SELECT id FROM loans WHERE project_id = @projectId ORDER BY id", new { projectId }, cancellationToken: ct));
        var today = Thai.Today(clock);
        var loans = new List<LoanView>();
        foreach (var id in ids) loans.Add(await ReadAsync(conn, null, id, today, ct));
        return loans;
    }

    /// <summary>Moves the instalments due in [fromMonth, toMonth] that are not paid in full past the schedule's end, one
    /// month apart and in their order, on the loan's due day. Their figures stay as they were: the relief costs the
    /// cooperative no interest.</summary>
    public async Task<MoratoriumView> MoratoriumAsync(Caller caller, long loanId, Moratorium cmd, CancellationToken ct = default)
    {
        var from = MankongProjects.ParseMonth(cmd.FromMonth);
        var to = MankongProjects.ParseMonth(cmd.ToMonth);
        var v = new Validator();
        v.Check(from is not null, "fromMonth", "เดือนต้องอยู่ในรูปแบบ ปปปป-ดด", "The month must be yyyy-MM.");
        v.Check(to is not null, "toMonth", "เดือนต้องอยู่ในรูปแบบ ปปปป-ดด", "The month must be yyyy-MM.");
        if (from is not null && to is not null)
            v.Check(from <= to && to.Value.DayNumber - from.Value.DayNumber <= 3660, "toMonth", "เดือนสุดท้ายต้องไม่ก่อนเดือนแรก และไม่เกิน 10 ปี", "The last month must not be before the first, nor 10 years after it.");
        v.Required(cmd.Reason, "reason", "เหตุผลของการพักชำระหนี้", "The reason", 1000);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await FindAsync(conn, caller, loanId, (c, s) => c.CanManage(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var firstDueOn = await conn.ExecuteScalarAsync<DateOnly>(new CommandDefinition(
            "SELECT first_due_on FROM loans WHERE id = @loanId FOR UPDATE", new { loanId }, tx, cancellationToken: ct));
        var lines = await OwedAsync(conn, tx, loanId, ct);
        var end = to!.Value.AddMonths(1);
        var moving = lines.Where(l => l.DueOn >= from!.Value && l.DueOn < end && l.Interest + l.Principal > 0).OrderBy(l => l.DueOn).ThenBy(l => l.No).ToList();
        var last = lines.Max(l => l.DueOn);
        var lastIndex = (last.Year - firstDueOn.Year) * 12 + last.Month - firstDueOn.Month;
        var moves = moving.Select((l, i) => (l.No, Before: l.DueOn, After: LoanMath.DueOn(firstDueOn, lastIndex + i + 1))).ToList();
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE loan_instalments i SET due_on = m.due_on
            FROM unnest(@nos, @dues) AS m(no, due_on) WHERE i.loan_id = @loanId AND i.no = m.no
            """, new { loanId, nos = moves.Select(m => m.No).ToArray(), dues = moves.Select(m => m.After).ToArray() }, tx, cancellationToken: ct));
        var row = await conn.QuerySingleAsync<MoratoriumView>(new CommandDefinition("""
            INSERT INTO loan_moratoria (loan_id, from_month, to_month, reason, moved, created_by)
            VALUES (@loanId, @from, @to, @reason, @moved, @ActorId)
            RETURNING id, loan_id, to_char(from_month, 'YYYY-MM') AS from_month, to_char(to_month, 'YYYY-MM') AS to_month, reason, moved, created_at
            """, new { loanId, from, to, reason = cmd.Reason!.Trim(), moved = moves.Count, caller.ActorId }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "loan.moratorium", "loan", loanId,
            moves.Select(m => new { m.No, dueOn = m.Before }), new { row.Id, row.FromMonth, row.ToMonth, row.Reason, moved = moves.Select(m => new { m.No, dueOn = m.After }) }, ct);
        await tx.CommitAsync(ct);
        return row;
    }

    sealed record Latest(DateOnly Month, decimal Balance);

    sealed record LoanRow(long Id, long ProjectId, decimal Amount, string Purpose, decimal AnnualRatePercent, int Months, decimal Drawn, decimal PrincipalRepaid);

    sealed record LineRow(int No, DateOnly DueOn, decimal Principal, decimal Interest, decimal PaidInterest, decimal PaidPrincipal);

    /// <summary>Each instalment with what repayments paid of it, in due order.
    /// (What was paid of each is kept on the instalment by the repayments' trigger, migration 0015.)</summary>
    const string LinesSql = """
        SELECT no, due_on, principal, interest, paid_interest, paid_principal FROM loan_instalments WHERE loan_id = @loanId ORDER BY due_on, no
        """;

    /// <summary>What is still owed on each instalment, in due order (for repayments, moratoria and arrears).</summary>
    internal static async Task<List<Owed>> OwedAsync(IDbConnection conn, IDbTransaction? tx, long loanId, CancellationToken ct)
        => (await conn.QueryAsync<LineRow>(new CommandDefinition(LinesSql, new { loanId }, tx, cancellationToken: ct)))
            .Select(l => new Owed(l.No, l.DueOn, l.Interest - l.PaidInterest, l.Principal - l.PaidPrincipal)).ToList();

    internal static async Task<LoanView> ReadAsync(IDbConnection conn, IDbTransaction? tx, long loanId, DateOnly asOf, CancellationToken ct)
    {
        var loan = await conn.QuerySingleAsync<LoanRow>(new CommandDefinition("""
            SELECT l.id, l.project_id, l.amount, l.purpose, l.annual_rate_percent, l.months,
                   coalesce(t.drawn, 0) AS drawn, coalesce(t.principal_repaid, 0) AS principal_repaid
            FROM loans l LEFT JOIN loan_totals t ON t.loan_id = l.id WHERE l.id = @loanId
            """, new { loanId }, tx, cancellationToken: ct));
        var lines = (await conn.QueryAsync<LineRow>(new CommandDefinition(LinesSql, new { loanId }, tx, cancellationToken: ct))).ToList();
        var arrears = LoanMath.Age(lines.Select(l => new Owed(l.No, l.DueOn, l.Interest - l.PaidInterest, l.Principal - l.PaidPrincipal)), asOf);
        return new LoanView(loan.Id, loan.ProjectId, loan.Amount, loan.Purpose, loan.AnnualRatePercent, loan.Months, loan.Drawn,
            loan.Drawn - loan.PrincipalRepaid, lines.Select(l => new ScheduleLine(l.No, l.DueOn, l.Principal, l.Interest, l.PaidInterest + l.PaidPrincipal)).ToList(),
            arrears);
    }

    /// <summary>Finds the loan's project (unlocked) and checks the caller on it before anything is locked.</summary>
    internal static async Task FindAsync(IDbConnection conn, Caller caller, long loanId, Func<Caller, string, bool> allowed, CancellationToken ct)
    {
        var subdistrict = await conn.ExecuteScalarAsync<string?>(new CommandDefinition("""
            SELECT p.subdistrict_code FROM loans l JOIN projects p ON p.id = l.project_id WHERE l.id = @loanId
            """, new { loanId }, cancellationToken: ct)) ?? throw LoanNotFound(loanId);
        caller.EnsureAllowed(allowed(caller, subdistrict), subdistrict, () => LoanNotFound(loanId));
    }

    public static NotFound LoanNotFound(long id) => NotFound.Of($"เงินกู้เลขที่ {id}", $"Loan {id}");
}
