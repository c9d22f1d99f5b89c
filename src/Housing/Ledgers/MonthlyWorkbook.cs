using ClosedXML.Excel;
using Housing.Exports;

namespace Housing.Ledgers;

/// <summary>
/// One month's cash report as a workbook (ClosedXML), Thai with English beneath whatever the browser asks: the opening
/// balance, each entry with its running balance as a formula, the totals and the closing balance as formulas, the
/// amounts in Thai words, and lines for the treasurer's and the chair's signatures.
/// </summary>
public static class MonthlyWorkbook
{
    public const string Sheet = "รายงานประจำเดือน Monthly";
    const int Head = 4, Opening = 6, Columns = 7;

    static readonly ReportColumn[] Layout =
    [
        new("วันที่", "Date", CellKind.Date, 13),
        new("รายการ", "Entry", CellKind.Text, 48), // "จ่ายค่างานสาธารณูปโภค / Paid for a community work" on one line
        new("เลขที่อ้างอิง / ใบเสร็จ", "Reference or receipt", CellKind.Code, 22),
        new("ผู้รับเงิน", "Payee", CellKind.Text, 28),
        new("รับ (บาท)", "In (baht)", CellKind.Baht, 15),
        new("จ่าย (บาท)", "Out (baht)", CellKind.Baht, 15),
        new("คงเหลือ (บาท)", "Balance (baht)", CellKind.Baht, 16),
    ];

    /// <summary>An entry's kind as the cash book page names it (<see cref="MoneyNames"/>), Thai / English; a code
    /// without a name once.</summary>
    static string KindName(string kind) => MoneyNames.Kind(kind) is var (th, en) && th != en ? $"{th} / {en}" : kind;

    public const string Codi = "พอช. / CODI";

    public static byte[] Write(MonthReport report)
    {
        using var wb = Report.NewWorkbook();
        var ws = wb.AddWorksheet(Sheet);
        var p = report.Project;
        var month = report.First;
        ws.Cell(1, 1).SetValue<string>($"รายงานการเงินประจำเดือน{MonthKey.Title(month)} / Monthly cash report, {MonthKey.Title(month, english: true)}")
            .Style.Font.SetBold().Font.SetFontSize(18);
        ws.Cell(2, 1).SetValue<string>(Report.XmlSafe(
            $"{p.Name} · ต.{p.SubdistrictNameTh} ({p.SubdistrictNameEn}) · {Budgets.Programs.Name(p.Program).Th} ({p.Program}) ปีงบประมาณ {p.FiscalYear}"));
        for (var c = 0; c < Columns; c++)
        {
            ws.Column(c + 1).Width = Layout[c].Width; // by hand: AdjustToContents needs libgdiplus
            if (Report.Format(Layout[c].Kind) is { } f) ws.Column(c + 1).Style.NumberFormat.Format = f;
            ws.Cell(Head, c + 1).SetValue<string>(Layout[c].Th);
            ws.Cell(Head + 1, c + 1).SetValue<string>(Layout[c].En);
        }
        var header = ws.Range(Head, 1, Head + 1, Columns).Style;
        header.Font.Bold = true;
        header.Fill.BackgroundColor = XLColor.FromHtml("#" + Report.HeaderFill[2..]);
        header.Alignment.WrapText = true;
        ws.Range(Head + 1, 1, Head + 1, Columns).Style.Border.BottomBorder = XLBorderStyleValues.Thin;

        ws.Cell(Opening, 1).SetValue(month.ToDateTime(TimeOnly.MinValue));
        ws.Cell(Opening, 2).SetValue<string>("ยอดยกมา / Opening balance");
        ws.Cell(Opening, 7).SetValue(report.Opening);
        ws.Range(Opening, 1, Opening, Columns).Style.Font.Bold = true;

        var r = Opening;
        foreach (var e in report.Entries)
        {
            r++;
            Report.Set(ws.Cell(r, 1), CellKind.Date, e.Date);
            ws.Cell(r, 2).SetValue<string>(KindName(e.Kind));
            Report.Set(ws.Cell(r, 3), CellKind.Code, e.Reference);
            Report.Set(ws.Cell(r, 4), CellKind.Text, e.ToCodi ? Codi : e.Payee);
            if (e.In != 0) ws.Cell(r, 5).SetValue(e.In);
            if (e.Out != 0) ws.Cell(r, 6).SetValue(e.Out);
            ws.Cell(r, 7).FormulaA1 = $"G{r - 1}+E{r}-F{r}";
        }
        var total = r + 1;
        ws.Cell(total, 2).SetValue<string>("รวม / Total");
        ws.Cell(total, 5).FormulaA1 = r > Opening ? $"SUM(E{Opening + 1}:E{r})" : "0";
        ws.Cell(total, 6).FormulaA1 = r > Opening ? $"SUM(F{Opening + 1}:F{r})" : "0";
        var closing = total + 1;
        ws.Cell(closing, 2).SetValue<string>("ยอดคงเหลือยกไป / Closing balance");
        ws.Cell(closing, 7).FormulaA1 = $"G{Opening}+E{total}-F{total}";
        ws.Range(total, 1, closing, Columns).Style.Font.SetBold().Border.SetTopBorder(XLBorderStyleValues.Thin);

        // The words are written from the same figures the formulas add up, as a cheque's are.
        var words = closing + 2;
        (string Label, decimal Amount)[] inWords =
            [("รับ (ตัวอักษร) / In, in words", report.In), ("จ่าย (ตัวอักษร) / Out, in words", report.Out), ("คงเหลือ (ตัวอักษร) / Closing, in words", report.Closing)];
        foreach (var (label, amount) in inWords)
        {
            ws.Cell(words, 2).SetValue<string>(label);
            ws.Cell(words, 4).SetValue<string>($"({BahtText.Of(amount)})");
            words++;
        }
        ws.Cell(words, 2).SetValue<string>("ยอดรับและยอดจ่ายเป็นยอดสุทธิหลังหักรายการที่กลับรายการ / In and Out are net of reversals.");

        var sign = words + 3;
        foreach (var (col, th, en) in new[] { (1, "เหรัญญิก", "Treasurer"), (4, "ประธานคณะกรรมการ", "Chair of the committee") })
        {
            ws.Cell(sign, col).SetValue<string>("ลงชื่อ ....................................................");
            ws.Cell(sign + 1, col).SetValue<string>("(....................................................)");
            ws.Cell(sign + 2, col).SetValue<string>($"{th} / {en}");
            ws.Cell(sign + 3, col).SetValue<string>("วันที่ / Date ........../........../..........");
        }

        ws.SheetView.FreezeRows(Head + 1);
        Report.PrintSetup(ws, Head + 1, $"รายงานการเงินประจำเดือน{MonthKey.Title(month)} {p.Name}");
        ws.PageSetup.PrintAreas.Add(1, 1, sign + 3, Columns);
        return Report.Save(wb);
    }
}
