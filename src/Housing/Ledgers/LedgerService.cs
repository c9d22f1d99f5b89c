using Dapper;
using Housing.Access;
using Housing.Transfers;
using Npgsql;

namespace Housing.Ledgers;

public sealed record ProjectMoney(long Id, string Name, string SubdistrictCode, string SubdistrictNameTh, string SubdistrictNameEn,
    string Program, int FiscalYear, decimal Amount, decimal Received, decimal Paid)
{
    public decimal Balance => Received - Paid;
}

public sealed record AllocationMoney(long Id, long HouseholdId, string HeadName, string HouseNo, int? VillageNo, string WorkType, decimal Amount,
    decimal Paid, bool Cancelled, string? LastStage)
{
    public decimal Remaining => Cancelled ? 0 : Amount - Paid;
}

/// <summary>One line of the cash book. Kinds: <c>transfer</c> (in from CODI), <c>transfer_reversal</c> (a transfer undone),
/// <c>refund</c> (money returned to CODI), <c>payment</c>, <c>work_payment</c> and <c>reversal</c> (a payment undone).</summary>
public sealed record LedgerEntry(string Kind, long Id, DateOnly Date, string Description, string? ReceiptNo, long? AllocationId,
    decimal In, decimal Out, decimal Balance, long? ReversesId, long? ReversedById, string? Reason, IReadOnlyList<long> ReceiptIds);

public sealed record Ledger(ProjectMoney Project, IReadOnlyList<LedgerEntry> Entries);

public sealed record MonthRow(int Year, int Month, decimal Opening, decimal In, decimal Out, decimal Closing)
{
    /// <summary>"ม.ค. 2565" / "Jan 2565": the month of <see cref="Thai.Date"/> without its day.</summary>
    public string Label(System.Globalization.CultureInfo? culture = null) => Thai.Date(new DateOnly(Year, Month, 1), culture)[2..];
}

public sealed record MonthlyReport(ProjectMoney Project, IReadOnlyList<MonthRow> Months);

/// <summary>What a treasurer reads: their projects with cash on hand, a project's homes, the cash book and the monthly report.</summary>
public sealed class LedgerService(NpgsqlDataSource db)
{
    const string ProjectSql = """
        SELECT p.id, p.name, p.subdistrict_code, s.name_th AS subdistrict_name_th, s.name_en AS subdistrict_name_en,
               b.program, b.fiscal_year, p.amount, coalesce(c.received, 0) AS received, coalesce(c.paid, 0) AS paid
        FROM projects p JOIN budgets b ON b.id = p.budget_id JOIN subdistricts s ON s.code = p.subdistrict_code
             LEFT JOIN project_cash c ON c.project_id = p.id
        """;

    /// <summary>The projects the caller may read (a treasurer's subdistricts, staff's provinces), newest fiscal year first.</summary>
    public async Task<IReadOnlyList<ProjectMoney>> ProjectsAsync(Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ProjectMoney>($"""
            {ProjectSql}
            WHERE (@provinces::text[] IS NULL OR b.province_code = ANY(@provinces))
              AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts))
            ORDER BY b.fiscal_year DESC, p.name, p.id
            LIMIT 500
            """, new { provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts })).ToList();
    }

    public async Task<ProjectMoney> ProjectAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await ReadProjectAsync(conn, caller, projectId);
    }

    const string AllocationSql = """
        SELECT a.id, a.household_id, h.head_name, h.house_no, h.village_no, a.work_type, a.amount,
               (SELECT coalesce(sum(d.amount), 0) FROM disbursements d WHERE d.allocation_id = a.id) AS paid,
               a.cancelled_at IS NOT NULL AS cancelled,
               (SELECT m.stage FROM milestones m WHERE m.allocation_id = a.id AND m.withdrawn_at IS NULL ORDER BY m.stage_order DESC LIMIT 1) AS last_stage
        FROM allocations a JOIN households h ON h.id = a.household_id
        """;

    /// <summary>The homes of a project with what each has been paid and the last milestone reached.</summary>
    public async Task<IReadOnlyList<AllocationMoney>> AllocationsAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await ReadProjectAsync(conn, caller, projectId);
        return (await conn.QueryAsync<AllocationMoney>($"""
            {AllocationSql}
            WHERE a.project_id = @projectId
            ORDER BY a.cancelled_at IS NOT NULL, h.village_no NULLS LAST, h.head_name, a.id
            """, new { projectId })).ToList();
    }

    /// <summary>One home with its project: the header of the payment and milestone pages.</summary>
    public async Task<(ProjectMoney Project, AllocationMoney Home)> HomeAsync(Caller caller, long allocationId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var projectId = await conn.ExecuteScalarAsync<long?>("SELECT project_id FROM allocations WHERE id = @allocationId", new { allocationId })
            ?? throw Allocations.AllocationService.AllocationNotFound(allocationId);
        var project = await ReadProjectAsync(conn, caller, projectId, notFound: () => Allocations.AllocationService.AllocationNotFound(allocationId));
        return (project, await conn.QuerySingleAsync<AllocationMoney>($"{AllocationSql} WHERE a.id = @allocationId", new { allocationId }));
    }

    sealed record Row(string Kind, long Id, DateOnly Date, string Description, string? ReceiptNo, long? AllocationId, decimal Amount,
        long? ReversesId, long? ReversedById, string? Reason);

    /// <summary>The cash book: every transfer and payment by date (then by entry order), with the running balance.</summary>
    public async Task<Ledger> LedgerAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct); // totals and lines from one snapshot
        var project = await ReadProjectAsync(conn, caller, projectId, tx);
        var rows = await conn.QueryAsync<Row>("""
            SELECT kind, id, date, description, receipt_no, allocation_id, amount, reverses_id, reversed_by_id, reason
            FROM (
                -- A transfer's reversal and a refund to CODI are negative rows of the transfers ledger.
                SELECT CASE t.kind WHEN 'reversal' THEN 'transfer_reversal' ELSE t.kind END AS kind, t.id, t.received_on AS date,
                       t.reference AS description, NULL AS receipt_no, NULL::bigint AS allocation_id, t.amount, t.reverses_id,
                       (SELECT r.id FROM transfers r WHERE r.reverses_id = t.id) AS reversed_by_id, t.reason, t.created_at
                FROM transfers t WHERE t.project_id = @projectId
                UNION ALL
                SELECT CASE WHEN d.reverses_id IS NULL THEN 'payment' ELSE 'reversal' END, d.id, d.paid_on, d.payee, d.receipt_no,
                       d.allocation_id, -d.amount, d.reverses_id, (SELECT r.id FROM disbursements r WHERE r.reverses_id = d.id), d.reason, d.created_at
                FROM disbursements d WHERE d.project_id = @projectId
                UNION ALL -- Baan Mankong's community works are paid from the same cash
                SELECT CASE WHEN w.reverses_id IS NULL THEN 'work_payment' ELSE 'reversal' END, w.id, w.paid_on, w.payee, w.receipt_no,
                       NULL::bigint, -w.amount, w.reverses_id, (SELECT r.id FROM work_payments r WHERE r.reverses_id = w.id), w.reason, w.created_at
                FROM work_payments w WHERE w.project_id = @projectId
            ) e
            ORDER BY date, created_at, kind DESC, id
            """, new { projectId }, tx);
        var receipts = await Disbursements.ReceiptService.IdsAsync(conn, tx, "SELECT id FROM disbursements WHERE project_id = @projectId", new { projectId });
        var balance = 0m;
        var entries = rows.Select(r =>
        {
            balance += r.Amount;
            return new LedgerEntry(r.Kind, r.Id, r.Date, r.Description, r.ReceiptNo, r.AllocationId,
                r.Amount > 0 ? r.Amount : 0, r.Amount < 0 ? -r.Amount : 0, balance, r.ReversesId, r.ReversedById, r.Reason,
                r.Kind == "payment" ? receipts[r.Id].ToList() : []);
        }).ToList();
        await tx.CommitAsync(ct);
        return new Ledger(project, entries);
    }

    /// <summary>Per calendar month from the first entry to the last: opening balance, in, out (payments less reversals), closing.</summary>
    public async Task<MonthlyReport> MonthlyAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        var ledger = await LedgerAsync(caller, projectId, ct);
        var months = new List<MonthRow>();
        if (ledger.Entries.Count > 0)
        {
            var byMonth = ledger.Entries.ToLookup(e => (e.Date.Year, e.Date.Month));
            var first = ledger.Entries[0].Date;
            var last = ledger.Entries.Max(e => e.Date);
            var opening = 0m;
            for (var m = new DateOnly(first.Year, first.Month, 1); m <= last; m = m.AddMonths(1))
            {
                // A payment's reversal gives money back: it lowers the month's net payments rather than counting as money
                // received. A transfer's reversal lowers what was received; a refund to CODI is money out. The month's
                // cash report counts its lines the same way (MonthEntry.Of), so the two agree.
                var these = byMonth[(m.Year, m.Month)].Select(MonthEntry.Of).ToList();
                var inflow = these.Sum(e => e.In);
                var outflow = these.Sum(e => e.Out);
                months.Add(new MonthRow(m.Year, m.Month, opening, inflow, outflow, opening + inflow - outflow));
                opening += inflow - outflow;
            }
        }
        return new MonthlyReport(ledger.Project, months);
    }

    /// <summary>One month of the cash book ("yyyy-MM"; none: the latest month with entries, or this month in Bangkok).</summary>
    public async Task<MonthReport> MonthAsync(Caller caller, long projectId, string? month, CancellationToken ct = default)
    {
        var chosen = ParseMonth(month);
        var ledger = await LedgerAsync(caller, projectId, ct);
        var first = chosen ?? (ledger.Entries.Count > 0 ? ledger.Entries.Max(e => e.Date) : Thai.Today());
        return MonthReport.From(ledger, new DateOnly(first.Year, first.Month, 1));
    }

    static DateOnly? ParseMonth(string? month)
    {
        if (string.IsNullOrWhiteSpace(month)) return null;
        return MonthKey.Parse(month.Trim()) is { Year: >= 1997 and <= 2157 } d ? d
            : throw ValidationFailed.One("month", "เดือนต้องอยู่ในรูป ปปปป-ดด แบบ ค.ศ. เช่น 2022-01", "The month must be yyyy-MM (Gregorian), for example 2022-01.");
    }

    /// <summary>One month's cash report as a workbook, with the export's audit row (who, which project and month, how many entries).</summary>
    public async Task<(string FileName, byte[] Bytes)> MonthWorkbookAsync(Caller caller, long projectId, string? month, CancellationToken ct = default)
    {
        var report = await MonthAsync(caller, projectId, month, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Audit.WriteAsync(conn, tx, caller, "export.monthly_report", "export", "monthly_report", null,
            new { kind = "monthly_report", projectId, month = report.Month, subdistrictCode = report.Project.SubdistrictCode, rows = report.Entries.Count }, ct);
        await tx.CommitAsync(ct);
        return ($"cash-report-project-{projectId}-{report.Month}.xlsx", MonthlyWorkbook.Write(report));
    }

    /// <summary>The committee's household list of a project as a workbook, with the export's audit row.</summary>
    public async Task<(string FileName, byte[] Bytes)> HouseholdListWorkbookAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var project = await ReadProjectAsync(conn, caller, projectId, tx);
        var homes = (await conn.QueryAsync<HouseholdListRow>(HouseholdList.Sql, new { projectId }, tx)).ToList();
        await Audit.WriteAsync(conn, tx, caller, "export.household_list", "export", "household_list", null,
            new { kind = "household_list", projectId, subdistrictCode = project.SubdistrictCode, rows = homes.Count }, ct);
        await tx.CommitAsync(ct);
        return ($"households-project-{projectId}.xlsx", HouseholdList.Write(project, homes));
    }

    /// <summary>A payment's voucher (ใบสำคัญรับเงิน): the payment with its home and project, for the people who sign it.</summary>
    public async Task<Voucher> VoucherAsync(Caller caller, long disbursementId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var v = await conn.QuerySingleOrDefaultAsync<VoucherRow>(Voucher.Sql, new { disbursementId });
        NotFound Missing() => NotFound.Of($"รายการจ่ายเลขที่ {disbursementId}", $"Payment {disbursementId}");
        if (v is null) throw Missing();
        var project = await ReadProjectAsync(conn, caller, v.ProjectId, notFound: Missing);
        var receipts = await Disbursements.ReceiptService.IdsAsync(conn, null, "@disbursementId", new { disbursementId });
        return new Voucher(project, v with { ReceiptIds = receipts[disbursementId].ToList() });
    }

    static async Task<ProjectMoney> ReadProjectAsync(NpgsqlConnection conn, Caller caller, long projectId, System.Data.IDbTransaction? tx = null,
        Func<NotFound>? notFound = null)
    {
        notFound ??= () => Budgets.BudgetService.ProjectNotFound(projectId);
        var p = await conn.QuerySingleOrDefaultAsync<ProjectMoney>($"{ProjectSql} WHERE p.id = @projectId", new { projectId }, tx) ?? throw notFound();
        caller.EnsureCanRead(p.SubdistrictCode, notFound);
        return p;
    }
}
