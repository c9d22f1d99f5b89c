using System.Net;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Housing.Access;
using Housing.Exports;
using Housing.Rollups;
using Housing.Tests.Rollups;

namespace Housing.Tests.Exports;

/// <summary>The rollup workbook read back cell by cell, validated by the OpenXml SDK's validator.</summary>
public sealed class ExportTests(ExportTests.App app) : IClassFixture<ExportTests.App>, IAsyncLifetime
{
    public sealed class App : TestApp
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Jobs:Enabled"] = "false" };
        public PhraeScenario? Phrae;
        public readonly SemaphoreSlim Once = new(1);
    }

    public async Task InitializeAsync()
    {
        await app.Once.WaitAsync();
        try
        {
            if (app.Phrae is null)
            {
                app.Phrae = await new RollupSeed(app.Db, 2565).PhraeAsync();
                await app.Get<RollupService>().RecomputeAllAsync();
            }
        }
        finally { app.Once.Release(); }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    static async Task<SpreadsheetDocument> DownloadAsync(HttpClient client, string query)
    {
        var r = await client.GetAsync("/api/v1/exports/rollup.xlsx" + query);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(RollupWorkbook.ContentType, r.Content.Headers.ContentType!.MediaType);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var errors = new OpenXmlValidator(FileFormatVersions.Office2016).Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.Empty(errors);
        return doc;
    }

    static Worksheet Sheet(SpreadsheetDocument doc, string name)
    {
        var wb = doc.WorkbookPart!;
        var sheet = wb.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == name);
        return ((WorksheetPart)wb.GetPartById(sheet.Id!)).Worksheet;
    }

    static List<List<Cell>> Rows(Worksheet ws) => ws.GetFirstChild<SheetData>()!.Elements<Row>().Select(r => r.Elements<Cell>().ToList()).ToList();
    static string Text(Cell c) => c.InlineString?.Text?.Text ?? c.CellValue?.Text ?? "";
    static string At(Worksheet ws, string reference) => ws.Descendants<Cell>().SingleOrDefault(c => c.CellReference == reference) is { } c ? Text(c) : "";

    [Fact]
    public async Task A_province_workbook_has_a_sheet_per_level_and_households_with_Thai_and_English_headers()
    {
        using var doc = await DownloadAsync(await app.ClientAsync(Role.Viewer), "?fiscalYear=2565&program=BPP&provinceCode=54");
        Assert.Equal(["จังหวัด Province", "อำเภอ District", "ตำบล Subdistrict", "โครงการ Project", "ครัวเรือน Households"],
            doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!));
        var rows = Rows(Sheet(doc, "จังหวัด Province"));
        Assert.Equal("รหัส", Text(rows[0][0]));
        Assert.Equal("Code", Text(rows[1][0]));
        Assert.Equal("งบประมาณ (บาท)", Text(rows[0][7]));
        Assert.Equal("Budget (baht)", Text(rows[1][7]));
        Assert.Equal(["54", "แพร่", "Phrae", "TH", "BPP", "2565", "65", "1358500.00", "65", "1358500.00", "788900.00", "16"], rows[2].Take(12).Select(Text));
        Assert.Equal("0.581", Text(rows[2][12]));

        var districts = Rows(Sheet(doc, "อำเภอ District"));
        var total = districts[^1];
        Assert.Equal("รวม / Total", Text(total[0]));
        var last = districts.Count - 1;
        Assert.Equal($"SUBTOTAL(9,K3:K{last})", total.Single(c => c.CellReference == $"K{last + 1}").CellFormula!.Text);
        Assert.Equal("788900.00", total.Single(c => c.CellReference == $"K{last + 1}").CellValue!.Text);
        Assert.Equal($"IF(H{last + 1}=0,0,K{last + 1}/H{last + 1})", total.Single(c => c.CellReference == $"M{last + 1}").CellFormula!.Text);

        var households = Rows(Sheet(doc, "ครัวเรือน Households"));
        Assert.Equal(65 + 3, households.Count);
        Assert.All(households.Skip(2).SkipLast(1), h => Assert.Matches(@"^\d-xxxx-xxxxx-\d\d-\d$", Text(h[1])));
        Assert.Equal("1358500.00", Text(households[^1].Single(c => c.CellReference == "L68")));
        Assert.DoesNotContain(households.Skip(2).SelectMany(r => r), c => Text(c).Length == 13 && Text(c).All(char.IsAsciiDigit));
    }

    [Fact]
    public async Task Every_sheet_is_frozen_filtered_and_set_up_to_print_landscape_one_page_wide_repeating_its_headers()
    {
        using var doc = await DownloadAsync(await app.ClientAsync(Role.Admin), "?fiscalYear=2565");
        var wb = doc.WorkbookPart!.Workbook;
        Assert.Equal(["ประเทศ National", "จังหวัด Province", "อำเภอ District", "ตำบล Subdistrict", "โครงการ Project"], wb.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!));
        var names = wb.DefinedNames!.Elements<DefinedName>().ToList();
        for (var i = 0; i < 5; i++)
        {
            var name = wb.Sheets!.Elements<Sheet>().ElementAt(i).Name!.Value!;
            Assert.Equal($"'{name}'!$1:$2", names.Single(n => n.Name == "_xlnm.Print_Titles" && n.LocalSheetId! == (uint)i).Text);
            var ws = Sheet(doc, name);
            var pane = ws.Descendants<Pane>().Single();
            Assert.Equal((2d, "A3", PaneStateValues.Frozen), (pane.VerticalSplit!.Value, pane.TopLeftCell!.Value, pane.State!.Value));
            Assert.StartsWith("A2:O", ws.GetFirstChild<AutoFilter>()!.Reference!.Value);
            var setup = ws.GetFirstChild<PageSetup>()!;
            Assert.Equal((OrientationValues.Landscape, 1u, 0u), (setup.Orientation!.Value, setup.FitToWidth!.Value, setup.FitToHeight!.Value));
            Assert.True(ws.GetFirstChild<SheetProperties>()!.PageSetupProperties!.FitToPage!.Value);
        }
        var national = Sheet(doc, "ประเทศ National");
        Assert.Equal(["TH", "ประเทศไทย", "Thailand", "", "BMK"], new[] { "A3", "B3", "C3", "D3", "E3" }.Select(r => At(national, r)));
        Assert.Equal("BPP", At(national, "E4"));
        Assert.Equal("1514750.00", At(national, "H4"));
        Assert.True(wb.CalculationProperties!.FullCalculationOnLoad!.Value);
    }

    [Fact]
    public async Task Baht_percent_and_Buddhist_Era_date_formats_are_applied()
    {
        using var doc = await DownloadAsync(await app.ClientAsync(Role.Admin), "?fiscalYear=2565&program=BPP&provinceCode=54");
        var styles = doc.WorkbookPart!.WorkbookStylesPart!.Stylesheet;
        var xfs = styles.CellFormats!.Elements<CellFormat>().ToList();
        var formats = styles.NumberingFormats!.Elements<NumberingFormat>().ToDictionary(n => n.NumberFormatId!.Value, n => n.FormatCode!.Value);
        string FormatOf(Cell c) { var id = xfs[(int)c.StyleIndex!.Value].NumberFormatId!.Value; return formats.TryGetValue(id, out var f) ? f! : $"builtin {id}"; }
        var province = Rows(Sheet(doc, "จังหวัด Province"))[2];
        Assert.Equal("builtin 4", FormatOf(province[7])); // #,##0.00
        Assert.Equal("0.0%", FormatOf(province[12]));
        var household = Rows(Sheet(doc, "ครัวเรือน Households"))[2];
        var reached = household.Single(c => c.CellReference!.Value!.StartsWith('P'));
        Assert.Equal("[$-107041E]d mmm yyyy", FormatOf(reached));
        Assert.Equal(new DateOnly(2022, 1, 3), DateOnly.FromDateTime(DateTime.FromOADate(double.Parse(reached.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task A_caller_exports_only_its_area_and_another_province_is_a_404()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]);
        var before = await app.Db.CountAsync("audit_log");
        var refused = await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&provinceCode=54");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&program=ABC")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&provinceCode=%00")).StatusCode);

        using var doc = await DownloadAsync(staff, "?fiscalYear=2565&program=BPP&households=true");
        Assert.Equal(["19"], Rows(Sheet(doc, "จังหวัด Province")).Skip(2).SkipLast(1).Select(r => Text(r[0])));
        Assert.Equal("156250.00", At(Sheet(doc, "ประเทศ National"), "H3"));
        Assert.Equal(4 + 3, Rows(Sheet(doc, "ครัวเรือน Households")).Count);
        Assert.Equal(before, await app.Db.CountAsync("audit_log"));
    }

    [Fact]
    public void The_writer_streams_100000_rows_without_holding_them()
    {
        using var sink = new CountingStream();
        long peak = 0;
        using (var x = new XlsxWriter(sink))
        {
            var sheet = x.AddSheet("Rows", [new("ก", "A", CellKind.Integer, 8, Sum: true), new("ข", "B", CellKind.Text, 20), new("ค", "C", CellKind.Baht, 12, Sum: true)], "test");
            GC.Collect();
            var start = GC.GetTotalMemory(true);
            for (var i = 0; i < 100_000; i++)
            {
                sheet.Row(i, "ครัวเรือน " + i, 20_900.5m);
                if (i % 20_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(true) - start);
            }
            sheet.Totals("รวม");
        }
        Assert.True(sink.Length > 1_000_000);
        Assert.True(peak < 16 << 20, $"grew by {peak:N0} bytes");
    }

    sealed class CountingStream : Stream
    {
        long length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => length;
        public override long Position { get => length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;
    }
}
