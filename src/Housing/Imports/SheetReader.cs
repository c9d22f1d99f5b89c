using System.Globalization;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Housing.Imports;

/// <summary>One spreadsheet row: its number as the user sees it (the header is row 1) and its cells by column (0 = A).</summary>
public readonly record struct SheetRow(int Number, string?[] Cells)
{
    public bool IsBlank => Cells.All(string.IsNullOrWhiteSpace);
}

/// <summary>Streams rows out of a CSV or the first sheet of an XLSX, one at a time: nothing holds the whole file,
/// so memory stays flat however many rows come.</summary>
public static class SheetReader
{
    static SheetReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static bool IsXlsx(string fileName) => fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);
    public static bool IsCsv(string fileName) => fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>The rows of a seekable stream, which is left open.</summary>
    public static IEnumerable<SheetRow> Rows(Stream file, string fileName)
        => IsXlsx(fileName) ? XlsxRows(file) : CsvRows(file);

    /// <summary>CSV in UTF-8 (with or without a BOM) or, as Thai Excel saves "CSV", Windows-874 (TIS-620).</summary>
    static IEnumerable<SheetRow> CsvRows(Stream file)
    {
        using var reader = new StreamReader(file, SniffEncoding(file), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var number = 0;
        foreach (var cells in Csv.Rows(reader))
            yield return new SheetRow(++number, cells);
    }

    /// <summary>Looks at the first 64 KB: valid UTF-8 is UTF-8, anything else is taken as Thai Windows-874.</summary>
    static Encoding SniffEncoding(Stream s)
    {
        if (!s.CanSeek) return Encoding.UTF8;
        var start = s.Position;
        var buffer = new byte[1 << 16];
        var n = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        s.Position = start;
        // Drop a multi-byte character cut at the end of the sample.
        var end = n;
        if (n == buffer.Length)
            for (var back = 0; back < 3 && end > 0 && (buffer[end - 1] & 0xC0) == 0x80; back++) end--;
        if (end < n && end > 0 && buffer[end - 1] >= 0xC0) end--;
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(buffer, 0, end);
            return Encoding.UTF8;
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding(874);
        }
    }

    /// <summary>The first worksheet, read as XML (SAX) straight from its part: shared strings resolved,
    /// inline strings, numbers and formula results as their text.</summary>
    /// <remarks>The zip reader seeks: <paramref name="file"/> must be seekable (the import gives it a temporary file).</remarks>
    static IEnumerable<SheetRow> XlsxRows(Stream file)
    {
        using var doc = SpreadsheetDocument.Open(file, false);
        var workbook = doc.WorkbookPart ?? throw new InvalidDataException("The workbook has no sheets.");
        var first = workbook.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault() ?? throw new InvalidDataException("The workbook has no sheets.");
        var sheet = (WorksheetPart)workbook.GetPartById(first.Id!.Value!);
        var shared = SharedStrings(workbook.SharedStringTablePart);

        // Element names compared as atoms of the reader's name table (by reference), not string by string.
        var names = new NameTable();
        string rowName = names.Add("row"), cellName = names.Add("c");
        using var xml = XmlReader.Create(sheet.GetStream(FileMode.Open, FileAccess.Read),
            new XmlReaderSettings { NameTable = names, IgnoreComments = true, IgnoreProcessingInstructions = true, CheckCharacters = false });
        var cells = new List<string?>();
        var rowNumber = 0;
        while (xml.Read())
        {
            if (xml.NodeType != XmlNodeType.Element || !ReferenceEquals(xml.LocalName, rowName)) continue;
            rowNumber = int.TryParse(xml.GetAttribute("r"), CultureInfo.InvariantCulture, out var r) ? r : rowNumber + 1;
            cells.Clear();
            if (xml.IsEmptyElement) continue;
            var depth = xml.Depth;
            while (xml.Read() && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
            {
                if (xml.NodeType != XmlNodeType.Element || !ReferenceEquals(xml.LocalName, cellName)) continue;
                var column = ColumnIndex(xml.GetAttribute("r")) ?? cells.Count;
                var value = ReadCell(xml, xml.GetAttribute("t"), shared);
                while (cells.Count <= column) cells.Add(null);
                cells[column] = value;
            }
            yield return new SheetRow(rowNumber, cells.ToArray());
        }
    }

    /// <summary>Reads a &lt;c&gt; element, leaving the reader on its end (so the caller's Read moves to the next cell).</summary>
    static string? ReadCell(XmlReader xml, string? type, string[] shared)
    {
        if (xml.IsEmptyElement) return null;
        var depth = xml.Depth;
        string? value = null;
        StringBuilder? inline = null;
        xml.Read();
        // ReadElementContentAsString already moves to the next node, so only the other branches Read.
        while (!xml.EOF && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
        {
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "v") value = xml.ReadElementContentAsString();
            else if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "t" && type == "inlineStr") (inline ??= new()).Append(xml.ReadElementContentAsString());
            else xml.Read();
        }
        return type switch
        {
            "s" => int.TryParse(value, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < shared.Length ? shared[i] : null,
            "inlineStr" => inline?.ToString(),
            "b" => value == "1" ? "TRUE" : "FALSE",
            null or "n" => Number(value),
            _ => value,
        };
    }

    /// <summary>A number as Excel shows it (15 significant digits): a formula's 2500.4999999999995 is 2500.5, and
    /// 1.234567890121E+12 is the citizen ID 1234567890121.</summary>
    static string? Number(string? value)
        => value is not null && value.AsSpan().IndexOfAny(".Ee") >= 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d.ToString("G15", CultureInfo.InvariantCulture) : value;

    /// <summary>"C12" → 2.</summary>
    static int? ColumnIndex(string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return null;
        var index = 0;
        foreach (var ch in reference)
        {
            if (ch is >= 'A' and <= 'Z') index = index * 26 + (ch - 'A' + 1);
            else break;
        }
        return index == 0 ? null : index - 1;
    }

    /// <summary>The shared string table in order; a rich-text string is its runs joined, phonetic hints left out.</summary>
    static string[] SharedStrings(SharedStringTablePart? part)
    {
        if (part is null) return [];
        var list = new List<string>();
        using var xml = XmlReader.Create(part.GetStream(FileMode.Open, FileAccess.Read));
        var text = new StringBuilder();
        xml.MoveToContent();
        while (!xml.EOF)
        {
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "t") { text.Append(xml.ReadElementContentAsString()); continue; }
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "rPh") { xml.Skip(); continue; }
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "si")
            {
                text.Clear();
                if (xml.IsEmptyElement) list.Add("");
            }
            else if (xml.NodeType == XmlNodeType.EndElement && xml.LocalName == "si") list.Add(text.ToString());
            xml.Read();
        }
        return list.ToArray();
    }
}
