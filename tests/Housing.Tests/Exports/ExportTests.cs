using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Housing.Access;
using Housing.Attention;
using Housing.Exports;
using Housing.Rollups;
using Housing.Tests.Rollups;

namespace Housing.Tests.Exports;

/// <summary>The rollup workbook validated by the OpenXml SDK's validator and read back as LibreOffice shows it.</summary>
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
                await app.Get<AttentionRefresh>().RecomputeAllAsync(); // FY 2565 has ended: its unpaid and stalled homes are flagged
                await app.Get<RollupService>().RecomputeAllAsync(); // with each area's count of flags
            }
        }
        finally { app.Once.Release(); }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    static async Task<byte[]> DownloadAsync(HttpClient client, string query)
    {
        var r = await client.GetAsync("/api/v1/exports/rollup.xlsx" + query);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(RollupWorkbook.ContentType, r.Content.Headers.ContentType!.MediaType);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        using var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var errors = new OpenXmlValidator(FileFormatVersions.Office2016).Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.Empty(errors);
        return bytes;
    }

    static Worksheet Sheet(SpreadsheetDocument doc, string name)
    {
        var wb = doc.WorkbookPart!;
        var sheet = wb.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == name);
        return ((WorksheetPart)wb.GetPartById(sheet.Id!)).Worksheet;
    }

    static readonly string[] ProvinceSheets = ["จังหวัด Province", "อำเภอ District", "ตำบล Subdistrict", "โครงการ Project", "ต้องติดตาม Attention", "ครัวเรือน Households"];

    [Fact]
    public async Task A_province_workbook_opens_in_LibreOffice_with_its_totals_computed_and_Buddhist_Era_dates()
    {
        var bytes = await DownloadAsync(await app.ClientAsync(Role.Viewer), "?fiscalYear=2565&program=BPP&provinceCode=54");
        var book = await LibreOffice.ReadAsync(bytes);
        Assert.Equal(ProvinceSheets.Order(), book.Sheets.Keys.Order());

        var province = book["จังหวัด Province"];
        Assert.Equal(["รหัส", "ชื่อ", "ชื่อภาษาอังกฤษ", "รหัสสังกัด", "สังกัด"], province[0].Take(5));
        Assert.Equal(["Code", "Name", "Name (English)", "Parent code", "Parent"], province[1].Take(5));
        // The fiscal year is a year (not "2,565"), the parent is named; last, the province's flags.
        var flags = await app.Db.CountAsync("attention_flags", "province_code = '54' AND fiscal_year = 2565 AND program = 'BPP'");
        Assert.True(flags > 0);
        Assert.Equal(["54", "แพร่", "Phrae", "TH", "ประเทศไทย", "BPP", "2565", "65", "1,358,500.00", "65", "1,358,500.00", "788,900.00", "16", "58.1%", "24.6%", "569,600.00", "0.00", "-788,900.00", flags.ToString("N0", CultureInfo.InvariantCulture)],
            province[2]);
        Assert.Equal(("ต้องติดตาม (รายการ)", "Flags needing attention"), (province[0][18], province[1][18]));

        var districts = book["อำเภอ District"];
        var total = districts[^1];
        Assert.Equal("รวม / Total", total[0]);
        Assert.Equal(["65", "1,358,500.00"], total[7..9]);
        Assert.Equal("788,900.00", total[11]); // a SUM computed by LibreOffice
        Assert.Equal("58.1%", total[13]);
        Assert.All(districts.Skip(2).SkipLast(1), d => Assert.Equal(("54", "แพร่"), (d[3], d[4])));

        var projects = book["โครงการ Project"];
        Assert.All(projects.Skip(2).SkipLast(1), p => Assert.Equal("", p[2])); // a project has no English name
        Assert.All(projects.Skip(2).SkipLast(1), p => Assert.StartsWith("โครงการ ต." + p[4], p[1]));

        var households = book["ครัวเรือน Households"];
        Assert.Equal(65 + 3, households.Count);
        Assert.All(households.Skip(2).SkipLast(1), h => Assert.Matches(@"^\d-xxxx-xxxxx-\d\d-\d$", h[1]));
        Assert.Equal("1,358,500.00", households[^1][11]);
        Assert.Contains(households, h => h[15] == "3 ม.ค. 2565");
        Assert.DoesNotContain(households.Skip(2).SelectMany(r => r), c => c.Length == 13 && c.All(char.IsAsciiDigit));
    }

    [Fact]
    public async Task Every_sheet_is_frozen_filtered_and_set_up_to_print_landscape_A4_one_page_wide_repeating_its_headers()
    {
        var bytes = await DownloadAsync(await app.ClientAsync(Role.Admin), "?fiscalYear=2565");
        using var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var wb = doc.WorkbookPart!.Workbook;
        string[] sheets = ["ประเทศ National", "จังหวัด Province", "อำเภอ District", "ตำบล Subdistrict", "โครงการ Project", "ต้องติดตาม Attention"];
        Assert.Equal(sheets, wb.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!));
        var names = wb.DefinedNames!.Elements<DefinedName>().ToList();
        for (var i = 0; i < sheets.Length; i++)
        {
            Assert.Equal($"'{sheets[i]}'!1:2", names.Single(n => n.Name == "_xlnm.Print_Titles" && n.LocalSheetId! == (uint)i).Text);
            var ws = Sheet(doc, sheets[i]);
            var pane = ws.Descendants<Pane>().Single();
            Assert.Equal(2d, pane.VerticalSplit!.Value);
            Assert.Contains(pane.State!.Value, new[] { PaneStateValues.Frozen, PaneStateValues.FrozenSplit });
            Assert.StartsWith(i < 5 ? "A2:S" : "A2:K", ws.GetFirstChild<AutoFilter>()!.Reference!.Value); // the attention sheet has 11 columns
            var setup = ws.GetFirstChild<PageSetup>()!;
            Assert.True(setup.Orientation?.Value == OrientationValues.Landscape && setup.PaperSize?.Value == 9u && (setup.FitToWidth?.Value ?? 1u) == 1u && setup.FitToHeight?.Value == 0u, setup.OuterXml);
        }
        var national = (await LibreOffice.ReadAsync(bytes))["ประเทศ National"];
        Assert.Equal(["TH", "ประเทศไทย", "Thailand", "", "", "BMK"], national[2][..6]);
        Assert.Equal(("BPP", "1,514,750.00"), (national[3][5], national[3][8]));
    }

    [Fact]
    public async Task A_caller_exports_only_its_area_another_province_is_a_404_and_each_export_is_audited()
    {
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["19"]);
        var staff = await app.ClientForAsync(user.Username);
        var before = await app.Db.CountAsync("audit_log", "action = 'export.rollup_workbook'");
        var refused = await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&provinceCode=54");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&program=ABC")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/v1/exports/rollup.xlsx?fiscalYear=2565&provinceCode=%00")).StatusCode);
        Assert.Equal(before, await app.Db.CountAsync("audit_log", "action = 'export.rollup_workbook'"));

        var book = await LibreOffice.ReadAsync(await DownloadAsync(staff, "?fiscalYear=2565&program=BPP&households=true"));
        Assert.Equal(["19"], book["จังหวัด Province"].Skip(2).SkipLast(1).Select(r => r[0]));
        Assert.Equal("156,250.00", book["ประเทศ National"][2][8]);
        Assert.Equal(4 + 3, book["ครัวเรือน Households"].Count);

        var audit = await app.Db.QueryAsync<(string ActorName, string Entity, string EntityId, string After)>(
            "SELECT actor_name, entity, entity_id, after::text FROM audit_log WHERE action = 'export.rollup_workbook' ORDER BY id DESC LIMIT 1");
        Assert.Equal(before + 1, await app.Db.CountAsync("audit_log", "action = 'export.rollup_workbook'"));
        Assert.Equal((user.Username, "export", "rollup_workbook"), (audit[0].ActorName, audit[0].Entity, audit[0].EntityId));
        var after = System.Text.Json.JsonDocument.Parse(audit[0].After).RootElement;
        Assert.Equal(("rollup_workbook", 2565, "BPP", true), (after.GetProperty("kind").GetString(), after.GetProperty("fiscalYear").GetInt32(),
            after.GetProperty("program").GetString(), after.GetProperty("households").GetBoolean()));
        // National, province, its 2 districts... every row of every sheet: the sheets' data rows in all.
        var dataRows = book.Sheets.Values.Sum(rows => rows.Count - 3);
        Assert.Equal((dataRows, 4), (after.GetProperty("rows").GetInt32(), after.GetProperty("householdRows").GetInt32()));
    }

    [Fact]
    public async Task The_streamed_register_listing_shows_the_same_figures_as_the_ClosedXML_workbook()
    {
        // A limit of 10 homes sends Phrae's 65 down the streaming path; the default sends them to ClosedXML.
        var streaming = new ExportService(app.Db, app.Get<RollupService>(), TimeProvider.System, streamPast: 10, app.Get<Housing.Attention.AttentionService>());
        var query = new ExportQuery(2565, "BPP", "54");
        var caller = new Caller(0, "system", Role.Viewer, [], []);
        async Task<byte[]> Write(ExportService s)
        {
            using var buffer = new MemoryStream();
            await (await s.RollupWorkbookAsync(caller, query)).WriteAsync(buffer);
            return buffer.ToArray();
        }
        var streamed = await Write(streaming);
        var built = await Write(app.Get<ExportService>());
        using (var doc = SpreadsheetDocument.Open(new MemoryStream(streamed), false))
        {
            Assert.Empty(new OpenXmlValidator(FileFormatVersions.Office2016).Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}"));
            Assert.Null(doc.WorkbookPart!.SharedStringTablePart); // inline strings: nothing kept until the end
        }
        var books = await LibreOffice.ReadAsync(new Dictionary<string, byte[]> { ["streamed"] = streamed, ["closedxml"] = built });
        Assert.Equal(ProvinceSheets.Order(), books["streamed"].Sheets.Keys.Order());
        foreach (var sheet in ProvinceSheets) Assert.Equal(books["closedxml"][sheet], books["streamed"][sheet]);
        Assert.Equal("1,358,500.00", books["streamed"]["ครัวเรือน Households"][^1][11]);
        // Under the cap every flag is listed, and the totals row is the last.
        var flags = await app.Db.CountAsync("attention_flags", "province_code = '54' AND fiscal_year = 2565 AND program = 'BPP'");
        var attention = books["streamed"][AttentionSheet.Name];
        Assert.Equal((flags + 3, "รวม / Total", flags.ToString("N0", CultureInfo.InvariantCulture)), (attention.Count, attention[^1][0], attention[^1][10]));
    }

    [Fact]
    public async Task Past_its_cap_the_attention_sheet_lists_the_oldest_totals_every_flag_and_says_how_many_it_left_out_in_both_writers()
    {
        // A cap of 3 rows, as 10,000 is for the nation's 600,000 flags; a limit of 100 cells streams the second workbook.
        var attention = app.Get<AttentionService>();
        var built = new ExportService(app.Db, app.Get<RollupService>(), TimeProvider.System, attention: attention, attentionRows: 3);
        var streaming = new ExportService(app.Db, app.Get<RollupService>(), TimeProvider.System, attention: attention, streamPastCells: 100, attentionRows: 3);
        var query = new ExportQuery(2565, "BPP", "54", Households: false);
        async Task<byte[]> Write(ExportService s)
        {
            using var buffer = new MemoryStream();
            await (await s.RollupWorkbookAsync(Caller.System, query)).WriteAsync(buffer);
            return buffer.ToArray();
        }
        var files = new Dictionary<string, byte[]> { ["streamed"] = await Write(streaming), ["closedxml"] = await Write(built) };
        foreach (var (name, bytes) in files)
        {
            using var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
            Assert.Empty(new OpenXmlValidator(FileFormatVersions.Office2016).Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}"));
            Assert.Equal(name == "closedxml", doc.WorkbookPart!.SharedStringTablePart is not null);
            Assert.Equal("A2:K5", Sheet(doc, AttentionSheet.Name).GetFirstChild<AutoFilter>()!.Reference!.Value); // the rows, not the totals or the note
        }
        var all = await app.Db.CountAsync("attention_flags", "province_code = '54' AND fiscal_year = 2565 AND program = 'BPP'");
        Assert.True(all > 3, $"{all} flags");
        var oldest = await attention.ListAsync(Caller.System, new AttentionQuery("54", null, 3, 2565, "BPP"));
        var n = all.ToString("N0", CultureInfo.InvariantCulture);
        var books = await LibreOffice.ReadAsync(files);
        foreach (var book in books.Values)
        {
            var sheet = book[AttentionSheet.Name];
            Assert.Equal(2 + 3 + 2, sheet.Count);
            Assert.Equal(oldest.Select(f => (f.Kind, f.ProjectId.ToString(CultureInfo.InvariantCulture), f.AllocationId?.ToString(CultureInfo.InvariantCulture) ?? "", "1")),
                sheet[2..5].Select(r => (r[0].Split(" / ")[^1], r[4], r[6], r[10])));
            Assert.Equal(("รวม / Total", n), (sheet[5][0], sheet[5][10])); // every flag of the province, not the 3 listed
            Assert.Equal($"แสดง 3 รายการที่เก่าที่สุด จากทั้งหมด {n} รายการ / The 3 oldest of {n} flags are listed", sheet[6][0]);
            Assert.All(sheet[6][1..], c => Assert.Equal("", c));
        }
        Assert.Equal(ProvinceSheets.SkipLast(1).Order(), books["streamed"].Sheets.Keys.Order());
        foreach (var sheet in ProvinceSheets.SkipLast(1)) Assert.Equal(books["closedxml"][sheet], books["streamed"][sheet]);
    }

    sealed record Flagged(string Code, int AttentionFlags);

    [Fact]
    public async Task Each_level_sheet_counts_the_flags_of_each_area_as_GET_rollups_does_and_the_nation_totals_the_attention_sheet()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var book = await LibreOffice.ReadAsync(await DownloadAsync(admin, "?fiscalYear=2565&program=BPP"));
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        foreach (var (level, name) in new[] { ("national", "ประเทศ National"), ("province", "จังหวัด Province"), ("district", "อำเภอ District"),
                     ("subdistrict", "ตำบล Subdistrict"), ("project", "โครงการ Project") })
        {
            var json = (await admin.GetFromJsonAsync<List<Flagged>>($"/api/v1/rollups?fiscalYear=2565&program=BPP&level={level}"))!;
            var sheet = book[name];
            Assert.Equal(("ต้องติดตาม (รายการ)", "Flags needing attention"), (sheet[0][18], sheet[1][18]));
            Assert.Equal(json.Select(r => (r.Code, N(r.AttentionFlags))), sheet.Skip(2).SkipLast(1).Select(r => (r[0], r[18])));
            Assert.Equal(N(json.Sum(r => r.AttentionFlags)), sheet[^1][18]); // a SUM computed by LibreOffice
        }
        var all = await app.Db.CountAsync("attention_flags", "fiscal_year = 2565 AND program = 'BPP'");
        Assert.True(all > 0);
        Assert.Equal((N(all), N(all)), (book["ประเทศ National"][^1][18], book[AttentionSheet.Name][^1][10]));
    }

    [Fact]
    public async Task The_nation_past_the_cell_limit_is_streamed_with_the_same_figures_and_no_household_sheet()
    {
        // The nation's sheets (412,000 cells at 500,000 homes) are past what ClosedXML writes in 2 s: a limit of 100 cells
        // sends Phrae's nation down the streaming path, the default keeps it in ClosedXML. Neither lists the households unasked.
        var streaming = new ExportService(app.Db, app.Get<RollupService>(), TimeProvider.System, attention: app.Get<Housing.Attention.AttentionService>(),
            streamPastCells: 100);
        var query = new ExportQuery(2565, "BPP", null);
        async Task<byte[]> Write(ExportService s)
        {
            using var buffer = new MemoryStream();
            await (await s.RollupWorkbookAsync(Caller.System, query)).WriteAsync(buffer);
            return buffer.ToArray();
        }
        var streamed = await Write(streaming);
        var built = await Write(app.Get<ExportService>());
        using (var doc = SpreadsheetDocument.Open(new MemoryStream(streamed), false))
            Assert.Null(doc.WorkbookPart!.SharedStringTablePart);
        using (var doc = SpreadsheetDocument.Open(new MemoryStream(built), false))
            Assert.NotNull(doc.WorkbookPart!.SharedStringTablePart); // ClosedXML's shared strings: this one was built, not streamed
        var books = await LibreOffice.ReadAsync(new Dictionary<string, byte[]> { ["streamed"] = streamed, ["closedxml"] = built });
        string[] nation = ["ประเทศ National", .. ProvinceSheets.SkipLast(1)];
        Assert.Equal(nation.Order(), books["streamed"].Sheets.Keys.Order());
        Assert.Equal(nation.Order(), books["closedxml"].Sheets.Keys.Order());
        foreach (var sheet in nation) Assert.Equal(books["closedxml"][sheet], books["streamed"][sheet]);
        Assert.Equal(("BPP", "1,514,750.00"), (books["streamed"]["ประเทศ National"][2][5], books["streamed"]["ประเทศ National"][2][8]));
    }

    [Fact]
    public void The_streaming_writer_streams_100000_rows_without_holding_them()
    {
        using var sink = new CountingStream();
        long peak = 0;
        using (var x = new StreamingWorkbook(sink))
        {
            var sheet = x.AddSheet("Rows", [new("ก", "A", CellKind.Count, 8, Sum: true), new("ข", "B", CellKind.Text, 20), new("ค", "C", CellKind.Baht, 12, Sum: true)], "test");
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
