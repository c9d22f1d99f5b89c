using ClosedXML.Excel;
using Housing.Exports;

namespace Housing.Ledgers;

/// <summary>The treasurer's monthly report as a workbook (ClosedXML), in Thai with English beneath: a row per month
/// whose opening is the month before's closing and whose closing is a formula, and a totals row of SUMs.</summary>
public static class MonthlyWorkbook
{
    const int Head = 4, First = 6;

    public static byte[] Write(MonthlyReport report)
    {
        using var wb = Report.NewWorkbook();
        var ws = wb.AddWorksheet("รายเดือน Monthly");
        var p = report.Project;
        ws.Cell(1, 1).SetValue<string>("รายงานการเงินรายเดือน / Monthly cash report").Style.Font.SetBold().Font.SetFontSize(18);
        ws.Cell(2, 1).SetValue<string>($"{p.Name} · ต.{p.SubdistrictNameTh} ({p.SubdistrictNameEn}) · {Budgets.Programs.Name(p.Program).Th} ({p.Program}) ปีงบประมาณ {p.FiscalYear}");
        string[][] headers = [["เดือน", "ยอดยกมา (บาท)", "รับ (บาท)", "จ่าย (บาท)", "คงเหลือ (บาท)"], ["Month", "Opening (baht)", "In (baht)", "Out (baht)", "Closing (baht)"]];
        for (var h = 0; h < 2; h++)
            for (var c = 0; c < 5; c++) ws.Cell(Head + h, c + 1).SetValue<string>(headers[h][c]);
        var header = ws.Range(Head, 1, Head + 1, 5).Style;
        header.Font.Bold = true;
        header.Fill.BackgroundColor = XLColor.FromHtml("#" + Report.HeaderFill[2..]);
        ws.Range(Head + 1, 1, Head + 1, 5).Style.Border.BottomBorder = XLBorderStyleValues.Thin;
        ws.Column(1).Width = 14;
        ws.Columns(2, 5).Width = 18;
        ws.Column(1).Style.NumberFormat.Format = "[$-107041E]mmm yyyy";
        ws.Columns(2, 5).Style.NumberFormat.Format = Report.Baht;

        var r = First - 1;
        foreach (var m in report.Months)
        {
            r++;
            ws.Cell(r, 1).SetValue(new DateTime(m.Year, m.Month, 1));
            if (r == First) ws.Cell(r, 2).SetValue(m.Opening); else ws.Cell(r, 2).FormulaA1 = $"E{r - 1}";
            ws.Cell(r, 3).SetValue(m.In);
            ws.Cell(r, 4).SetValue(m.Out);
            ws.Cell(r, 5).FormulaA1 = $"B{r}+C{r}-D{r}";
        }
        var total = r + 1;
        ws.Cell(total, 1).SetValue<string>("รวม / Total");
        if (r >= First)
        {
            ws.Cell(total, 2).FormulaA1 = $"B{First}";
            ws.Cell(total, 3).FormulaA1 = $"SUM(C{First}:C{r})";
            ws.Cell(total, 4).FormulaA1 = $"SUM(D{First}:D{r})";
        }
        else ws.Range(total, 2, total, 4).Value = 0;
        ws.Cell(total, 5).FormulaA1 = $"B{total}+C{total}-D{total}";
        ws.Range(total, 1, total, 5).Style.Font.SetBold().Border.SetTopBorder(XLBorderStyleValues.Thin);
        ws.Cell(total + 2, 1).SetValue<string>("ยอดจ่ายเป็นยอดสุทธิหลังหักรายการที่กลับรายการ / Out is net of reversals.");
        ws.SheetView.FreezeRows(Head + 1);
        Report.PrintSetup(ws, Head + 1, $"รายงานการเงินรายเดือน {p.Name}");
        return Report.Save(wb);
    }
}
