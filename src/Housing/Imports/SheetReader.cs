using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Housing.Imports;

/// <summary>One spreadsheet row: its number as the user sees it (the header is row 1) and its cells by column (0 = A).</summary>
public readonly record struct SheetRow(int Number, string?[] Cells)
{
    public bool IsBlank => Cells.All(string.IsNullOrWhiteSpace);
}

/// <summary>Streams rows out of a CSV or the first sheet of an XLSX, one at a time, within <see cref="ImportLimits"/>:
/// nothing holds the whole file, so memory stays flat however many rows come and whatever the file holds.
/// <see cref="Rows"/> may be called again (the import's second pass); an XLSX's shared strings are read once.</summary>
public sealed class SheetReader : IDisposable
{
    static SheetReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static bool IsXlsx(string fileName) => fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);
    public static bool IsCsv(string fileName) => fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    readonly Stream file;
    readonly long start;
    readonly Xlsx? xlsx;

    SheetReader(Stream file, Xlsx? xlsx) => (this.file, start, this.xlsx) = (file, file.Position, xlsx);

    /// <summary>Opens a seekable stream, which is left open. An XLSX's package is checked and its shared strings read here.</summary>
    public static SheetReader Open(Stream file, string fileName)
        => new(file, IsXlsx(fileName) ? Xlsx.Open(file) : null);

    public void Dispose() => xlsx?.Dispose();

    public IEnumerable<SheetRow> Rows()
    {
        if (xlsx is not null) return xlsx.Rows();
        file.Position = start;
        return CsvRows(file);
    }

    /// <summary>CSV in UTF-8 (with or without a BOM) or, as Thai Excel saves "CSV", Windows-874 (TIS-620).</summary>
    static IEnumerable<SheetRow> CsvRows(Stream file)
    {
        using var reader = new StreamReader(file, SniffEncoding(file), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        using var rows = Csv.Rows(reader, ImportLimits.MaxCellChars, ImportLimits.MaxColumns).GetEnumerator();
        var number = 0;
        while (true)
        {
            try
            {
                if (!rows.MoveNext()) yield break;
            }
            catch (Csv.LimitExceeded e)
            {
                throw e.Field ? ImportLimits.CellTooLong(e.Row) : ImportLimits.TooManyColumns(e.Row);
            }
            if (++number > ImportLimits.MaxRows) throw ImportLimits.TooManyRows();
            yield return new SheetRow(number, rows.Current);
        }
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

    /// <summary>The first worksheet of an XLSX, read as XML (SAX) straight from the zip: shared strings resolved, inline
    /// strings, numbers and formula results as their text. Only the parts it needs are inflated, each through a counter
    /// that stops at the caps, and no text is read whole before its length is known to be within the cell cap.</summary>
    sealed class Xlsx : IDisposable
    {
        const string RelationshipsNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        readonly ZipArchive zip;
        readonly string sheetPath;
        readonly SharedStrings shared;
        long inflated;

        Xlsx(ZipArchive zip, string sheetPath, SharedStrings shared) => (this.zip, this.sheetPath, this.shared) = (zip, sheetPath, shared);

        public void Dispose() => zip.Dispose();

        public static Xlsx Open(Stream file)
        {
            var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            try
            {
                var x = new Xlsx(zip, "", new SharedStrings());
                var workbook = x.Target("", "_rels/.rels", "/officeDocument") ?? throw new InvalidDataException("No workbook.");
                var dir = workbook[..(workbook.LastIndexOf('/') + 1)];
                var rels = dir + "_rels/" + workbook[(dir.Length)..] + ".rels";
                string? firstSheetId = null;
                using (var xml = x.Xml(workbook, ImportLimits.MaxInflatedBytes))
                    while (firstSheetId is null && xml.Read())
                        if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "sheet") firstSheetId = xml.GetAttribute("id", RelationshipsNs);
                var sheet = x.Target(dir, rels, null, firstSheetId ?? throw new InvalidDataException("No sheet.")) ?? throw new InvalidDataException("No sheet.");
                var sharedPath = x.Target(dir, rels, "/sharedStrings");
                var result = new Xlsx(zip, sheet, sharedPath is null ? new SharedStrings() : x.ReadSharedStrings(sharedPath)) { inflated = x.inflated };
                // The sheet's declared size is checked before any row is read (the counter checks what it really inflates to).
                if (result.inflated + result.Entry(sheet).Length > ImportLimits.MaxInflatedBytes) throw ImportLimits.Inflated();
                return result;
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }

        ZipArchiveEntry Entry(string path)
            => zip.GetEntry(path) ?? zip.Entries.FirstOrDefault(e => string.Equals(e.FullName, path, StringComparison.OrdinalIgnoreCase))
               ?? throw new InvalidDataException($"The part {path} is missing.");

        /// <summary>A part's XML, refused at once when the zip declares it past <paramref name="cap"/> or past what is left
        /// of the total, and as soon as it really inflates past either.</summary>
        XmlReader Xml(string path, long cap)
        {
            var entry = Entry(path);
            if (entry.Length > cap || inflated + entry.Length > ImportLimits.MaxInflatedBytes) throw ImportLimits.Inflated();
            var counted = new CountingStream(entry.Open(), this, cap);
            return XmlReader.Create(counted, new XmlReaderSettings
            {
                NameTable = new NameTable(), IgnoreComments = true, IgnoreProcessingInstructions = true, CheckCharacters = false,
                DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, CloseInput = true,
            });
        }

        /// <summary>The target of the relationship of this type (or id) in a .rels part, as a path in the zip.</summary>
        string? Target(string baseDir, string relsPath, string? typeEnding, string? id = null)
        {
            using var xml = Xml(relsPath, ImportLimits.MaxInflatedBytes);
            while (xml.Read())
            {
                if (xml.NodeType != XmlNodeType.Element || xml.LocalName != "Relationship") continue;
                if (id is not null ? xml.GetAttribute("Id") != id : xml.GetAttribute("Type")?.EndsWith(typeEnding!, StringComparison.Ordinal) != true) continue;
                var target = xml.GetAttribute("Target");
                if (target is null) return null;
                var parts = new List<string>();
                foreach (var p in ((target.StartsWith('/') ? "" : baseDir) + target.TrimStart('/')).Split('/'))
                    if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
                    else if (p is not ("" or ".")) parts.Add(p);
                return string.Join('/', parts);
            }
            return null;
        }

        /// <summary>The shared string table in order; a rich-text string is its runs joined, phonetic hints left out.</summary>
        SharedStrings ReadSharedStrings(string path)
        {
            var table = new SharedStrings();
            using var xml = Xml(path, ImportLimits.MaxSharedStringsBytes);
            var text = new StringBuilder();
            var inItem = false;
            xml.MoveToContent();
            while (!xml.EOF)
            {
                if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "t" && inItem)
                {
                    ReadText(xml, text, () => ImportLimits.SharedStringTooLong());
                    continue;
                }
                if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "rPh") { xml.Skip(); continue; }
                if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "si")
                {
                    text.Clear();
                    if (xml.IsEmptyElement) table.Add(text);
                    else inItem = true;
                }
                else if (xml.NodeType == XmlNodeType.EndElement && xml.LocalName == "si") { table.Add(text); inItem = false; }
                xml.Read();
            }
            return table;
        }

        public IEnumerable<SheetRow> Rows()
        {
            // Element names compared as atoms of the reader's name table (by reference), not string by string.
            using var xml = Xml(sheetPath, ImportLimits.MaxInflatedBytes);
            string rowName = xml.NameTable.Add("row"), cellName = xml.NameTable.Add("c");
            var cells = new List<string?>();
            var text = new StringBuilder();
            int rowNumber = 0, rows = 0;
            while (xml.Read())
            {
                if (xml.NodeType != XmlNodeType.Element || !ReferenceEquals(xml.LocalName, rowName)) continue;
                rowNumber = int.TryParse(xml.GetAttribute("r"), CultureInfo.InvariantCulture, out var r) ? r : rowNumber + 1;
                if (++rows > ImportLimits.MaxRows) throw ImportLimits.TooManyRows();
                cells.Clear();
                if (xml.IsEmptyElement) continue;
                var depth = xml.Depth;
                while (xml.Read() && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
                {
                    if (xml.NodeType != XmlNodeType.Element || !ReferenceEquals(xml.LocalName, cellName)) continue;
                    var column = ColumnIndex(xml.GetAttribute("r")) ?? cells.Count;
                    if (column >= ImportLimits.MaxColumns) throw ImportLimits.TooManyColumns(rowNumber);
                    var value = ReadCell(xml, xml.GetAttribute("t"), text, rowNumber);
                    while (cells.Count <= column) cells.Add(null);
                    cells[column] = value;
                }
                yield return new SheetRow(rowNumber, cells.ToArray());
            }
        }

        /// <summary>Reads a &lt;c&gt; element, leaving the reader on its end (so the caller's Read moves to the next cell).</summary>
        string? ReadCell(XmlReader xml, string? type, StringBuilder text, int row)
        {
            if (xml.IsEmptyElement) return null;
            var depth = xml.Depth;
            string? value = null;
            var inline = false;
            text.Clear();
            xml.Read();
            // ReadText already moves past the element, so only the other branches Read.
            while (!xml.EOF && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
            {
                if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "v")
                {
                    text.Clear();
                    ReadText(xml, text, () => ImportLimits.CellTooLong(row));
                    value = text.ToString();
                }
                else if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "t" && type == "inlineStr")
                {
                    ReadText(xml, text, () => ImportLimits.CellTooLong(row));
                    inline = true;
                }
                else xml.Read();
            }
            return type switch
            {
                "s" => int.TryParse(value, CultureInfo.InvariantCulture, out var i) ? shared.Get(i) : null,
                "inlineStr" => inline ? text.ToString() : null,
                "b" => value == "1" ? "TRUE" : "FALSE",
                null or "n" => Number(value),
                _ => value,
            };
        }

        /// <summary>Appends an element's text to <paramref name="text"/> a chunk at a time, refusing past the cell cap
        /// before more is read, and leaves the reader after the element's end.</summary>
        static void ReadText(XmlReader xml, StringBuilder text, Func<ValidationFailed> tooLong)
        {
            if (xml.IsEmptyElement) { xml.Read(); return; }
            var depth = xml.Depth;
            var chunk = new char[1024];
            xml.Read();
            while (!xml.EOF && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
            {
                if (xml.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
                {
                    int n;
                    while ((n = xml.ReadValueChunk(chunk, 0, chunk.Length)) > 0)
                    {
                        if (text.Length + n > ImportLimits.MaxCellChars) throw tooLong();
                        text.Append(chunk, 0, n);
                    }
                }
                xml.Read();
            }
            xml.Read();
        }

        /// <summary>Counts what a part really inflates to, whatever the zip declared, and stops past the caps.</summary>
        sealed class CountingStream(Stream inner, Xlsx owner, long cap) : Stream
        {
            long read;
            public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
            public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));
            int Count(int n)
            {
                read += n;
                owner.inflated += n;
                if (read > cap || owner.inflated > ImportLimits.MaxInflatedBytes) throw ImportLimits.Inflated();
                return n;
            }
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => read; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>The shared strings as one run of characters in 1 MB chunks with an offset per string: a few bytes per
    /// string beside its text, rather than a .NET string each (which costs 20 bytes or more before its first character).
    /// A cell's string is made when the cell is read.</summary>
    sealed class SharedStrings
    {
        const int ChunkBits = 20, ChunkChars = 1 << ChunkBits;
        readonly List<char[]> chunks = [];
        int[] starts = new int[256];
        int[] lengths = new int[256];
        int count, used = ChunkChars;

        public void Add(StringBuilder text)
        {
            if (used + text.Length > ChunkChars) { chunks.Add(new char[ChunkChars]); used = 0; }
            if (count == starts.Length)
            {
                Array.Resize(ref starts, count * 2);
                Array.Resize(ref lengths, count * 2);
            }
            text.CopyTo(0, chunks[^1].AsSpan(used), text.Length);
            starts[count] = (chunks.Count - 1) << ChunkBits | used;
            lengths[count++] = text.Length;
            used += text.Length;
        }

        public string? Get(int i) => i >= 0 && i < count
            ? new string(chunks[starts[i] >> ChunkBits], starts[i] & (ChunkChars - 1), lengths[i]) : null;
    }

    /// <summary>A number as Excel shows it (15 significant digits): a formula's 2500.4999999999995 is 2500.5, and
    /// 1.234567890121E+12 is the citizen ID 1234567890121.</summary>
    static string? Number(string? value)
        => value is not null && value.AsSpan().IndexOfAny(".Ee") >= 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d.ToString("G15", CultureInfo.InvariantCulture) : value;

    /// <summary>"C12" → 2; a column past the cap stops counting (it is refused anyway).</summary>
    static int? ColumnIndex(string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return null;
        var index = 0;
        foreach (var ch in reference)
        {
            if (ch is >= 'A' and <= 'Z') index = Math.Min(index * 26 + (ch - 'A' + 1), ImportLimits.MaxColumns + 1);
            else break;
        }
        return index == 0 ? null : index - 1;
    }
}
