using Housing.Imports;

namespace Housing.Tests.Imports;

/// <summary>The import template built with ClosedXML, opened as a person opens it (LibreOffice).</summary>
public sealed class ImportTemplateTests
{
    static byte[] Xlsx(bool english, IEnumerable<object?[]>? rows = null)
    {
        using var s = new MemoryStream();
        ImportTemplate.WriteXlsx(s, english, rows);
        return s.ToArray();
    }

    [Fact]
    public async Task The_template_has_its_headers_and_help_in_Thai_or_English_and_keeps_codes_as_text()
    {
        object?[] row = ["3100600123459", "นาง สมศรี ใจดี", "0012", 3, "540101", 4, 3500, null, null, null];
        var books = await LibreOffice.ReadAsync(new Dictionary<string, byte[]> { ["th"] = Xlsx(false, [row]), ["en"] = Xlsx(true) });

        var th = books["th"]["ครัวเรือน"];
        Assert.Equal(ImportRows.Columns.Select(c => c.Header.Th), th[0].Take(ImportRows.Columns.Length));
        // 13 digits stay 13 digits (not 3.1006E+12), and "0012" keeps its zeros.
        Assert.Equal(["3100600123459", "นาง สมศรี ใจดี", "0012", "3", "540101", "4", "3500"], th[1][..7]);
        var help = books["th"]["คำอธิบาย"];
        Assert.Equal(["คอลัมน์", "จำเป็น", "สิ่งที่ต้องกรอก"], help[0][..3]);
        Assert.Equal(["เลขประจำตัวประชาชน", "ใช่", "ของหัวหน้าครัวเรือน 13 หลัก"], help[1][..3]);

        Assert.Equal(ImportRows.Columns.Select(c => c.Header.En), books["en"]["Households"][0].Take(ImportRows.Columns.Length));
        Assert.Equal(["Column", "Required", "What to enter"], books["en"]["Help"][0][..3]);
    }
}
