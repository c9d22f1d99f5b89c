using System.Globalization;
using Dapper;
using Housing.Access;
using Housing.Households;
using Npgsql;
using NpgsqlTypes;

namespace Housing.Imports;

/// <summary>A problem a person can fix: the spreadsheet row, the field (and the column as their file names it), and why.</summary>
public sealed record ImportError(int Row, string Field, string Column, Msg Message);

/// <summary>All rows imported, or none and the errors (the first <see cref="HouseholdImportService.MaxReportedErrors"/>, with the total count).</summary>
public sealed record ImportResult(int Imported, IReadOnlyList<ImportError> Errors, int ErrorCount)
{
    public bool Ok => ErrorCount == 0;
}

/// <summary>
/// Bulk registration of households from the sheet a provincial office keeps (CSV or XLSX, Thai or English headers).
/// Rows are streamed (never all held), judged by the register's own rules, and binary-COPYed: a clean file straight
/// into the register; a refused one again into a temporary table, where duplicates (within the file and against the
/// register) are found in SQL for the full error list. Everything happens in one transaction: all rows or none.
/// </summary>
public sealed class HouseholdImportService(NpgsqlDataSource db)
{
    public const int MaxReportedErrors = 1000;
    /// <summary>How far down the header may be, below a sheet's title rows.</summary>
    const int HeaderSearchRows = 10;

    /// <summary>A column of the template: the field, its Thai and English headers, and other headers offices use for it.</summary>
    public sealed record Column(string Field, Msg Header, bool Required, Msg Help, params string[] Aliases);

    public static readonly Column[] Columns =
    [
        new("citizenId", new("เลขประจำตัวประชาชน", "Citizen ID"), true,
            new("ของหัวหน้าครัวเรือน 13 หลัก", "Of the head of household, 13 digits"), "เลขบัตรประชาชน", "เลขประจำตัวประชาชนหัวหน้าครัวเรือน", "citizen id no", "id card"),
        new("headName", new("ชื่อ-สกุลหัวหน้าครัวเรือน", "Head of household"), true,
            new("ชื่อและนามสกุล", "First name and surname"), "ชื่อสกุล", "ชื่อหัวหน้าครัวเรือน", "head name", "head's name", "name"),
        new("houseNo", new("บ้านเลขที่", "House no."), true, new("เช่น 12/3", "e.g. 12/3"), "house number"),
        new("villageNo", new("หมู่ที่", "Village no."), false, new("1–99 (เว้นว่างได้ในเขตเมือง)", "1–99 (may be blank in a city)"), "หมู่", "village", "village number", "moo"),
        new("subdistrictCode", new("รหัสตำบล", "Subdistrict code"), true,
            new("รหัสกรมการปกครอง 6 หลัก เช่น 540101", "Ministry of Interior code, 6 digits, e.g. 540101"), "รหัสตำบล/แขวง", "tambon code"),
        new("members", new("จำนวนสมาชิก (คน)", "Members"), true, new("1–99", "1–99"), "จำนวนสมาชิก", "สมาชิก", "household members"),
        new("monthlyIncome", new("รายได้ต่อเดือน (บาท)", "Monthly income (baht)"), true,
            new("ของทั้งครัวเรือน", "Of the whole household"), "รายได้ต่อเดือน", "รายได้", "monthly income", "income"),
        new("vulnerabilities", new("กลุ่มเปราะบาง", "Vulnerabilities"), false,
            new("คั่นด้วยจุลภาค: ผู้สูงอายุ, ผู้พิการ, ผู้ป่วยติดเตียง, เด็กเล็ก", "Comma separated: elderly, disabled, bedridden, young children"), "vulnerability", "เปราะบาง"),
        new("housingProblem", new("สภาพปัญหาที่อยู่อาศัย", "Housing problem"), false, new("ไม่เกิน 1,000 ตัวอักษร", "At most 1,000 characters"), "ปัญหาที่อยู่อาศัย"),
        new("landTenure", new("สถานะการถือครองที่ดิน", "Land tenure"), false,
            new("เป็นเจ้าของ, เช่า, อาศัยโดยได้รับอนุญาต, ที่ดินสาธารณะ/ที่ดินรัฐ, บุกรุก, อื่น ๆ", "owned, rented, permitted, public land, encroached, other"), "สถานะที่ดิน", "การถือครองที่ดิน", "tenure"),
        // Many offices write the place by name: subdistrict with its district stand in for the code.
        new("subdistrictName", new("ตำบล", "Subdistrict"), false,
            new("ใช้แทนรหัสตำบลได้ คู่กับอำเภอ", "May stand in for the code, with the district"), "ตำบล/แขวง", "แขวง", "tambon"),
        new("districtName", new("อำเภอ", "District"), false, new("คู่กับตำบล", "With the subdistrict"), "อำเภอ/เขต", "เขต", "amphoe"),
    ];

    const int CodeColumn = 4, SubdistrictNameColumn = 10, DistrictNameColumn = 11;

    static string Key(string header) => new(header.Trim().ToLowerInvariant().Where(c => !char.IsWhiteSpace(c) && c is not ('.' or '-' or '_' or '(' or ')' or '\'' or '/' or ':')).ToArray());

    static readonly Dictionary<string, int> HeaderKeys = Columns
        .SelectMany((c, i) => new[] { c.Field, c.Header.Th, c.Header.En }.Concat(c.Aliases).Select(h => (Key: Key(h), i)))
        .DistinctBy(x => x.Key).ToDictionary(x => x.Key, x => x.i);

    /// <summary>Thai names, English names and codes of the closed lists, all to the code.</summary>
    static Dictionary<string, string> Lookup((string Code, Msg Name)[] list) => list
        .SelectMany(x => new[] { x.Code, x.Name.Th, x.Name.En }.SelectMany(n => new[] { n, Key(n) }).Select(n => (Name: n, x.Code)))
        .DistinctBy(x => x.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(x => x.Name, x => x.Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>The name as written, else its <see cref="Key"/> (spaces and punctuation dropped): the usual case costs one lookup.</summary>
    static bool TryCode(Dictionary<string, string> codes, string name, out string code)
        => codes.TryGetValue(name, out code!) || codes.TryGetValue(Key(name), out code!);

    static readonly char[] ListSeparators = [',', ';', '/', '|', '\n'];

    static readonly Dictionary<string, string> VulnerabilityCodes = Lookup(HouseholdLists.Vulnerabilities);
    static readonly Dictionary<string, string> TenureCodes = Lookup(HouseholdLists.LandTenures);

    public static bool IsSupported(string fileName) => SheetReader.IsCsv(fileName) || SheetReader.IsXlsx(fileName);

    /// <summary>Errors as they are found: the first <see cref="MaxReportedErrors"/> kept, all counted.</summary>
    sealed class Report
    {
        public List<ImportError> Errors { get; } = [];
        public int Count { get; set; }

        public void Fail(int row, string field, string column, Msg message)
        {
            Count++;
            if (Errors.Count < MaxReportedErrors) Errors.Add(new ImportError(row, field, column, message));
        }

        public ImportResult Result => new(0, Errors.OrderBy(e => e.Row).ToList(), Count);
    }

    public async Task<ImportResult> ImportAsync(Caller caller, Stream upload, string fileName, CancellationToken ct = default)
    {
        if (!caller.CanManageSomewhere) throw new Forbidden();
        if (!IsSupported(fileName))
            throw ValidationFailed.One("file", "รับเฉพาะไฟล์ .csv หรือ .xlsx", "Only .csv or .xlsx files are accepted.");

        // A private temporary copy: a refused file is read a second time, and the zip reader seeks (an upload's stream seeks badly).
        await using var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        await upload.CopyToAsync(file, ct);
        file.Position = 0;

        await using var conn = await db.OpenConnectionAsync(ct);
        var places = await Places.LoadAsync(conn);

        // The usual case, a clean file: rows go straight into the register as they are read, so PostgreSQL files
        // them while the next are parsed. The first bad row, or a citizen ID the unique key refuses, ends this
        // attempt (the transaction rolls back) and the thorough pass below lists every problem.
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var report = new Report();
            try
            {
                var (imported, _) = await StreamAsync(conn, """
                    COPY households (created_by, citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                     vulnerabilities, housing_problem, land_tenure) FROM STDIN (FORMAT BINARY)
                    """, file, fileName, caller, places, report, stopAtFirstError: true, ct);
                if (report.Count == 0) return await FinishAsync(conn, tx, caller, fileName, imported, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation) { }
        }
        file.Position = 0;
        return await ImportThoroughlyAsync(conn, file, fileName, caller, places, ct);
    }

    /// <summary>Stages every good row in a temporary table with its row number, then finds duplicates (within the
    /// file and against the register) in SQL, so the list is complete and nothing is held in memory.</summary>
    async Task<ImportResult> ImportThoroughlyAsync(NpgsqlConnection conn, Stream file, string fileName, Caller caller, Places places,
        CancellationToken ct)
    {
        var report = new Report();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("""
            CREATE TEMP TABLE household_import (
                row_no int, citizen_id text, head_name text, house_no text, village_no int, subdistrict_code text,
                members int, monthly_income numeric(14,2), vulnerabilities text[], housing_problem text, land_tenure text
            ) ON COMMIT DROP
            """, transaction: tx);
        var (_, column) = await StreamAsync(conn, """
            COPY household_import (row_no, citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                   vulnerabilities, housing_problem, land_tenure) FROM STDIN (FORMAT BINARY)
            """, file, fileName, caller, places, report, stopAtFirstError: false, ct);
        if (report.Count > 0) return report.Result;

        // The share lock keeps others from registering the same person between this check and the insert
        // (the register can still be read meanwhile).
        await conn.ExecuteAsync("ANALYZE household_import; LOCK TABLE households IN SHARE ROW EXCLUSIVE MODE", transaction: tx);
        // Only the first MaxReportedErrors of each kind come back (memory stays flat), with the total count beside them.
        var duplicates = (await conn.QueryAsync<(int Row, int FirstRow, long Total)>("""
            SELECT row_no, first_row, count(*) OVER () FROM (
                SELECT row_no, min(row_no) OVER (PARTITION BY citizen_id) AS first_row FROM household_import) x
            WHERE row_no <> first_row ORDER BY row_no LIMIT @MaxReportedErrors
            """, new { MaxReportedErrors }, tx)).ToList();
        foreach (var d in duplicates)
            report.Fail(d.Row, "citizenId", column, new Msg(
                $"เลขประจำตัวประชาชนซ้ำกับแถวที่ {d.FirstRow} ในไฟล์นี้", $"The citizen ID repeats row {d.FirstRow} of this file."));
        report.Count += (int)(duplicates.FirstOrDefault().Total - duplicates.Count);
        var registered = (await conn.QueryAsync<(int Row, long Id, long Total)>("""
            SELECT i.row_no, h.id, count(*) OVER () FROM household_import i JOIN households h ON h.citizen_id = i.citizen_id
            ORDER BY i.row_no LIMIT @MaxReportedErrors
            """, new { MaxReportedErrors }, tx)).ToList();
        foreach (var r in registered)
            report.Fail(r.Row, "citizenId", column, new Msg(
                $"ลงทะเบียนแล้ว (ครัวเรือนเลขที่ {r.Id}): บ้านหนึ่งหลังได้รับการสนับสนุนได้ครั้งเดียว",
                $"Already registered (household {r.Id}): a home is not funded twice."));
        report.Count += (int)(registered.FirstOrDefault().Total - registered.Count);
        if (report.Count > 0) return report.Result;

        var imported = await conn.ExecuteAsync("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                    vulnerabilities, housing_problem, land_tenure, created_by)
            SELECT citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                   vulnerabilities, housing_problem, land_tenure, @ActorId
            FROM household_import ORDER BY row_no
            """, new { caller.ActorId }, tx);
        return await FinishAsync(conn, tx, caller, fileName, imported, ct);
    }

    /// <summary>One audit row for the whole file. Its households are the rows whose created_at is the audit row's <c>at</c>
    /// (both are this transaction's now()) and whose created_by is the caller.</summary>
    static async Task<ImportResult> FinishAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, string fileName, int imported, CancellationToken ct)
    {
        await Audit.WriteAsync(conn, tx, caller, "household.import", "household", null, null,
            new { file = Path.GetFileName(fileName), imported }, ct);
        await tx.CommitAsync(ct);
        return new ImportResult(imported, [], 0);
    }

    /// <summary>Reads, checks and binary-COPYs the rows. The COPY's first column is the row number (staging) or the
    /// caller as created_by (the register); the rest are the household's. Returns the rows sent and the citizen ID's
    /// column as the file names it; on errors the COPY is left unfinished, which cancels it.</summary>
    static async Task<(int Staged, string IdColumn)> StreamAsync(NpgsqlConnection conn, string copySql, Stream file, string fileName, Caller caller, Places places,
        Report report, bool stopAtFirstError, CancellationToken ct)
    {
        var staging = copySql.Contains("row_no", StringComparison.Ordinal);
        var staged = 0;
        int[]? map = null; // template column → file column
        string[] headers = [];
        SheetRow? firstRow = null;
        var titleRows = 0;
        await using var copy = await conn.BeginBinaryImportAsync(copySql, ct);
        using var rows = SheetReader.Rows(file, fileName).GetEnumerator();
        while (MoveNext(rows))
        {
            var row = rows.Current;
            if (row.IsBlank) continue;
            if (map is null)
            {
                // Offices often keep a title or two above the header: it is the first row naming three columns or more.
                var (found, names) = MapHeader(row);
                firstRow ??= row;
                if (found.Count(i => i >= 0) < 3)
                {
                    if (++titleRows < HeaderSearchRows) continue;
                    (row, (found, names)) = (firstRow.Value, MapHeader(firstRow.Value));
                }
                (map, headers) = (found, names);
                var byName = map[SubdistrictNameColumn] >= 0 && map[DistrictNameColumn] >= 0;
                for (var c = 0; c < Columns.Length; c++)
                    if (map[c] < 0 && Columns[c].Required && !(c == CodeColumn && byName))
                        report.Fail(row.Number, Columns[c].Field, "", new Msg($"ไม่พบคอลัมน์ \"{Columns[c].Header.Th}\"", $"The column \"{Columns[c].Header.En}\" is missing."));
                if (report.Count > 0) return (0, "");
                continue;
            }
            var household = Parse(row, map, headers, caller, places, report.Fail);
            // After the first bad row nothing will be written, so stop sending rows; keep checking for the error list.
            if (household is null || report.Count > 0)
            {
                if (stopAtFirstError) return (0, "");
                continue;
            }
            await copy.StartRowAsync(ct);
            if (staging) await copy.WriteAsync(row.Number, NpgsqlDbType.Integer, ct);
            else await WriteNullableAsync(copy, caller.ActorId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(household.CitizenId!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.HeadName!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.HouseNo!, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.VillageNo, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(household.SubdistrictCode!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.Members!.Value, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(household.MonthlyIncome!.Value, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(household.Vulnerabilities!, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.HousingProblem, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.LandTenure, NpgsqlDbType.Text, ct);
            staged++;
        }
        if (map is null) report.Fail(0, "file", "", new Msg("ไม่พบข้อมูลในไฟล์", "The file has no rows."));
        else if (staged == 0 && report.Count == 0) report.Fail(2, "file", "", new Msg("ไฟล์มีแต่หัวตาราง ไม่มีข้อมูลครัวเรือน", "The file has a header but no households."));
        if (report.Count > 0) return (0, "");
        await copy.CompleteAsync(ct);
        return (staged, headers[0]);

        // The reader runs lazily inside the loop; a damaged file shows up here.
        static bool MoveNext(IEnumerator<SheetRow> e)
        {
            try { return e.MoveNext(); }
            catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or System.Xml.XmlException
                                           or DocumentFormat.OpenXml.Packaging.OpenXmlPackageException)
            {
                throw Unreadable();
            }
        }
    }

    static ValidationFailed Unreadable() => ValidationFailed.One("file",
        "อ่านไฟล์ไม่ได้: ต้องเป็น .csv หรือ .xlsx ที่บันทึกจาก Excel หรือจากแม่แบบ", "The file cannot be read: it must be a .csv or .xlsx saved from Excel or from the template.");

    static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct
        => value is T v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);

    static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
        => value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);

    /// <summary>Which file column holds which template column, and each column's header as the file writes it
    /// (the template's Thai header where the file has none).</summary>
    static (int[] Map, string[] Headers) MapHeader(SheetRow header)
    {
        var map = Enumerable.Repeat(-1, Columns.Length).ToArray();
        var headers = Columns.Select(c => c.Header.Th).ToArray();
        for (var i = 0; i < header.Cells.Length; i++)
        {
            var text = header.Cells[i];
            if (string.IsNullOrWhiteSpace(text) || !HeaderKeys.TryGetValue(Key(text), out var c) || map[c] >= 0) continue;
            map[c] = i;
            headers[c] = text.Trim();
        }
        return (map, headers);
    }

    /// <summary>One row to a household, judged by the register's own rules; null when the row has errors.</summary>
    static RegisterHousehold? Parse(SheetRow row, int[] map, string[] headers, Caller caller, Places places,
        Action<int, string, string, Msg> fail)
    {
        string? Cell(int c) => map[c] >= 0 && map[c] < row.Cells.Length && !string.IsNullOrWhiteSpace(row.Cells[map[c]]) ? row.Cells[map[c]]!.Trim() : null;
        var ok = true;
        var unparsed = new bool[Columns.Length];
        void Bad(int c, Msg m) { ok = false; fail(row.Number, Columns[c].Field, headers[c], m); }

        int? Int(int c)
        {
            var s = Cell(c);
            if (s is null) return null;
            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
            if (decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
            unparsed[c] = true;
            Bad(c, new Msg("ต้องเป็นจำนวนเต็ม", "Must be a whole number."));
            return null;
        }

        var citizenId = Cell(0);
        // Excel keeps a 13-digit ID typed as a number; a copy may show it as 1.23456789012E+12.
        if (citizenId is not null && citizenId.Contains('E', StringComparison.OrdinalIgnoreCase)
            && decimal.TryParse(citizenId, NumberStyles.Float, CultureInfo.InvariantCulture, out var asNumber))
            citizenId = asNumber.ToString("0", CultureInfo.InvariantCulture);
        var villageNo = Int(3);
        var subdistrict = Cell(CodeColumn);
        var unplaced = false;
        if (subdistrict is null && Cell(SubdistrictNameColumn) is { } placeName)
        {
            var (code, problem) = places.Find(Cell(DistrictNameColumn), placeName, caller);
            if (code is null) { unplaced = true; Bad(SubdistrictNameColumn, problem!.Value); }
            subdistrict = code;
        }
        var members = Int(5);
        decimal? income = null;
        if (Cell(6) is { } incomeText)
        {
            if (decimal.TryParse(incomeText, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)) income = d;
            else { unparsed[6] = true; Bad(6, new Msg("ต้องเป็นจำนวนเงิน เช่น 3500 หรือ 3,500.50", "Must be an amount, e.g. 3500 or 3,500.50.")); }
        }
        var vulnerabilities = new List<string>();
        foreach (var word in Cell(7)?.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
        {
            if (TryCode(VulnerabilityCodes, word, out var code)) vulnerabilities.Add(code);
            else Bad(7, new Msg($"ไม่รู้จักกลุ่มเปราะบาง \"{word}\"", $"Unknown vulnerability \"{word}\"."));
        }
        string? tenure = null;
        if (Cell(9) is { } tenureText)
        {
            if (TryCode(TenureCodes, tenureText, out var code)) tenure = code;
            else Bad(9, new Msg($"ไม่รู้จักสถานะที่ดิน \"{tenureText}\"", $"Unknown land tenure \"{tenureText}\"."));
        }

        var v = new Validator();
        var household = HouseholdService.Validate(new RegisterHousehold(citizenId, Cell(1), Cell(2), villageNo, subdistrict,
            members, income, vulnerabilities.ToArray(), Cell(8), tenure), v);
        // A field that could not even be parsed already has its error; the register's "required" would only repeat it.
        foreach (var (field, message) in v.All)
        {
            var c = Array.FindIndex(Columns, x => x.Field == field);
            if (!unparsed[c]) Bad(c, message);
        }
        if (subdistrict is not null && !places.Codes.Contains(subdistrict)) Bad(CodeColumn, new Msg("ไม่พบรหัสตำบลนี้", "There is no subdistrict with this code."));
        else if (subdistrict is null && !unplaced) Bad(CodeColumn, new Msg("กรุณากรอกรหัสตำบล", "The subdistrict code is required."));
        else if (subdistrict is not null && !caller.CanManage(subdistrict)) Bad(CodeColumn, new Msg("ตำบลนี้อยู่นอกพื้นที่ของคุณ", "This subdistrict is outside your area."));
        return ok ? household : null;
    }

    /// <summary>Every subdistrict code, and the codes by district and subdistrict name (Thai or English, with or
    /// without "อ."/"ต." and the like): a few thousand rows, loaded once per import.</summary>
    sealed class Places
    {
        public HashSet<string> Codes { get; } = [];
        readonly Dictionary<string, List<string>> byName = new(StringComparer.OrdinalIgnoreCase);

        static readonly string[] Prefixes = ["อำเภอ", "อ.", "เขต", "ตำบล", "ต.", "แขวง", "amphoe", "tambon", "khet", "khwaeng"];

        static string Name(string? name)
        {
            var n = (name ?? "").Trim();
            foreach (var p in Prefixes)
                if (n.StartsWith(p, StringComparison.OrdinalIgnoreCase)) { n = n[p.Length..]; break; }
            return Key(n);
        }

        public static async Task<Places> LoadAsync(NpgsqlConnection conn)
        {
            var places = new Places();
            foreach (var s in await conn.QueryAsync<(string Code, string NameTh, string NameEn, string DistrictTh, string DistrictEn)>("""
                SELECT s.code, s.name_th, s.name_en, d.name_th, d.name_en FROM subdistricts s JOIN districts d ON d.code = s.district_code
                """))
            {
                places.Codes.Add(s.Code);
                foreach (var key in new[] { Name(s.DistrictTh) + "|" + Name(s.NameTh), Name(s.DistrictEn) + "|" + Name(s.NameEn) }.Distinct())
                {
                    if (!places.byName.TryGetValue(key, out var codes)) places.byName[key] = codes = [];
                    codes.Add(s.Code);
                }
            }
            return places;
        }

        /// <summary>The one subdistrict of that name in that district within the caller's area, or why there is none.</summary>
        public (string? Code, Msg? Problem) Find(string? district, string subdistrict, Caller caller)
        {
            if (district is null) return (null, new Msg("ระบุตำบลด้วยชื่อต้องมีอำเภอด้วย", "A subdistrict given by name needs its district."));
            var all = byName.GetValueOrDefault(Name(district) + "|" + Name(subdistrict)) ?? [];
            var mine = all.Where(caller.CanManage).ToList();
            return mine.Count switch
            {
                1 => (mine[0], null),
                > 1 => (null, new Msg("มีตำบลชื่อนี้ในอำเภอชื่อนี้มากกว่าหนึ่งแห่ง กรุณาใส่รหัสตำบล", "More than one subdistrict has this name in a district of this name: give the code.")),
                _ when all.Count > 0 => (null, new Msg("ตำบลนี้อยู่นอกพื้นที่ของคุณ", "This subdistrict is outside your area.")),
                _ => (null, new Msg($"ไม่พบตำบล \"{subdistrict}\" ในอำเภอ \"{district}\"", $"There is no subdistrict \"{subdistrict}\" in the district \"{district}\".")),
            };
        }
    }
}
