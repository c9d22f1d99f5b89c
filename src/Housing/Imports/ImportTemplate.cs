using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Housing.Imports;

/// <summary>The household sheet to fill in: XLSX (with a second sheet explaining each column) or CSV,
/// headers in Thai or English. With rows it writes a filled sheet the way Excel saves one (text in the
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
        using var doc = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = doc.AddWorkbookPart();
        var strings = new Dictionary<string, int>();
        int Shared(string s)
        {
            if (!strings.TryGetValue(s, out var i)) strings[s] = i = strings.Count;
            return i;
        }

        var data = workbook.AddNewPart<WorksheetPart>();
        using (var w = OpenXmlWriter.Create(data))
        {
            w.WriteStartElement(new Worksheet());
            w.WriteStartElement(new Columns());
            for (var i = 0; i < ImportRows.Columns.Length; i++)
                w.WriteElement(new Column { Min = (uint)i + 1, Max = (uint)i + 1, Width = i == 8 ? 40 : 22, CustomWidth = true });
            w.WriteEndElement();
            w.WriteStartElement(new SheetData());
            WriteRow(w, 1, ImportRows.Columns.Select(c => (object?)Header(c, english)).ToArray(), Shared);
            var n = 1;
            foreach (var row in rows ?? []) WriteRow(w, ++n, row, Shared);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        var help = workbook.AddNewPart<WorksheetPart>();
        using (var w = OpenXmlWriter.Create(help))
        {
            w.WriteStartElement(new Worksheet());
            w.WriteStartElement(new SheetData());
            WriteRow(w, 1, [english ? "Column" : "คอลัมน์", english ? "Required" : "จำเป็น", english ? "What to enter" : "สิ่งที่ต้องกรอก"], Shared);
            var n = 1;
            foreach (var c in ImportRows.Columns)
                WriteRow(w, ++n, [Header(c, english), c.Required ? (english ? "yes" : "ใช่") : "", english ? c.Help.En : c.Help.Th], Shared);
            WriteRow(w, n + 2, [english ? "Only the first sheet is imported. The header row may be in Thai or English."
                : "ระบบนำเข้าเฉพาะแผ่นงานแรก หัวตารางเป็นภาษาไทยหรืออังกฤษก็ได้"], Shared);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        var sst = workbook.AddNewPart<SharedStringTablePart>();
        using (var w = OpenXmlWriter.Create(sst))
        {
            w.WriteStartElement(new SharedStringTable { Count = (uint)strings.Count, UniqueCount = (uint)strings.Count });
            foreach (var s in strings.Keys) w.WriteElement(new SharedStringItem(new Text(s) { Space = SpaceProcessingModeValues.Preserve }));
            w.WriteEndElement();
        }

        workbook.Workbook = new Workbook(new Sheets(
            new Sheet { Name = english ? "Households" : "ครัวเรือน", SheetId = 1, Id = workbook.GetIdOfPart(data) },
            new Sheet { Name = english ? "Help" : "คำอธิบาย", SheetId = 2, Id = workbook.GetIdOfPart(help) }));
        workbook.Workbook.Save();
    }

    static void WriteRow(OpenXmlWriter w, int number, object?[] values, Func<string, int> shared)
    {
        w.WriteStartElement(new Row { RowIndex = (uint)number });
        for (var i = 0; i < values.Length; i++)
        {
            var reference = Exports.XlsxSheet.Letter(i) + number.ToString(CultureInfo.InvariantCulture);
            switch (values[i])
            {
                case null: break;
                case int or long or decimal:
                    w.WriteElement(new Cell { CellReference = reference, CellValue = new CellValue(Text(values[i])) });
                    break;
                default:
                    w.WriteElement(new Cell { CellReference = reference, DataType = CellValues.SharedString,
                        CellValue = new CellValue(shared(Text(values[i])).ToString(CultureInfo.InvariantCulture)) });
                    break;
            }
        }
        w.WriteEndElement();
    }

}
