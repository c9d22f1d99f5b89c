using Housing.Access;
using Housing.Exports;

namespace Housing.Attention;

/// <summary>The rollup workbook's sheet of what needs attention in its scope (year, program, province, the caller's area),
/// oldest first. At most <see cref="MaxRows"/> rows: the page and the API have the rest, and ClosedXML holds every cell.</summary>
public static class AttentionSheet
{
    public const string Name = "ต้องติดตาม Attention";
    public const int MaxRows = 10_000;

    public static readonly ReportColumn[] Columns =
    [
        new("เรื่อง", "Kind", CellKind.Text, 20),
        new("รหัสตำบล", "Subdistrict code", CellKind.Code, 10),
        new("ตำบล", "Subdistrict", CellKind.Text, 16),
        new("อำเภอ", "District", CellKind.Text, 16),
        new("เลขโครงการ", "Project no.", CellKind.Number, 10),
        new("โครงการ", "Project", CellKind.Text, 28),
        new("เลขการจัดสรร", "Allocation no.", CellKind.Number, 11),
        new("ครัวเรือน", "Household", CellKind.Text, 22),
        new("ตั้งแต่", "Since", CellKind.Date, 13),
        new("รายละเอียด", "Detail", CellKind.Text, 48),
        new("จำนวนเรื่อง", "Flags", CellKind.Count, 8, Sum: true),
    ];

    public static async Task<List<object?[]>> RowsAsync(AttentionService attention, Caller caller, int fiscalYear, string? program, string? province,
        CancellationToken ct)
    {
        var today = attention.Today;
        var flags = await attention.ListAsync(caller, new AttentionQuery(province, null, MaxRows, fiscalYear, program), ct);
        return flags.Select(f => new object?[]
        {
            $"{Kinds.Name(f.Kind).Th} / {f.Kind}", f.SubdistrictCode, f.SubdistrictNameTh, f.DistrictNameTh, f.ProjectId, f.ProjectName, f.AllocationId,
            f.HouseholdName, f.Since, f.Detail(today).Th, 1,
        }).ToList();
    }
}
