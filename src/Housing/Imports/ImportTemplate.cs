using System.Globalization;
using System.Text;

namespace Housing.Imports;

/// <summary>The household sheet to fill in: XLSX built with ClosedXML (with a second sheet explaining each column) or
/// CSV, headers in Thai or English. With rows it writes a filled sheet the way Excel saves one (text in the
/// shared string table, numbers as numbers): the tests and the benchmark import such files.</summary>
public static class ImportTemplate
{
    static string Header(ImportRows.Column c, bool english) => english ? c.Header.En : c.Header.Th;

    public static void WriteCsv(Stream output, bool english, IEnumerable<object?[]>? rows = null)
    {
        using var w = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        w.Write(string.Join(',', ImportRows.Columns.Select(c => Quote(Header(c, english)))));
        w.Write("\r\n");
        foreach (var row in rows ?? [])
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) w.Write(',');
                w.Write(Quote(Text(row[i])));
            }
            w.Write("\r\n");
        }
    }

    static string Text(object? value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string Quote(string s) => s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public static void WriteXlsx(Stream output, bool english, IEnumerable<object?[]>? rows = null)
    {
        using var wb = Exports.Report.NewWorkbook();
        var columns = ImportRows.Columns;
        var data = wb.AddWorksheet(english ? "Households" : "ครัวเรือน");
        for (var i = 0; i < columns.Length; i++)
        {
            data.Column(i + 1).Width = i == 8 ? 40 : 22;
            // Typed into Excel, a citizen ID, house number or code stays text: 13 digits are not 1.23E+12, "0012" keeps its zeros.
            if (columns[i].Field is "citizenId" or "houseNo" or "subdistrictCode") data.Column(i + 1).Style.NumberFormat.Format = "@";
            data.Cell(1, i + 1).SetValue<string>(Header(columns[i], english));
        }
        data.Row(1).Style.Font.Bold = true;
        data.SheetView.FreezeRows(1);
        var n = 1;
        foreach (var row in rows ?? [])
        {
            var r = data.Row(++n);
            for (var i = 0; i < row.Length; i++)
            {
                switch (row[i])
                {
                    case null: break;
                    case int or long or decimal: r.Cell(i + 1).SetValue(Convert.ToDecimal(row[i], CultureInfo.InvariantCulture)); break;
                    default: r.Cell(i + 1).SetValue<string>(Text(row[i])); break;
                }
            }
        }

        var help = wb.AddWorksheet(english ? "Help" : "คำอธิบาย");
        help.Column(1).Width = 24;
        help.Column(2).Width = 10;
        help.Column(3).Width = 80;
        string[] titles = [english ? "Column" : "คอลัมน์", english ? "Required" : "จำเป็น", english ? "What to enter" : "สิ่งที่ต้องกรอก"];
        for (var i = 0; i < titles.Length; i++) help.Cell(1, i + 1).SetValue<string>(titles[i]);
        help.Row(1).Style.Font.Bold = true;
        var h = 1;
        foreach (var c in columns)
        {
            h++;
            help.Cell(h, 1).SetValue<string>(Header(c, english));
            help.Cell(h, 2).SetValue<string>(c.Required ? (english ? "yes" : "ใช่") : "");
            help.Cell(h, 3).SetValue<string>(english ? c.Help.En : c.Help.Th);
            help.Cell(h, 3).Style.Alignment.WrapText = true;
        }
        help.Cell(h + 2, 1).SetValue<string>(english ? "Only the first sheet is imported. The header row may be in Thai or English."
            : "ระบบนำเข้าเฉพาะแผ่นงานแรก หัวตารางเป็นภาษาไทยหรืออังกฤษก็ได้");
        output.Write(Exports.Report.Save(wb));
    }
}
