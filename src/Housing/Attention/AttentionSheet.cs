using System.Globalization;
using Housing.Access;
using Housing.Exports;
using Npgsql;

namespace Housing.Attention;

/// <summary>The attention sheet's rows (the oldest flags, at most the cap) and how many flags its scope holds in all.</summary>
public sealed record AttentionListing(List<object?[]> Rows, int Total)
{
    public bool Cut => Rows.Count < Total;

    /// <summary>The totals row: the scope's count of flags, not the rows listed; and beneath it, when rows were left out, a line saying so.</summary>
    public KnownTotals Totals => new(new Dictionary<int, decimal> { [AttentionSheet.FlagsColumn] = Total },
        Cut ? string.Create(CultureInfo.InvariantCulture,
            $"แสดง {Rows.Count:N0} รายการที่เก่าที่สุด จากทั้งหมด {Total:N0} รายการ / The {Rows.Count:N0} oldest of {Total:N0} flags are listed") : null);
}

/// <summary>The rollup workbook's sheet of what needs attention in its scope (year, program, province, the caller's area),
/// oldest first. At most <see cref="MaxRows"/> rows (the nation has some 600,000 flags): the page and the API have the rest,
/// ClosedXML holds every cell, and the export has 2 s. Its totals row counts every flag of the scope all the same.</summary>
public static class AttentionSheet
{
    public const string Name = "ต้องติดตาม Attention";
    public const int MaxRows = 10_000;
    public const int FlagsColumn = 10;

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

    /// <summary>The rows and the count read within <paramref name="within"/> (the workbook's snapshot, so the count is of the same
    /// flags as the rows and the level sheets' counts), or each on a connection of its own.</summary>
    public static async Task<AttentionListing> RowsAsync(AttentionService attention, Caller caller, int fiscalYear, string? program, string? province,
        CancellationToken ct, int maxRows = MaxRows, NpgsqlTransaction? within = null)
    {
        var today = attention.Today;
        var total = await attention.CountAsync(caller, fiscalYear, program, province, ct, within);
        var flags = await attention.ListAsync(caller, new AttentionQuery(province, null, maxRows, fiscalYear, program), ct, within);
        return new(flags.Select(f => new object?[]
        {
            $"{Kinds.Name(f.Kind).Th} / {f.Kind}", f.SubdistrictCode, f.SubdistrictNameTh, f.DistrictNameTh, f.ProjectId, f.ProjectName, f.AllocationId,
            f.HouseholdName, f.Since, f.Detail(today).Th, 1,
        }).ToList(), total);
    }
}
