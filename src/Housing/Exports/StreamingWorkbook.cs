using System.Globalization;
using System.IO.Packaging;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Housing.Exports;

/// <summary>
/// The workbooks too big for ClosedXML only (past <see cref="ExportService.ClosedXmlHouseholdLimit"/> homes or
/// <see cref="ExportService.ClosedXmlCellLimit"/> cells): ClosedXML holds every cell (4.3 GB and 49 s for 500,000 rows), so this writes the
/// same sheets as <see cref="Report.AddListing"/> row by row with the OpenXml SDK's <see cref="OpenXmlWriter"/> into a
/// write-only <see cref="Package"/>, and memory stays flat. Sheets are written one at a time, in order; the workbook
/// part goes last, once every sheet's extent is known.
/// </summary>
public sealed class StreamingWorkbook : IDisposable
{
    const string SheetType = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    // Indexes into cellXfs, in the order Styles() writes them: plain, header, then a data and a totals style per kind.
    static readonly CellKind[] Kinds = Enum.GetValues<CellKind>();
    internal static uint DataStyle(CellKind k) => 2 + (uint)Array.IndexOf(Kinds, k);
    internal static uint TotalStyle(CellKind k) => 2 + (uint)Kinds.Length + (uint)Array.IndexOf(Kinds, k);

    readonly Package package;
    readonly List<(string Name, int LastRow, int Columns)> sheets = [];
    StreamingSheet? open;

    public StreamingWorkbook(Stream output) => package = Package.Open(output, FileMode.Create, FileAccess.Write);

    public StreamingSheet AddSheet(string name, IReadOnlyList<ReportColumn> columns, string pageHeader)
    {
        Close();
        var index = sheets.Count + 1;
        // In a write-only package each part is written once, right after it is created.
        var part = package.CreatePart(new Uri($"/xl/worksheets/sheet{index}.xml", UriKind.Relative), SheetType, CompressionOption.Fast);
        open = new StreamingSheet(part.GetStream(FileMode.Create, FileAccess.Write), columns, pageHeader, lastRow => sheets.Add((name, lastRow, columns.Count)));
        return open;
    }

    void Close()
    {
        open?.Finish();
        open = null;
    }

    public void Dispose()
    {
        Close();
        var styles = package.CreatePart(new Uri("/xl/styles.xml", UriKind.Relative),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml", CompressionOption.Fast);
        Write(styles, Styles());
        var workbookUri = new Uri("/xl/workbook.xml", UriKind.Relative);
        var workbook = package.CreatePart(workbookUri, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", CompressionOption.Fast);
        package.CreateRelationship(workbookUri, TargetMode.Internal, Rel + "/officeDocument", "rId1");
        for (var i = 0; i < sheets.Count; i++)
            workbook.CreateRelationship(new Uri($"worksheets/sheet{i + 1}.xml", UriKind.Relative), TargetMode.Internal, Rel + "/worksheet", $"rId{i + 1}");
        workbook.CreateRelationship(new Uri("styles.xml", UriKind.Relative), TargetMode.Internal, Rel + "/styles", $"rId{sheets.Count + 1}");
        static string Quote(string sheet) => "'" + sheet.Replace("'", "''") + "'";
        var names = new DefinedNames();
        for (var i = 0; i < sheets.Count; i++)
        {
            var (name, lastRow, columns) = sheets[i];
            names.Append(new DefinedName($"{Quote(name)}!$A$2:${Report.Letter(columns - 1)}${Math.Max(lastRow, 2)}")
                { Name = "_xlnm._FilterDatabase", LocalSheetId = (uint)i, Hidden = true });
            names.Append(new DefinedName($"{Quote(name)}!$1:$2") { Name = "_xlnm.Print_Titles", LocalSheetId = (uint)i });
        }
        Write(workbook, new Workbook(
            new Sheets(sheets.Select((s, i) => new Sheet { Name = s.Name, SheetId = (uint)i + 1, Id = $"rId{i + 1}" })),
            names,
            new CalculationProperties { CalculationId = 191029, FullCalculationOnLoad = true }));
        package.Close();
    }

    static void Write(PackagePart part, OpenXmlElement root)
    {
        using var stream = part.GetStream(FileMode.Create, FileAccess.Write);
        using var w = OpenXmlWriter.Create(stream);
        w.WriteStartDocument(true);
        w.WriteElement(root);
    }

    static Stylesheet Styles()
    {
        static uint NumFmt(CellKind k) => k switch
        {
            CellKind.Baht => 4, CellKind.Count => 3, CellKind.Number => 1, CellKind.Percent => 164, CellKind.Date => 165, _ => 0,
        };
        static CellFormat Xf(uint numFmt, uint font = 0, uint fill = 0, uint border = 0, bool wrap = false) =>
            new(wrap ? new Alignment { WrapText = true, Vertical = VerticalAlignmentValues.Center } : null!)
            {
                NumberFormatId = numFmt, FontId = font, FillId = fill, BorderId = border, FormatId = 0,
                ApplyNumberFormat = numFmt != 0, ApplyFont = font != 0, ApplyFill = fill != 0, ApplyBorder = border != 0, ApplyAlignment = wrap,
            };
        static Font F(bool bold) => new(bold ? new Bold() : null!, new FontSize { Val = Report.FontSize }, new FontName { Val = Report.Font });
        var xfs = new List<CellFormat> { Xf(0), Xf(0, 1, 2, 1, wrap: true) };
        xfs.AddRange(Kinds.Select(k => Xf(NumFmt(k))));
        xfs.AddRange(Kinds.Select(k => Xf(NumFmt(k), 1, 0, 2)));
        return new Stylesheet(
            new NumberingFormats(
                new NumberingFormat { NumberFormatId = 164, FormatCode = Report.Percent },
                new NumberingFormat { NumberFormatId = 165, FormatCode = Report.Date }) { Count = 2 },
            new Fonts(F(false), F(true)) { Count = 2 },
            new Fills(
                new Fill(new PatternFill { PatternType = PatternValues.None }),
                new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
                new Fill(new PatternFill(new ForegroundColor { Rgb = Report.HeaderFill }, new BackgroundColor { Indexed = 64 }) { PatternType = PatternValues.Solid })) { Count = 3 },
            new Borders(
                new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder()),
                new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(new Color { Auto = true }) { Style = BorderStyleValues.Thin }, new DiagonalBorder()),
                new Border(new LeftBorder(), new RightBorder(), new TopBorder(new Color { Auto = true }) { Style = BorderStyleValues.Thin }, new BottomBorder(), new DiagonalBorder())) { Count = 3 },
            new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 },
            new CellFormats(xfs) { Count = (uint)xfs.Count },
            new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });
    }
}

/// <summary>One worksheet being streamed: two header rows, data rows, then a totals row of SUM formulas (their values
/// cached too, for readers that do not calculate). Elements and attribute lists are reused: a new object per cell
/// would double the time at 8 million cells.</summary>
public sealed class StreamingSheet
{
    static readonly DateOnly ExcelEpoch = new(1899, 12, 30);
    readonly Stream stream;
    readonly OpenXmlWriter w;
    readonly IReadOnlyList<ReportColumn> columns;
    readonly string[] letters;
    readonly string[] dataStyles;
    readonly string pageHeader;
    readonly Action<int> finished;
    readonly decimal[] sums;
    readonly Row row = new();
    readonly Cell cell = new();
    readonly CellValue value = new();
    readonly CellFormula formula = new();
    readonly InlineString inline = new();
    readonly Text text = new();
    readonly OpenXmlAttribute[] rowAttributes = new OpenXmlAttribute[1];
    readonly List<OpenXmlAttribute> cellAttributes = new(3);
    int rowIndex;
    int? lastDataRow;
    string rowNumber = "";
    bool done;

    internal StreamingSheet(Stream stream, IReadOnlyList<ReportColumn> columns, string pageHeader, Action<int> finished)
    {
        this.stream = stream;
        this.columns = columns;
        this.pageHeader = pageHeader;
        this.finished = finished;
        letters = columns.Select((_, i) => Report.Letter(i)).ToArray();
        dataStyles = columns.Select(c => StreamingWorkbook.DataStyle(c.Kind).ToString(CultureInfo.InvariantCulture)).ToArray();
        sums = new decimal[columns.Count];
        w = OpenXmlWriter.Create(stream);
        w.WriteStartDocument(true);
        w.WriteStartElement(new Worksheet());
        w.WriteElement(new SheetProperties(new PageSetupProperties { FitToPage = true }));
        w.WriteElement(new SheetViews(new SheetView(
            new Pane { VerticalSplit = 2, TopLeftCell = "A3", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
            new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A3", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A3" } })
        { WorkbookViewId = 0 }));
        w.WriteElement(new SheetFormatProperties { DefaultRowHeight = Report.RowHeight, CustomHeight = true });
        w.WriteElement(new Columns(columns.Select((c, i) => new Column { Min = (uint)i + 1, Max = (uint)i + 1, Width = c.Width, CustomWidth = true })));
        w.WriteStartElement(new SheetData());
        foreach (var th in new[] { true, false })
        {
            StartRow(header: true);
            for (var i = 0; i < columns.Count; i++) Text(i, th ? columns[i].Th : columns[i].En, "1");
            w.WriteEndElement();
        }
    }

    void StartRow(bool header = false)
    {
        rowIndex++;
        rowNumber = rowIndex.ToString(CultureInfo.InvariantCulture);
        if (header) w.WriteStartElement(row, [new("r", null!, rowNumber), new("ht", null!, Report.HeaderHeight.ToString(CultureInfo.InvariantCulture)), new("customHeight", null!, "1")]);
        else
        {
            rowAttributes[0] = new OpenXmlAttribute("r", null!, rowNumber);
            w.WriteStartElement(row, rowAttributes);
        }
    }

    void StartCell(int column, string style, string? type = null)
    {
        cellAttributes.Clear();
        cellAttributes.Add(new OpenXmlAttribute("r", null!, letters[column] + rowNumber));
        cellAttributes.Add(new OpenXmlAttribute("s", null!, style));
        if (type is not null) cellAttributes.Add(new OpenXmlAttribute("t", null!, type));
        w.WriteStartElement(cell, cellAttributes);
    }

    void Text(int column, string s, string style)
    {
        StartCell(column, style, "inlineStr");
        w.WriteStartElement(inline);
        w.WriteStartElement(text);
        w.WriteString(Report.XmlSafe(s));
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
    }

    void Number(int column, string n, string style, string? f = null)
    {
        StartCell(column, style);
        if (f is not null)
        {
            w.WriteStartElement(formula);
            w.WriteString(f);
            w.WriteEndElement();
        }
        w.WriteStartElement(value);
        w.WriteString(n);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    static string N(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    /// <summary>One data row: a value per column (string, number, DateOnly, or null for an empty cell).</summary>
    public void Row(params object?[] values)
    {
        // Only short-lived garbage is made here: a gen-0 collection every 2,000 rows holds the working set near 70 MB, where
        // this machine's default gen-0 budget let it reach 190 MB at 500,000 homes (and it runs faster, in cache).
        if (rowIndex % 2_000 == 0) GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        StartRow();
        for (var i = 0; i < columns.Count && i < values.Length; i++)
        {
            switch (values[i])
            {
                case null: break;
                case DateOnly d: Number(i, (d.DayNumber - ExcelEpoch.DayNumber).ToString(CultureInfo.InvariantCulture), dataStyles[i]); break;
                case string s: Text(i, s, dataStyles[i]); break;
                case var v when columns[i].Kind == CellKind.Code: Text(i, Convert.ToString(v, CultureInfo.InvariantCulture)!, dataStyles[i]); break;
                case var v:
                    var n = Convert.ToDecimal(v, CultureInfo.InvariantCulture);
                    if (columns[i].Sum) sums[i] += n;
                    Number(i, N(n), dataStyles[i]);
                    break;
            }
        }
        w.WriteEndElement();
    }

    /// <summary>The totals row: SUM over each summed column, a percent as a ratio of two totals.</summary>
    public void Totals(string label, params Ratio[] ratios) => Totals(label, null, ratios);

    /// <summary>The totals row with <paramref name="known"/> totals as values in place of sums, and its note on a row beneath.</summary>
    public void Totals(string label, KnownTotals? known, params Ratio[] ratios)
    {
        var last = rowIndex;
        lastDataRow = last;
        // A ratio over a known column divides the whole, as the formula does.
        foreach (var (c, v) in known?.Values ?? new Dictionary<int, decimal>()) sums[c] = v;
        StartRow();
        Text(0, label, StreamingWorkbook.TotalStyle(CellKind.Text).ToString(CultureInfo.InvariantCulture));
        for (var i = 1; i < columns.Count; i++)
        {
            var style = StreamingWorkbook.TotalStyle(columns[i].Kind).ToString(CultureInfo.InvariantCulture);
            if (known is not null && known.Values.TryGetValue(i, out var whole))
                Number(i, N(whole), style);
            else if (columns[i].Sum)
                Number(i, N(sums[i]), style, last >= 3 ? $"SUM({letters[i]}3:{letters[i]}{last})" : "0");
            else if (ratios.FirstOrDefault(r => r.Column == i) is { } r)
                Number(i, N(sums[r.Denominator] == 0 ? 0 : Math.Round(sums[r.Numerator] / sums[r.Denominator], 6)), style,
                    $"IF({letters[r.Denominator]}{rowIndex}=0,0,{letters[r.Numerator]}{rowIndex}/{letters[r.Denominator]}{rowIndex})");
        }
        w.WriteEndElement();
        if (known?.Note is { } note)
        {
            StartRow();
            Text(0, note, StreamingWorkbook.DataStyle(CellKind.Text).ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
        }
    }

    internal void Finish()
    {
        if (done) return;
        done = true;
        w.WriteEndElement(); // sheetData
        // The filter ends at the last data row: above the totals row and any note beneath it.
        var lastRow = Math.Max(lastDataRow ?? rowIndex - 1, 2);
        w.WriteElement(new AutoFilter { Reference = $"A2:{letters[^1]}{lastRow}" });
        w.WriteElement(new PageMargins { Left = 0.4, Right = 0.4, Top = 0.6, Bottom = 0.6, Header = 0.3, Footer = 0.3 });
        w.WriteElement(new PageSetup { PaperSize = 9, Orientation = OrientationValues.Landscape, FitToWidth = 1, FitToHeight = 0 });
        w.WriteElement(new HeaderFooter(
            new OddHeader("&L" + pageHeader.Replace("&", "&&")),
            new OddFooter("&Lหน้า &P / &N  Page &P of &N")));
        w.WriteEndElement(); // worksheet
        w.Dispose();
        stream.Dispose();
        finished(lastRow);
    }
}
