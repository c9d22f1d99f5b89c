using Housing.Exports;

namespace Housing.Ledgers;

/// <summary>A home on the committee's list: its head, masked citizen ID, address, money and progress.</summary>
public sealed record HouseholdListRow(long AllocationId, string HeadName, string CitizenId, string HouseNo, int? VillageNo, string Subdistrict,
    string District, string Province, string WorkType, decimal Amount, decimal Paid, bool Cancelled, short? StageOrder, int Photos)
{
    /// <summary>A cancelled budget is no longer allocated: it counts 0, as the project page's allocated total does.</summary>
    public decimal Allocated => Cancelled ? 0 : Amount;
}

/// <summary>The committee's household list of one project as a workbook: a row per home, totals as SUM formulas.</summary>
public static class HouseholdList
{
    public const string Sheet = "ครัวเรือน Households";

    /// <summary>The list's SQL, beside the code that writes it: paid is every payment of the allocation (net of reversals),
    /// photos every photo of its milestones.</summary>
    public const string Sql = """
        SELECT a.id AS allocation_id, h.head_name, h.citizen_id, h.house_no, h.village_no, s.name_th AS subdistrict, d.name_th AS district,
               pv.name_th AS province, a.work_type, a.amount,
               (SELECT coalesce(sum(x.amount), 0) FROM disbursements x WHERE x.allocation_id = a.id) AS paid,
               a.cancelled_at IS NOT NULL AS cancelled,
               (SELECT max(m.stage_order) FROM milestones m WHERE m.allocation_id = a.id AND m.withdrawn_at IS NULL) AS stage_order,
               (SELECT count(*)::int FROM milestone_photos ph JOIN milestones m ON m.id = ph.milestone_id WHERE m.allocation_id = a.id AND m.withdrawn_at IS NULL) AS photos
        FROM allocations a
        JOIN households h ON h.id = a.household_id
        JOIN subdistricts s ON s.code = h.subdistrict_code
        JOIN districts d ON d.code = s.district_code
        JOIN provinces pv ON pv.code = d.province_code
        WHERE a.project_id = @projectId
        ORDER BY a.cancelled_at IS NOT NULL, h.village_no NULLS LAST, h.head_name, a.id
        """;

    static readonly ReportColumn[] Columns =
    [
        new("ลำดับ", "No.", CellKind.Number, 6),
        new("หัวหน้าครัวเรือน", "Head of household", CellKind.Text, 24),
        new("เลขประจำตัวประชาชน", "Citizen ID (masked)", CellKind.Code, 19),
        new("ที่อยู่", "Address", CellKind.Text, 40),
        new("ประเภทงาน", "Work type", CellKind.Text, 14),
        new("จัดสรร (บาท)", "Allocated (baht)", CellKind.Baht, 14, Sum: true),
        new("จ่ายแล้ว (บาท)", "Paid (baht)", CellKind.Baht, 14, Sum: true),
        new("คงเหลือ (บาท)", "Remaining (baht)", CellKind.Baht, 14, Sum: true),
        new("ขั้นล่าสุด", "Latest stage", CellKind.Text, 22),
        new("รูปถ่าย", "Photos", CellKind.Count, 8, Sum: true),
    ];

    static readonly string[] Stages = Milestones.MilestoneService.Stages.Select(st => $"{st.NameTh} / {st.NameEn.ToLowerInvariant()}").ToArray();

    public static byte[] Write(ProjectMoney project, IReadOnlyList<HouseholdListRow> homes)
    {
        using var wb = Report.NewWorkbook();
        var rows = homes.Select((h, i) => new object?[]
        {
            i + 1, h.HeadName, Housing.CitizenId.Mask(h.CitizenId), Address(h), Allocations.WorkTypes.Name(h.WorkType).Th, h.Allocated, h.Paid,
            h.Allocated - (h.Cancelled ? 0 : h.Paid),
            h.Cancelled ? "ยกเลิกแล้ว / cancelled" : h.StageOrder is short n ? Stages[n - 1] : "ยังไม่เริ่ม / not started", h.Photos,
        });
        var ws = Report.AddListing(wb, Sheet, Columns, $"รายชื่อครัวเรือน {project.Name} ต.{project.SubdistrictNameTh} ปีงบประมาณ {project.FiscalYear} / Households", rows, "รวม / Total");
        // Baan Mankong: the project also paid for community works, which the page's paid counts. Under the homes' total,
        // what the works took and the project's paid in all, so the list ends on the page's figure.
        var works = project.Paid - homes.Sum(h => h.Paid);
        if (works != 0)
        {
            var total = ws.LastRowUsed()!.RowNumber(); // the listing's totals row
            ws.Cell(total + 1, 1).SetValue<string>("จ่ายค่างานสาธารณูปโภคของชุมชน / Community works paid");
            ws.Cell(total + 1, 7).SetValue(works);
            ws.Cell(total + 2, 1).SetValue<string>("รวมจ่ายทั้งโครงการ / Paid by the project in all");
            ws.Cell(total + 2, 7).FormulaA1 = $"G{total}+G{total + 1}";
            ws.Range(total + 2, 1, total + 2, Columns.Length).Style.Font.Bold = true;
        }
        return Report.Save(wb);
    }

    static string Address(HouseholdListRow h)
        => $"{h.HouseNo}{(h.VillageNo is int v ? $" หมู่ {v}" : "")} ต.{h.Subdistrict} อ.{h.District} จ.{h.Province}";
}
