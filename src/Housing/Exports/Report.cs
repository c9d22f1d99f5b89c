using System.Globalization;
using System.Xml;
using ClosedXML.Excel;

namespace Housing.Exports;

/// <summary>How a column's cells are written and shown. Code: text even when it looks like a number ("0012", IDs);
/// Number: a plain number without separators (years, village numbers); Count: "1,234".</summary>
public enum CellKind { Text, Code, Number, Count, Baht, Percent, Date }

/// <summary>A column: its header in Thai with English beneath, how its cells look, its width (characters), and whether the totals row sums it.</summary>
public sealed record ReportColumn(string Th, string En, CellKind Kind, double Width, bool Sum = false);

/// <summary>A percent in the totals row computed from two summed columns (0-based): Column = Numerator / Denominator.</summary>
public sealed record Ratio(int Column, int Numerator, int Denominator);

/// <summary>The totals of a listing of part of its rows (the oldest N of many): the given columns' totals (0-based column → value) are the
/// whole's, written as values where a SUM of the rows listed would undercount, and <see cref="Note"/>, when some rows were left out,
/// is a line beneath the totals row that says so.</summary>
public sealed record KnownTotals(IReadOnlyDictionary<int, decimal> Values, string? Note);

/// <summary>The conventions every report workbook shares: Thai font, formats (Buddhist Era dates), print setup.</summary>
public static class Report
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string Font = "TH Sarabun New";
    public const double FontSize = 14;
    public const string Baht = "#,##0.00", Count = "#,##0", Number = "0", Percent = "0.0%";
    /// <summary>Thai locale with the Thai Buddhist calendar (07): 2 Dec 2026 shows as "2 ธ.ค. 2569".</summary>
    public const string Date = "[$-107041E]d mmm yyyy";
    public const string HeaderFill = "FFDDEBE7";
    /// <summary>Row heights in points: Thai at 14 pt, with its marks above and below, is cut off at the default 15 pt; a header
    /// row holds two wrapped lines.</summary>
    public const double RowHeight = 21, HeaderHeight = 48;

    public static string? Format(CellKind kind) => kind switch
    {
        CellKind.Baht => Baht, CellKind.Count => Count, CellKind.Number => Number, CellKind.Percent => Percent, CellKind.Date => Date, _ => null,
    };

    /// <summary>A new workbook in the Thai font. Event tracking off: ClosedXML then skips its bookkeeping of every change (faster, less memory).</summary>
    public static XLWorkbook NewWorkbook()
    {
        var wb = new XLWorkbook(XLEventTracking.Disabled) { RowHeight = RowHeight };
        wb.Style.Font.FontName = Font;
        wb.Style.Font.FontSize = FontSize;
        return wb;
    }

    /// <summary>Saves into memory and returns the bytes. Formulas are saved without values: Excel and LibreOffice compute them on opening.</summary>
    public static byte[] Save(XLWorkbook wb)
    {
        using var stream = new MemoryStream();
        wb.SaveAs(stream, new SaveOptions { ValidatePackage = false, GenerateCalculationChain = false, EvaluateFormulasBeforeSaving = false });
        return stream.ToArray();
    }

    /// <summary>Landscape A4, one page wide, rows <paramref name="titleRows"/> repeated on every page, a header and page numbers.</summary>
    public static void PrintSetup(IXLWorksheet ws, int titleRows, string pageHeader)
    {
        ws.PageSetup.PageOrientation = XLPageOrientation.Landscape;
        ws.PageSetup.PaperSize = XLPaperSize.A4Paper;
        ws.PageSetup.FitToPages(1, 0);
        ws.PageSetup.Margins.Left = ws.PageSetup.Margins.Right = 0.4;
        ws.PageSetup.Margins.Top = ws.PageSetup.Margins.Bottom = 0.6;
        // ClosedXML's defaults (0.5 and 0.75) put the page header and footer over the first and last rows.
        ws.PageSetup.Margins.Header = ws.PageSetup.Margins.Footer = 0.3;
        if (titleRows > 0) ws.PageSetup.SetRowsToRepeatAtTop(1, titleRows);
        ws.PageSetup.Header.Left.AddText(pageHeader.Replace("&", "&&"));
        ws.PageSetup.Footer.Left.AddText("หน้า &P / &N  Page &P of &N");
    }

    /// <summary>Sets a cell by its column's kind; codes and IDs stay text ("0012" is not 12).</summary>
    public static void Set(IXLCell cell, CellKind kind, object? value)
    {
        switch (value)
        {
            case null: break;
            case string s when kind is CellKind.Text or CellKind.Code: cell.SetValue<string>(XmlSafe(s)); break;
            case DateOnly d: cell.SetValue(d.ToDateTime(TimeOnly.MinValue)); break;
            case string s: cell.SetValue<string>(XmlSafe(s)); break;
            default:
                if (kind == CellKind.Code) cell.SetValue<string>(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                else cell.SetValue(Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Control characters other than tab and newlines cannot appear in XML at all: a pasted one would break the file.</summary>
    public static string XmlSafe(string s)
    {
        foreach (var ch in s)
            if (ch < 0x20 && ch is not ('\t' or '\n' or '\r') || ch is '\uFFFE' or '\uFFFF')
                return string.Concat(s.Select(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c.ToString() : "\uFFFD"));
        return s;
    }

    public static string Letter(int index) => XLHelper.GetColumnLetterFromNumber(index + 1);

    /// <summary>
    /// A listing sheet built with ClosedXML: a header row in Thai and one in English (frozen, filtered, repeated when
    /// printed), the rows, and a totals row whose sums and ratios are formulas.
    /// </summary>
    public static IXLWorksheet AddListing(XLWorkbook wb, string name, IReadOnlyList<ReportColumn> columns, string pageHeader,
        IEnumerable<object?[]> rows, string totalLabel, params Ratio[] ratios) => AddListing(wb, name, columns, pageHeader, rows, totalLabel, null, ratios);

    /// <summary>A listing whose totals row shows <paramref name="known"/> totals, with its note beneath.</summary>
    public static IXLWorksheet AddListing(XLWorkbook wb, string name, IReadOnlyList<ReportColumn> columns, string pageHeader,
        IEnumerable<object?[]> rows, string totalLabel, KnownTotals? known, params Ratio[] ratios)
    {
        var ws = wb.AddWorksheet(name);
        for (var c = 0; c < columns.Count; c++)
        {
            var column = ws.Column(c + 1);
            column.Width = columns[c].Width; // set by hand: AdjustToContents needs libgdiplus and takes minutes on big sheets
            if (Format(columns[c].Kind) is { } f) column.Style.NumberFormat.Format = f;
            ws.Cell(1, c + 1).SetValue<string>(columns[c].Th);
            ws.Cell(2, c + 1).SetValue<string>(columns[c].En);
        }
        var header = ws.Range(1, 1, 2, columns.Count).Style;
        header.Font.Bold = true;
        header.Fill.BackgroundColor = XLColor.FromHtml("#" + HeaderFill[2..]);
        header.Alignment.WrapText = true;
        header.Alignment.Vertical = XLAlignmentVerticalValues.Center;
        ws.Range(2, 1, 2, columns.Count).Style.Border.BottomBorder = XLBorderStyleValues.Thin;
        ws.Row(1).Height = HeaderHeight;
        ws.Row(2).Height = HeaderHeight;

        var r = 2;
        foreach (var values in rows)
        {
            r++;
            var row = ws.Row(r);
            for (var c = 0; c < columns.Count && c < values.Length; c++) Set(row.Cell(c + 1), columns[c].Kind, values[c]);
        }
        var last = r;
        var total = last + 1;
        ws.Cell(total, 1).SetValue<string>(totalLabel);
        for (var c = 0; c < columns.Count; c++)
        {
            var cell = ws.Cell(total, c + 1);
            if (known is not null && known.Values.TryGetValue(c, out var whole))
                cell.SetValue(whole);
            else if (columns[c].Sum)
                cell.FormulaA1 = last >= 3 ? $"SUM({Letter(c)}3:{Letter(c)}{last})" : "0";
            else if (ratios.FirstOrDefault(x => x.Column == c) is { } ratio)
                cell.FormulaA1 = $"IF({Letter(ratio.Denominator)}{total}=0,0,{Letter(ratio.Numerator)}{total}/{Letter(ratio.Denominator)}{total})";
        }
        var totals = ws.Range(total, 1, total, columns.Count).Style;
        totals.Font.Bold = true;
        totals.Border.TopBorder = XLBorderStyleValues.Thin;
        if (known?.Note is { } note) ws.Cell(total + 1, 1).SetValue<string>(note);

        ws.SheetView.FreezeRows(2);
        ws.Range(2, 1, Math.Max(last, 2), columns.Count).SetAutoFilter();
        PrintSetup(ws, 2, pageHeader);
        return ws;
    }
}
