using System.Globalization;
using Housing.Access;
using Housing.Households;

namespace Housing.Imports;

/// <summary>The template's columns, the header row found and mapped, and one row judged by the register's own rules:
/// the parsing of an import, apart from where the rows come from (<see cref="SheetReader"/>) and where they go (<see cref="ImportCopy"/>).</summary>
public static class ImportRows
{
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

    internal const int CodeColumn = 4, SubdistrictNameColumn = 10, DistrictNameColumn = 11;

    internal static string Key(string header) => new(header.Trim().ToLowerInvariant().Where(c => !char.IsWhiteSpace(c) && c is not ('.' or '-' or '_' or '(' or ')' or '\'' or '/' or ':')).ToArray());

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

    /// <summary>Which file column holds which template column, and each column's header as the file writes it
    /// (the template's Thai header where the file has none).</summary>
    internal static (int[] Map, string[] Headers) MapHeader(SheetRow header)
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
    internal static RegisterHousehold? Parse(SheetRow row, int[] map, string[] headers, Caller caller, ImportPlaces places,
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
}
