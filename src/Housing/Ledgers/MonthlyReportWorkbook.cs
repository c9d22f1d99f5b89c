using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Housing.Ledgers;

/// <summary>The treasurer's monthly report as a one-sheet workbook: a handful of rows, so a small DOM-built
/// sheet is enough (the rollup exports have their own streaming writer).</summary>
public static class MonthlyReportWorkbook
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static byte[] Write(MonthlyReport report, CultureInfo culture)
    {
        var en = culture.TwoLetterISOLanguageName == "en";
        string T(string th, string english) => en ? english : th;
        using var stream = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var wb = doc.AddWorkbookPart();
            wb.Workbook = new Workbook();
            var styles = wb.AddNewPart<WorkbookStylesPart>();
            // Style 1: baht with two decimals and thousands separators; style 2: bold header.
            styles.Stylesheet = new Stylesheet(
                new NumberingFormats(new NumberingFormat { NumberFormatId = 164, FormatCode = "#,##0.00" }) { Count = 1 },
                new Fonts(new Font(), new Font(new Bold())) { Count = 2 },
                new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
                new Borders(new Border()) { Count = 1 },
                new CellFormats(
                    new CellFormat(),
                    new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
                    new CellFormat { FontId = 1, ApplyFont = true }) { Count = 3 });
            var sheetPart = wb.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            var p = report.Project;
            data.Append(Row(Text(T("รายงานการเงินรายเดือน", "Monthly cash report"), 2)));
            data.Append(Row(Text($"{p.Name} · {(en ? p.SubdistrictNameEn : p.SubdistrictNameTh)} · {p.Program} {p.FiscalYear}")));
            data.Append(Row());
            data.Append(Row(Text(T("เดือน", "Month"), 2), Text(T("ยอดยกมา", "Opening"), 2), Text(T("รับ", "In"), 2),
                Text(T("จ่าย", "Out"), 2), Text(T("คงเหลือ", "Closing"), 2)));
            foreach (var m in report.Months)
                data.Append(Row(Text(m.Label(culture)), Money(m.Opening), Money(m.In), Money(m.Out), Money(m.Closing)));
            data.Append(Row(Text(T("รวม", "Total"), 2), Money(report.Months.FirstOrDefault()?.Opening ?? 0), Money(report.Months.Sum(m => m.In)),
                Money(report.Months.Sum(m => m.Out)), Money(report.Months.LastOrDefault()?.Closing ?? 0)));
            sheetPart.Worksheet = new Worksheet(
                new Columns(new Column { Min = 1, Max = 1, Width = 14, CustomWidth = true }, new Column { Min = 2, Max = 5, Width = 16, CustomWidth = true }),
                data);
            wb.Workbook.AppendChild(new Sheets(new Sheet { Id = wb.GetIdOfPart(sheetPart), SheetId = 1, Name = T("รายเดือน", "Monthly") }));
        }
        return stream.ToArray();
    }

    static Row Row(params Cell[] cells) => new(cells);

    static Cell Text(string s, uint style = 0) => new(new InlineString(new Text(s))) { DataType = CellValues.InlineString, StyleIndex = style };

    static Cell Money(decimal d) => new(new CellValue(d.ToString("0.00", CultureInfo.InvariantCulture))) { DataType = CellValues.Number, StyleIndex = 1 };
}
