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
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public string FileName { get; } = fileName;
    public Task WriteAsync(Stream output, CancellationToken ct = default) => write(output, ct);
}

/// <summary>
/// The spend-versus-target workbook: a sheet per level of the chosen scope (the nation, or one
/// province) and a Households sheet with citizen IDs masked. The Households sheet comes with a
/// province's workbook; for the whole nation only when asked (<c>households=true</c>), since it runs to
/// hundreds of thousands of rows.
/// </summary>
public sealed class ExportService(NpgsqlDataSource db, RollupService rollups, TimeProvider clock)
{
    static readonly XlsxColumn[] LevelColumns =
    [
        new("รหัส", "Code", CellKind.Text, 10),
        new("ชื่อ", "Name", CellKind.Text, 28),
        new("ชื่อภาษาอังกฤษ", "Name (English)", CellKind.Text, 24),
        new("สังกัด", "Parent", CellKind.Text, 9),
        new("แผนงาน", "Program", CellKind.Text, 9),
        new("ปีงบประมาณ", "Fiscal year", CellKind.Integer, 10),
        new("เป้าหมาย (ครัวเรือน)", "Target (households)", CellKind.Integer, 12, Sum: true),
        new("งบประมาณ (บาท)", "Budget (baht)", CellKind.Baht, 16, Sum: true),
        new("ครัวเรือนที่จัดสรร", "Allocated households", CellKind.Integer, 12, Sum: true),
        new("จัดสรรแล้ว (บาท)", "Allocated (baht)", CellKind.Baht, 16, Sum: true),
        new("เบิกจ่ายแล้ว (บาท)", "Disbursed (baht)", CellKind.Baht, 16, Sum: true),
        new("สร้างเสร็จ (ครัวเรือน)", "Completed (households)", CellKind.Integer, 12, Sum: true),
        new("เบิกจ่าย % ของงบ", "Paid, % of budget", CellKind.Percent, 11),
        new("สร้างเสร็จ % ของเป้า", "Completed, % of target", CellKind.Percent, 11),
        new("คงเหลือ (บาท)", "Remaining (baht)", CellKind.Baht, 16, Sum: true),
    ];

    static readonly XlsxColumn[] HouseholdColumns =
    [
        new("รหัสครัวเรือน", "Household ID", CellKind.Integer, 10),
        new("เลขประจำตัวประชาชน", "Citizen ID (masked)", CellKind.Text, 19),
        new("หัวหน้าครัวเรือน", "Head of household", CellKind.Text, 24),
        new("บ้านเลขที่", "House no.", CellKind.Text, 9),
        new("หมู่ที่", "Village no.", CellKind.Integer, 7),
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
        return new RollupWorkbook(name, async (output, token) =>
        {
            using var x = new XlsxWriter(output);
            // Every sheet from one snapshot: a refresh committing while the workbook is written cannot make the national
            // sheet disagree with the sum of its provinces, or a project with its households.
            await using var conn = await db.OpenConnectionAsync(token);
            await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, token);
            string[] levels = province is null ? Levels.All : Levels.All[1..];
            foreach (var level in levels)
            {
                var rows = await rollups.ListAsync(caller, new RollupQuery(fiscalYear, program, level, null, province), token, tx);
                var sheet = x.AddSheet(SheetName(level), LevelColumns, header);
                foreach (var r in rows)
                    sheet.Row(r.Code, r.NameTh, r.NameEn, r.ParentCode, r.Program, r.FiscalYear, r.TargetHouseholds, r.Budget, r.AllocatedHouseholds,
                        r.Allocated, r.Disbursed, r.CompletedHouseholds, r.PercentBudgetPaid / 100, r.PercentTargetCompleted / 100, r.Remaining);
                sheet.Totals("รวม / Total", (12, 10, 7), (13, 11, 6));
            }
            if (households) await WriteHouseholdsAsync(x, tx, caller, fiscalYear, program, province, header, token);
        });
    }

    static string SheetName(string level) => level switch
    {
        Levels.National => "ประเทศ National", Levels.Province => "จังหวัด Province", Levels.District => "อำเภอ District",
        Levels.Subdistrict => "ตำบล Subdistrict", _ => "โครงการ Project",
    };

    static async Task WriteHouseholdsAsync(XlsxWriter x, NpgsqlTransaction tx, Caller caller, int fiscalYear, string? program, string? province, string header,
        CancellationToken ct)
    {
        var sheet = x.AddSheet("ครัวเรือน Households", HouseholdColumns, header);
        var conn = tx.Connection!;
        // JIT spends about a second compiling this plan, and the rows stream out anyway.
        await conn.ExecuteAsync("SET LOCAL jit = off", transaction: tx);
        // In allocation order, so the ledger and milestone sums merge along their allocation_id indexes and
        // rows stream out as they are joined (no sort of the whole set first). Unbuffered: memory stays flat.
        var rows = conn.QueryUnbufferedAsync<HouseholdRow>("""
            SELECT h.id AS household_id, h.citizen_id, h.head_name, h.house_no, h.village_no, s.name_th AS subdistrict, d.name_th AS district,
                   pv.name_th AS province, p.name AS project, b.program, a.work_type, a.amount AS allocated, coalesce(x.disbursed, 0) AS disbursed,
                   m.stage_order, m.reached_on
            FROM allocations a
            JOIN projects p ON p.id = a.project_id
            JOIN budgets b ON b.id = p.budget_id
            JOIN households h ON h.id = a.household_id
            JOIN subdistricts s ON s.code = p.subdistrict_code
            JOIN districts d ON d.code = s.district_code
            JOIN provinces pv ON pv.code = d.province_code
            LEFT JOIN (SELECT allocation_id, sum(amount) AS disbursed FROM disbursements GROUP BY allocation_id) x ON x.allocation_id = a.id
            LEFT JOIN (SELECT allocation_id, max(stage_order) AS stage_order, max(reached_on) AS reached_on FROM milestones GROUP BY allocation_id) m
                   ON m.allocation_id = a.id
            WHERE a.cancelled_at IS NULL AND b.fiscal_year = @fiscalYear AND (@program::text IS NULL OR b.program = @program)
              AND (@province::text IS NULL OR b.province_code = @province)
              AND (@provinces::text[] IS NULL OR b.province_code = ANY(@provinces::text[]))
              AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts::text[]))
            ORDER BY a.id
            """, new { fiscalYear, program, province, provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts }, tx);
        await foreach (var h in rows.WithCancellation(ct))
            sheet.Row(h.HouseholdId, CitizenId.Mask(h.CitizenId), h.HeadName, h.HouseNo, h.VillageNo, h.Subdistrict, h.District, h.Province, h.Project,
                h.Program, h.WorkType, h.Allocated, h.Disbursed, h.Allocated - h.Disbursed, h.StageOrder is short n ? Stages[n - 1] : null, h.ReachedOn);
        sheet.Totals("รวม / Total");
    }
}
