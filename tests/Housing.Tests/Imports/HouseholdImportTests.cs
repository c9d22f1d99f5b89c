using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Housing.Access;
using Housing.Imports;

namespace Housing.Tests.Imports;

public sealed class HouseholdImportTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] content, string fileName, string? language = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".csv") ? "text/csv" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households/import") { Content = form };
        if (language is not null) request.Headers.AcceptLanguage.ParseAdd(language);
        return await client.SendAsync(request);
    }

    static byte[] Csv(bool english, params object?[][] rows)
    {
        using var s = new MemoryStream();
        ImportTemplate.WriteCsv(s, english, rows);
        return s.ToArray();
    }

    static byte[] Xlsx(bool english, params object?[][] rows)
    {
        using var s = new MemoryStream();
        ImportTemplate.WriteXlsx(s, english, rows);
        return s.ToArray();
    }

    /// <summary>A row in the template's column order.</summary>
    static object?[] Row(string citizenId, string name, string subdistrict, object? members = null, string? vulnerabilities = "ผู้สูงอายุ, เด็กเล็ก",
        string? tenure = "เช่า", object? income = null)
        => [citizenId, name, "99/1", 2, subdistrict, members ?? 3, income ?? 2500.5m, vulnerabilities, "หลังคารั่ว", tenure];

    static List<(int Row, string Field, string Message)> Errors(JsonElement problem)
        => problem.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString()!, e.GetProperty("message").GetString()!)).ToList();

    [Fact]
    public async Task A_CSV_with_Thai_headers_imports_every_row()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var ids = Enumerable.Range(0, 3).Select(_ => Seed.NewCitizenId()).ToArray();
        var response = await UploadAsync(staff, Csv(false, Row(CitizenId.Format(ids[0]), "นายหนึ่ง ใจดี", "540101"), Row(ids[1], "นางสอง ใจงาม", "540102"),
            Row(ids[2], "นายสาม ดีมาก", "540103", vulnerabilities: null, tenure: null)), "ครัวเรือน.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imported").GetInt32());
        var stored = await app.Db.QueryAsync<(string HeadName, string SubdistrictCode, int Members, decimal MonthlyIncome, string? LandTenure)>(
            "SELECT head_name, subdistrict_code, members, monthly_income, land_tenure FROM households WHERE citizen_id = ANY(@ids) ORDER BY id", new { ids });
        Assert.Equal([("นายหนึ่ง ใจดี", "540101", 3, 2500.5m, "rented"), ("นางสอง ใจงาม", "540102", 3, 2500.5m, "rented"), ("นายสาม ดีมาก", "540103", 3, 2500.5m, null)], stored);
        Assert.Equal(["elderly", "young_children"], await app.Db.ScalarAsync<string[]>("SELECT vulnerabilities FROM households WHERE citizen_id = @id", new { id = ids[0] }));
        Assert.Equal(3, await app.Db.ScalarAsync<int>("SELECT (after->>'imported')::int FROM audit_log WHERE action = 'household.import' ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task Title_rows_above_the_header_and_extra_columns_are_fine()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var csv = "ทะเบียนครัวเรือนเป้าหมาย บ้านพอเพียง ปี 2565,,,,\r\nสำนักงาน พอช. จังหวัดแพร่,,,,\r\n,,,,\r\n" +
                  "ลำดับ,เลขประจำตัวประชาชน,ชื่อ-สกุล,บ้านเลขที่,หมู่,รหัสตำบล,จำนวนสมาชิก,รายได้,หมายเหตุ\r\n" +
                  $"1,{CitizenId.Format(id)},นางคำ ใจดี,7,4,540107,2,\"1,500\",ติดต่อผู้ใหญ่บ้าน\r\n";
        var response = await UploadAsync(staff, Encoding.UTF8.GetBytes(csv), "office.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((4, 1_500m), (await app.Db.ScalarAsync<int>("SELECT village_no FROM households WHERE citizen_id = @id", new { id }),
            await app.Db.ScalarAsync<decimal>("SELECT monthly_income FROM households WHERE citizen_id = @id", new { id })));
    }

    [Fact]
    public async Task A_subdistrict_may_be_given_by_name_with_its_district_in_Thai_or_English()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var ids = Enumerable.Range(0, 3).Select(_ => Seed.NewCitizenId()).ToArray();
        string Line(string id, string subdistrict, string district) => $"{id},ก ข,1,2,100,{subdistrict},{district}\r\n";
        const string header = "เลขประจำตัวประชาชน,ชื่อ-สกุลหัวหน้าครัวเรือน,บ้านเลขที่,จำนวนสมาชิก,รายได้,ตำบล,อำเภอ\r\n";
        var bad = await Seed.ProblemAsync(await UploadAsync(staff, Encoding.UTF8.GetBytes(header + Line(ids[0], "ในเวียง", "เมืองแพร่")
            + Line(ids[1], "ไม่มีจริง", "เมืองแพร่") + Line(ids[2], "ปากเพรียว", "เมืองสระบุรี")), "names.csv", "en-GB"), HttpStatusCode.BadRequest);
        Assert.Equal(
        [
            (3, "subdistrictName", "There is no subdistrict \"ไม่มีจริง\" in the district \"เมืองแพร่\"."),
            (4, "subdistrictName", "This subdistrict is outside your area."),
        ], Errors(bad));

        var ok = await UploadAsync(staff, Encoding.UTF8.GetBytes(header + Line(ids[0], "ต.ในเวียง", "อ.เมืองแพร่") + Line(ids[1], "Na Chak", "Mueang Phrae")), "names.csv");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(["540101", "540102"], await app.Db.QueryAsync<string>(
            "SELECT subdistrict_code FROM households WHERE citizen_id = ANY(@ids) ORDER BY subdistrict_code", new { ids }));
    }

    [Fact]
    public async Task An_XLSX_with_English_headers_and_IDs_typed_as_numbers_imports()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var ids = Enumerable.Range(0, 2).Select(_ => Seed.NewCitizenId()).ToArray();
        // Income as a formula leaves it (2500.4999999999995): Excel shows 15 digits, and so does the import.
        var response = await UploadAsync(staff, Xlsx(true, Row(ids[0], "Mr One", "540104", tenure: "public land", income: 2500.4999999999995m), [],
            Row(ids[1], "Ms Two", "540104", members: 7, vulnerabilities: "disabled; bedridden", income: 0)), "households.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imported").GetInt32());
        Assert.Equal(["disabled", "bedridden"], await app.Db.ScalarAsync<string[]>("SELECT vulnerabilities FROM households WHERE citizen_id = @id", new { id = ids[1] }));
        Assert.Equal("public_land", await app.Db.ScalarAsync<string>("SELECT land_tenure FROM households WHERE citizen_id = @id", new { id = ids[0] }));
        Assert.Equal(2500.5m, await app.Db.ScalarAsync<decimal>("SELECT monthly_income FROM households WHERE citizen_id = @id", new { id = ids[0] }));
    }

    [Fact]
    public async Task Bad_rows_are_listed_by_row_field_and_message_and_nothing_is_imported()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var good = Seed.NewCitizenId();
        var badChecksum = good[..12] + (char)('0' + (good[12] - '0' + 1) % 10);
        var before = await app.Db.CountAsync("households");
        var response = await UploadAsync(staff, Csv(true,
            Row(Seed.NewCitizenId(), "ok", "540101"),
            Row(badChecksum, "bad id", "540101"),
            Row(Seed.NewCitizenId(), "bad members", "540101", members: "สาม"),
            Row(Seed.NewCitizenId(), "no such subdistrict", "549999"),
            Row(Seed.NewCitizenId(), "outside my province", "190101", members: 150),
            Row(Seed.NewCitizenId(), "", "540101", tenure: "castle")), "households.csv", "en-GB");
        var problem = await Seed.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
        [
            (3, "citizenId", "The citizen ID is not valid (13 digits with a matching check digit)."),
            (4, "members", "Must be a whole number."),
            (5, "subdistrictCode", "There is no subdistrict with this code."),
            (6, "members", "Members must be 1–99 people."),
            (6, "subdistrictCode", "This subdistrict is outside your area."),
            (7, "landTenure", "Unknown land tenure \"castle\"."),
            (7, "headName", "The head's name is required."),
        ], Errors(problem));
        Assert.Equal(7, problem.GetProperty("errorCount").GetInt32());
        Assert.Equal("Members", problem.GetProperty("errors")[1].GetProperty("column").GetString());
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task Citizen_IDs_repeated_in_the_file_or_already_registered_refuse_the_whole_file()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var existing = await Seed.HouseholdAsync(staff, "540105");
        var existingId = await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", new { existing.Id });
        var twice = Seed.NewCitizenId();
        var before = await app.Db.CountAsync("households");
        var problem = await Seed.ProblemAsync(await UploadAsync(staff, Xlsx(false,
            Row(twice, "หนึ่ง", "540105"), Row(Seed.NewCitizenId(), "สอง", "540105"), Row(twice, "สาม", "540105"), Row(existingId, "สี่", "540105")),
            "households.xlsx", "en-GB"), HttpStatusCode.BadRequest);
        Assert.Equal(
        [
            (4, "citizenId", "The citizen ID repeats row 2 of this file."),
            (5, "citizenId", $"Already registered (household {existing.Id}): a home is not funded twice."),
        ], Errors(problem));
        Assert.Equal("เลขประจำตัวประชาชน", problem.GetProperty("errors")[0].GetProperty("column").GetString());
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task A_missing_column_an_empty_template_and_a_foreign_file_are_400()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var before = await app.Db.CountAsync("households");
        var noSubdistrict = Encoding.UTF8.GetBytes("เลขประจำตัวประชาชน,ชื่อ-สกุลหัวหน้าครัวเรือน,บ้านเลขที่,จำนวนสมาชิก,รายได้\r\n" + Seed.NewCitizenId() + ",ก,1,2,100\r\n");
        Assert.Equal([(1, "subdistrictCode", "The column \"Subdistrict code\" is missing.")],
            Errors(await Seed.ProblemAsync(await UploadAsync(staff, noSubdistrict, "a.csv", "en-GB"), HttpStatusCode.BadRequest)));

        // The downloaded template, sent back unfilled.
        var template = await (await staff.GetAsync("/api/v1/households/import/template.xlsx")).Content.ReadAsByteArrayAsync();
        Assert.Equal([(2, "file", "The file has a header but no households.")],
            Errors(await Seed.ProblemAsync(await UploadAsync(staff, template, "template.xlsx", "en-GB"), HttpStatusCode.BadRequest)));

        var notXlsx = await Seed.ProblemAsync(await UploadAsync(staff, Encoding.UTF8.GetBytes("not a zip"), "x.xlsx"), HttpStatusCode.BadRequest);
        Assert.True(notXlsx.GetProperty("errors").TryGetProperty("file", out _));
        var pdf = await Seed.ProblemAsync(await UploadAsync(staff, [1, 2, 3], "x.pdf"), HttpStatusCode.BadRequest);
        Assert.True(pdf.GetProperty("errors").TryGetProperty("file", out _));
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task A_CSV_saved_by_Thai_Excel_in_Windows_874_reads_right()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var text = Encoding.UTF8.GetString(Csv(false, Row(id, "นายแสง ทองคำ", "540106"))).TrimStart('\uFEFF');
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var response = await UploadAsync(staff, Encoding.GetEncoding(874).GetBytes(text), "tis620.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("นายแสง ทองคำ", await app.Db.ScalarAsync<string>("SELECT head_name FROM households WHERE citizen_id = @id", new { id }));
    }

    [Fact]
    public async Task The_first_thousand_errors_are_listed_with_the_total_count()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var before = await app.Db.CountAsync("households");
        var rows = Enumerable.Range(0, 1500).Select(i => Row(Seed.NewCitizenId(), $"ครัวเรือน {i}", "540101", members: 0)).ToArray();
        var problem = await Seed.ProblemAsync(await UploadAsync(staff, Csv(false, rows), "many.csv"), HttpStatusCode.BadRequest);
        Assert.Equal(1500, problem.GetProperty("errorCount").GetInt32());
        var errors = Errors(problem);
        Assert.Equal(HouseholdImportService.MaxReportedErrors, errors.Count);
        Assert.Equal((2, "members"), (errors[0].Row, errors[0].Field));
        Assert.Equal(1001, errors[^1].Row);
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task Thousands_of_repeated_IDs_are_counted_in_full_and_listed_up_to_the_cap()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var rows = Enumerable.Range(0, 1200).Select(i => Row(id, $"ซ้ำ {i}", "540101")).ToArray();
        var problem = await Seed.ProblemAsync(await UploadAsync(staff, Xlsx(false, rows), "same.xlsx"), HttpStatusCode.BadRequest);
        Assert.Equal(1199, problem.GetProperty("errorCount").GetInt32());
        Assert.Equal(HouseholdImportService.MaxReportedErrors, Errors(problem).Count);
        Assert.Equal(0, await app.Db.CountAsync("households", "citizen_id = @id", new { id }));
    }

    [Fact]
    public async Task Only_staff_and_admins_import()
    {
        var before = await app.Db.CountAsync("households");
        foreach (var client in new[] { await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]), await app.ClientAsync(Role.Viewer) })
            await Seed.ProblemAsync(await UploadAsync(client, Csv(false, Row(Seed.NewCitizenId(), "ก", "540101")), "a.csv"), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }
}
