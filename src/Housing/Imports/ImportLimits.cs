using System.Globalization;

namespace Housing.Imports;

/// <summary>What one upload may hold. Past any of these the import stops at once with a 400 that says which, so a small
/// file that inflates (a zip bomb, a huge shared-strings part) or an endless line costs neither memory nor time.</summary>
public static class ImportLimits
{
    /// <summary>The upload itself, for the page and the API alike (100,000 households are 19 MB as CSV, 5 MB as XLSX).</summary>
    public const long MaxUploadBytes = 30 * 1024 * 1024;
    /// <summary>The request that carries it: the file and the multipart form around it.</summary>
    public const long MaxRequestBytes = MaxUploadBytes + 64 * 1024;
    /// <summary>All the XLSX parts read (package and workbook relationships, workbook, shared strings, the first sheet),
    /// inflated, counted while they are read: the zip's declared sizes are checked first but not trusted.</summary>
    public const long MaxInflatedBytes = 160L * 1024 * 1024;
    /// <summary>The shared-strings part, inflated: it is the one part held in memory (compactly) while the sheet is read.</summary>
    public const long MaxSharedStringsBytes = 48L * 1024 * 1024;
    /// <summary>Rows of the sheet, the header and title rows included.</summary>
    public const int MaxRows = 200_000;
    /// <summary>Columns of a row (the template has 12; offices add a few of their own).</summary>
    public const int MaxColumns = 64;
    /// <summary>One cell (the longest field, the housing problem, takes 1,000).</summary>
    public const int MaxCellChars = 4_000;

    static string N(long n) => n.ToString("#,##0", CultureInfo.InvariantCulture);

    public static ValidationFailed TooBig() => Refuse(
        $"ไฟล์ใหญ่เกิน {MaxUploadBytes / 1024 / 1024} MB", $"The file is larger than {MaxUploadBytes / 1024 / 1024} MB.");

    internal static ValidationFailed Inflated() => Refuse(
        $"ไฟล์ .xlsx นี้เมื่อขยายแล้วใหญ่เกิน {MaxInflatedBytes / 1024 / 1024} MB (หรือตารางข้อความใช้ร่วมเกิน {MaxSharedStringsBytes / 1024 / 1024} MB): แบ่งเป็นหลายไฟล์",
        $"This .xlsx inflates to more than {MaxInflatedBytes / 1024 / 1024} MB (or its shared strings to more than {MaxSharedStringsBytes / 1024 / 1024} MB): split it into several files.");

    internal static ValidationFailed TooManyRows() => Refuse(
        $"ไฟล์มีเกิน {N(MaxRows)} แถว: แบ่งเป็นหลายไฟล์", $"The file has more than {N(MaxRows)} rows: split it into several files.");

    internal static ValidationFailed TooManyColumns(int row) => Refuse(
        $"แถวที่ {N(row)} มีเกิน {MaxColumns} คอลัมน์", $"Row {N(row)} has more than {MaxColumns} columns.");

    internal static ValidationFailed CellTooLong(int row) => Refuse(
        $"แถวที่ {N(row)} มีช่องที่ยาวเกิน {N(MaxCellChars)} ตัวอักษร", $"Row {N(row)} has a cell longer than {N(MaxCellChars)} characters.");

    internal static ValidationFailed SharedStringTooLong() => Refuse(
        $"ไฟล์มีข้อความที่ยาวเกิน {N(MaxCellChars)} ตัวอักษร", $"The file holds a text longer than {N(MaxCellChars)} characters.");

    static ValidationFailed Refuse(string th, string en) => ValidationFailed.One("file", "ไม่ได้นำเข้า: " + th, "Nothing was imported: " + en);
}
