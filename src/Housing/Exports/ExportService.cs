using Dapper;
using Housing.Access;
using Housing.Rollups;
using Npgsql;

namespace Housing.Exports;

/// <summary>Households omitted: a national workbook without the household sheet; true adds it (see <see cref="ExportService"/>).</summary>
public sealed record ExportQuery(int? FiscalYear, string? Program, string? ProvinceCode, bool? Households = null);

/// <summary>A checked export, ready to stream: nothing is read until <see cref="WriteAsync"/>.</summary>
public sealed class RollupWorkbook(string fileName, Func<Stream, CancellationToken, Task> write)
{
    public const string ContentType = Report.ContentType;
    public string FileName { get; } = fileName;
    public Task WriteAsync(Stream output, CancellationToken ct = default) => write(output, ct);
}

/// <summary>
/// The spend-versus-target workbook: a sheet per level of the chosen scope (the nation, or one
/// province) and a Households sheet with citizen IDs masked. The Households sheet comes with a
/// province's workbook; for the whole nation only when asked (<c>households=true</c>), since it runs to
/// hundreds of thousands of rows. ClosedXML builds it, except a workbook too big for it: the register-sized listing and the
/// nation's sheets (see <see cref="ClosedXmlCellLimit"/> and <see cref="StreamingWorkbook"/>).
/// Every export writes an audit row: who, what, the scope and how many rows.
/// </summary>
public sealed class ExportService(NpgsqlDataSource db, RollupService rollups, TimeProvider clock, int streamPast = ExportService.ClosedXmlHouseholdLimit,
    Attention.AttentionService? attention = null, int streamPastCells = ExportService.ClosedXmlCellLimit, int attentionRows = Attention.AttentionSheet.MaxRows)
{
    /// <summary>Past this many homes ClosedXML's memory grows too large (191 MB at 10,000 rows): the workbook is streamed instead.</summary>
    public const int ClosedXmlHouseholdLimit = 10_000;

    /// <summary>Past this many cells ClosedXML is too slow: about 8 µs a cell here, 3 s for the nation's sheets (15,900 rows and
    /// 10,000 flags, 396,000 cells; 412,000 since the flags' column) against their 2 s target, where the streaming writer takes 0.4 s. So those are streamed too.</summary>
    public const int ClosedXmlCellLimit = 200_000;

    static readonly ReportColumn[] LevelColumns =
    [
        new("รหัส", "Code", CellKind.Code, 10),
        new("ชื่อ", "Name", CellKind.Text, 28),
        new("ชื่อภาษาอังกฤษ", "Name (English)", CellKind.Text, 24),
        new("รหัสสังกัด", "Parent code", CellKind.Code, 9),
        new("สังกัด", "Parent", CellKind.Text, 20),
        new("แผนงาน", "Program", CellKind.Text, 9),
        new("ปีงบประมาณ", "Fiscal year", CellKind.Number, 10),
        new("เป้าหมาย (ครัวเรือน)", "Target (households)", CellKind.Count, 13, Sum: true),
        new("งบประมาณ (บาท)", "Budget (baht)", CellKind.Baht, 16, Sum: true),
        new("ครัวเรือนที่จัดสรร", "Allocated households", CellKind.Count, 13, Sum: true),
        new("จัดสรรแล้ว (บาท)", "Allocated (baht)", CellKind.Baht, 16, Sum: true),
        new("เบิกจ่ายแล้ว (บาท)", "Disbursed (baht)", CellKind.Baht, 16, Sum: true),
        new("สร้างเสร็จ (ครัวเรือน)", "Completed (households)", CellKind.Count, 13, Sum: true),
        new("เบิกจ่าย % ของงบ", "Paid, % of budget", CellKind.Percent, 11),
        new("สร้างเสร็จ % ของเป้า", "Completed, % of target", CellKind.Percent, 11),
        new("คงเหลือ (บาท)", "Remaining (baht)", CellKind.Baht, 16, Sum: true),
        new("รับจาก พอช. (บาท)", "Received from CODI (baht)", CellKind.Baht, 16, Sum: true),
        new("เงินคงเหลือในมือ (บาท)", "Cash on hand (baht)", CellKind.Baht, 16, Sum: true),
        // Last, so the columns before it (and LevelRatios' indexes) stay where readers of the sheets know them.
        new("ต้องติดตาม (รายการ)", "Flags needing attention", CellKind.Count, 17, Sum: true),
    ];

    /// <summary>The totals row's percents: disbursed / budget and completed / target.</summary>
    static readonly Ratio[] LevelRatios = [new(13, 11, 8), new(14, 12, 7)];

    static readonly ReportColumn[] HouseholdColumns =
    [
        new("รหัสครัวเรือน", "Household ID", CellKind.Code, 10),
        new("เลขประจำตัวประชาชน", "Citizen ID (masked)", CellKind.Code, 19),
        new("หัวหน้าครัวเรือน", "Head of household", CellKind.Text, 24),
        new("บ้านเลขที่", "House no.", CellKind.Code, 9),
        new("หมู่ที่", "Village no.", CellKind.Number, 7),
        new("ตำบล", "Subdistrict", CellKind.Text, 16),
        new("อำเภอ", "District", CellKind.Text, 16),
        new("จังหวัด", "Province", CellKind.Text, 14),
        new("โครงการ", "Project", CellKind.Text, 28),
        new("แผนงาน", "Program", CellKind.Text, 8),
        new("ประเภทงาน", "Work type", CellKind.Text, 11),
        new("จัดสรร (บาท)", "Allocated (baht)", CellKind.Baht, 14, Sum: true),
        new("เบิกจ่ายแล้ว (บาท)", "Disbursed (baht)", CellKind.Baht, 14, Sum: true),
        new("คงเหลือ (บาท)", "Remaining (baht)", CellKind.Baht, 14, Sum: true),
        new("ขั้นล่าสุด", "Latest stage", CellKind.Text, 16),
        new("บันทึกความคืบหน้าล่าสุด", "Latest milestone on", CellKind.Date, 13),
    ];

    /// <summary>By stage_order (1–7): "สำรวจ / surveyed".</summary>
    static readonly string[] Stages = Milestones.MilestoneService.Stages.Select(st => $"{st.NameTh} / {st.NameEn.ToLowerInvariant()}").ToArray();


    sealed record HouseholdRow(long HouseholdId, string CitizenId, string HeadName, string HouseNo, int? VillageNo, string Subdistrict, string District,
        string Province, string Project, string Program, string WorkType, decimal Allocated, decimal Disbursed, short? StageOrder, DateOnly? ReachedOn);

    /// <summary>Checks the query and the caller's area (404 for a province it may not read) before a byte is written.</summary>
    public async Task<RollupWorkbook> RollupWorkbookAsync(Caller caller, ExportQuery q, CancellationToken ct = default)
    {
        var province = string.IsNullOrWhiteSpace(q.ProvinceCode) ? null : q.ProvinceCode.Trim();
        if (province is not null && !(province.Length == 2 && province.All(char.IsAsciiDigit)))
            throw ValidationFailed.One("provinceCode", "รหัสจังหวัดต้องเป็นตัวเลข 2 หลัก", "The province code must be 2 digits.");
        var (fiscalYear, program, _, _) = rollups.Validate(new RollupQuery(q.FiscalYear, q.Program, null, null));
        if (province is not null)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var known = await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM provinces WHERE code = @province)", new { province });
            if (!known || !caller.CanReadProvince(province)) throw NotFound.Of($"จังหวัดรหัส {province}", $"Province {province}");
        }
        var households = q.Households ?? province is not null;
        var name = $"rollup-{fiscalYear}{(program is null ? "" : "-" + program)}{(province is null ? "" : "-" + province)}.xlsx";
        var asOf = Thai.DateTime(clock.GetUtcNow(), Thai.ThaiCulture);
        var header = $"สรุปผลการใช้จ่ายเทียบเป้าหมาย ปีงบประมาณ {fiscalYear} {(program is null ? "" : $"{Budgets.Programs.Name(program).Th} ({program})")} (พิมพ์ {asOf}) / Spend versus target, FY {fiscalYear}";
        var scope = new HouseholdScope(caller, fiscalYear, program, province);
        return new RollupWorkbook(name, async (output, token) =>
        {
            // Every sheet from one snapshot: a refresh committing while the workbook is written cannot make the national
            // sheet disagree with the sum of its provinces, or a project with its households.
            await using var conn = await db.OpenConnectionAsync(token);
            await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, token);
            // The same method, and so the same query, as the rollup page and GET /rollups: their figures cannot differ.
            var sheets = new List<(string Level, List<object?[]> Rows)>();
            foreach (var level in province is null ? Levels.All : Levels.All[1..])
            {
                var rows = await rollups.ListAsync(caller, new RollupQuery(fiscalYear, program, level, null, province), token, tx);
                sheets.Add((level, rows.Select(LevelRow).ToList()));
            }
            var homes = households ? await CountHouseholdsAsync(tx, scope, token) : 0;
            // In the same snapshot: the attention sheet's total is the level sheets' count of flags.
            var flags = attention is null ? null : await Attention.AttentionSheet.RowsAsync(attention, caller, fiscalYear, program, province, token,
                attentionRows, tx);
            var (levelRows, flagRows) = (sheets.Sum(x => x.Rows.Count), flags?.Rows.Count ?? 0);
            await AuditAsync(caller, "export.rollup_workbook", "rollup_workbook", new
            {
                kind = "rollup_workbook", fiscalYear, program, provinceCode = province, households,
                rows = levelRows + homes + flagRows, householdRows = homes,
            }, token);

            var cells = levelRows * LevelColumns.Length + flagRows * Attention.AttentionSheet.Columns.Length + homes * HouseholdColumns.Length;
            if (homes > streamPast || cells > streamPastCells)
            {
                using var x = new StreamingWorkbook(output);
                foreach (var (level, rows) in sheets)
                {
                    var sheet = x.AddSheet(SheetName(level), LevelColumns, header);
                    foreach (var r in rows) sheet.Row(r);
                    sheet.Totals(Total, LevelRatios);
                }
                if (flags is not null)
                {
                    var flagSheet = x.AddSheet(Attention.AttentionSheet.Name, Attention.AttentionSheet.Columns, header);
                    foreach (var r in flags.Rows) flagSheet.Row(r);
                    flagSheet.Totals(Total, flags.Totals);
                }
                if (households)
                {
                    var listing = x.AddSheet(HouseholdSheet, HouseholdColumns, header);
                    await foreach (var h in HouseholdsAsync(tx, scope, token)) listing.Row(h);
                    listing.Totals(Total);
                }
                return;
            }
            using var wb = Report.NewWorkbook();
            foreach (var (level, rows) in sheets) Report.AddListing(wb, SheetName(level), LevelColumns, header, rows, Total, LevelRatios);
            if (flags is not null) Report.AddListing(wb, Attention.AttentionSheet.Name, Attention.AttentionSheet.Columns, header, flags.Rows, Total, flags.Totals);
            if (households)
            {
                var rows = new List<object?[]>(homes);
                await foreach (var h in HouseholdsAsync(tx, scope, token)) rows.Add(h);
                Report.AddListing(wb, HouseholdSheet, HouseholdColumns, header, rows, Total);
            }
            await tx.CommitAsync(token);
            await output.WriteAsync(Report.Save(wb), token);
        });
    }

    const string Total = "รวม / Total", HouseholdSheet = "ครัวเรือน Households";

    /// <summary>A level's row; a project has no English name (the column stays empty) and a parent is named as well as coded.</summary>
    static object?[] LevelRow(RollupRow r) =>
    [
        r.Code, r.NameTh, r.Level == Levels.Project && r.NameEn == r.NameTh ? null : r.NameEn, r.ParentCode, r.ParentNameTh, r.Program, r.FiscalYear,
        r.TargetHouseholds, r.Budget, r.AllocatedHouseholds, r.Allocated, r.Disbursed, r.CompletedHouseholds, r.PercentBudgetPaid / 100,
        r.PercentTargetCompleted / 100, r.Remaining, r.Received, r.CashOnHand, r.AttentionFlags,
    ];

    /// <summary>The audit row of an export, committed before the file is sent: a download cut short is still on record.</summary>
    async Task AuditAsync(Caller caller, string action, string kind, object scope, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Audit.WriteAsync(conn, tx, caller, action, "export", kind, null, scope, ct);
        await tx.CommitAsync(ct);
    }

    static string SheetName(string level) => level switch
    {
        Levels.National => "ประเทศ National", Levels.Province => "จังหวัด Province", Levels.District => "อำเภอ District",
        Levels.Subdistrict => "ตำบล Subdistrict", _ => "โครงการ Project",
    };

    sealed record HouseholdScope(Caller Caller, int FiscalYear, string? Program, string? Province)
    {
        public object Args => new { fiscalYear = FiscalYear, program = Program, province = Province, provinces = Caller.ReadableProvinces,
            subdistricts = Caller.ReadableSubdistricts };
    }

    const string HouseholdWhere = """
        WHERE a.cancelled_at IS NULL AND b.fiscal_year = @fiscalYear AND (@program::text IS NULL OR b.program = @program)
          AND (@province::text IS NULL OR b.province_code = @province)
          AND (@provinces::text[] IS NULL OR b.province_code = ANY(@provinces::text[]))
          AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts::text[]))
        """;

    static Task<int> CountHouseholdsAsync(NpgsqlTransaction tx, HouseholdScope scope, CancellationToken ct) =>
        tx.Connection!.ExecuteScalarAsync<int>(new CommandDefinition($"""
            SELECT count(*)::int FROM allocations a JOIN projects p ON p.id = a.project_id JOIN budgets b ON b.id = p.budget_id
            {HouseholdWhere}
            """, scope.Args, tx, cancellationToken: ct));

    static async IAsyncEnumerable<object?[]> HouseholdsAsync(NpgsqlTransaction tx, HouseholdScope scope,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var conn = tx.Connection!;
        // JIT spends about a second compiling this plan, and the rows stream out anyway.
        await conn.ExecuteAsync("SET LOCAL jit = off", transaction: tx);
        // Each home's paid, top standing stage and its date from its row of home_progress (0019, kept by the writes and checked
        // by the invariants): summing the ledger and the milestones here merged 1.25 million payments and 1.9 million milestones
        // for a province of 5,226 homes (2 s of the database's CPU for each province workbook; 31 ms this way). In allocation
        // order, so the rows stream out as they are joined. Unbuffered: memory stays flat.
        var rows = conn.QueryUnbufferedAsync<HouseholdRow>($"""
            SELECT h.id AS household_id, h.citizen_id, h.head_name, h.house_no, h.village_no, s.name_th AS subdistrict, d.name_th AS district,
                   pv.name_th AS province, p.name AS project, b.program, a.work_type, a.amount AS allocated, coalesce(x.paid, 0) AS disbursed,
                   x.top AS stage_order, x.last_on AS reached_on
            FROM allocations a
            JOIN projects p ON p.id = a.project_id
            JOIN budgets b ON b.id = p.budget_id
            JOIN households h ON h.id = a.household_id
            JOIN subdistricts s ON s.code = p.subdistrict_code
            JOIN districts d ON d.code = s.district_code
            JOIN provinces pv ON pv.code = d.province_code
            LEFT JOIN home_progress x ON x.allocation_id = a.id
            {HouseholdWhere}
            ORDER BY a.id
            """, scope.Args, tx);
        await foreach (var h in rows.WithCancellation(ct))
            yield return [h.HouseholdId, CitizenId.Mask(h.CitizenId), h.HeadName, h.HouseNo, h.VillageNo, h.Subdistrict, h.District, h.Province, h.Project,
                h.Program, h.WorkType, h.Allocated, h.Disbursed, h.Allocated - h.Disbursed, h.StageOrder is short n ? Stages[n - 1] : null, h.ReachedOn];
    }
}
