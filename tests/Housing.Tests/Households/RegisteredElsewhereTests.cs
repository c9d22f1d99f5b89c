using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Households;
using Housing.Imports;

namespace Housing.Tests.Households;

/// <summary>A citizen ID registered in another province: the answer names no record, every such refusal is audited with
/// the ID masked, and past the hourly limit the user gets 429, by the form and by the import alike.</summary>
public sealed class RegisteredElsewhereTests(TestApp app) : IClassFixture<TestApp>
{
    static object Body(string citizenId, string subdistrict) => new
    {
        citizenId, headName = "นายทดสอบ ใจดี", houseNo = "12/3", villageNo = 1, subdistrictCode = subdistrict,
        members = 4, monthlyIncome = 4500m, vulnerabilities = new[] { "elderly" }, housingProblem = "หลังคารั่ว", landTenure = "owned",
    };

    static async Task<HttpResponseMessage> RegisterAsync(HttpClient client, string citizenId, string subdistrict, string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households") { Content = JsonContent.Create(Body(citizenId, subdistrict)) };
        if (language is not null) request.Headers.AcceptLanguage.ParseAdd(language);
        return await client.SendAsync(request);
    }

    static async Task<HttpResponseMessage> ImportAsync(HttpClient client, IEnumerable<(string Id, string Subdistrict)> rows)
    {
        using var s = new MemoryStream();
        ImportTemplate.WriteCsv(s, english: false, rows.Select(r => new object?[] { r.Id, "นายนำเข้า ทดสอบ", "1/1", 1, r.Subdistrict, 3, 2000m, null, null, null }));
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(s.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "probe.csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households/import") { Content = form };
        request.Headers.AcceptLanguage.ParseAdd("en-GB");
        return await client.SendAsync(request);
    }

    async Task<(Caller User, HttpClient Client)> StaffAsync(string province)
    {
        var user = await app.CreateUserAsync(Role.ProvincialStaff, [province]);
        return (user, await app.ClientForAsync(user.Username));
    }

    [Fact]
    public async Task Outside_the_area_a_registered_ID_is_said_to_be_elsewhere_with_no_record_and_is_audited_masked()
    {
        var (_, phrae) = await StaffAsync("54");
        var id = Seed.NewCitizenId();
        var existing = await Seed.HouseholdAsync(phrae, "540101", citizenId: id);
        var (saraburiUser, saraburi) = await StaffAsync("19");

        var response = await RegisterAsync(saraburi, id, "190101", "en-GB");
        var text = await response.Content.ReadAsStringAsync();
        var problem = await Seed.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(RegisteredElsewhere.Message.En, problem.GetProperty("detail").GetString());
        Assert.False(problem.TryGetProperty("existingId", out _));
        Assert.DoesNotContain(existing.Id.ToString(), text);
        Assert.DoesNotContain("Phrae", text);
        Assert.Equal(RegisteredElsewhere.Message.Th,
            (await Seed.ProblemAsync(await RegisterAsync(saraburi, id, "190101"), HttpStatusCode.Conflict)).GetProperty("detail").GetString());

        var audit = await app.Db.QueryAsync<(string ActorName, string? EntityId, string After)>(
            "SELECT actor_name, entity_id, after::text FROM audit_log WHERE action = @AuditAction AND actor_id = @UserId ORDER BY id",
            new { RegisteredElsewhere.AuditAction, saraburiUser.UserId });
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a =>
        {
            Assert.Equal((saraburiUser.Username, (string?)null), (a.ActorName, a.EntityId));
            Assert.Equal(CitizenId.Mask(id), JsonDocument.Parse(a.After).RootElement.GetProperty("citizenIdMasked").GetString());
            Assert.DoesNotContain(id, a.After);
        });

        // Inside the area the record is still named, so the office can find it.
        var own = await Seed.ProblemAsync(await RegisterAsync(phrae, id, "540102"), HttpStatusCode.Conflict);
        Assert.Equal(existing.Id, own.GetProperty("existingId").GetInt64());
    }

    [Fact]
    public async Task Past_the_hourly_limit_the_form_answers_429_in_Thai_or_English()
    {
        var (_, phrae) = await StaffAsync("54");
        var id = Seed.NewCitizenId();
        await Seed.HouseholdAsync(phrae, "540101", citizenId: id);
        var (user, saraburi) = await StaffAsync("19");
        for (var i = 0; i < RegisteredElsewhere.MaxPerHour; i++)
            Assert.Equal(HttpStatusCode.Conflict, (await RegisterAsync(saraburi, id, "190101")).StatusCode);
        var th = await Seed.ProblemAsync(await RegisterAsync(saraburi, id, "190101"), (HttpStatusCode)429);
        Assert.StartsWith("ตรวจพบเลขประจำตัวประชาชน", th.GetProperty("detail").GetString());
        var en = await Seed.ProblemAsync(await RegisterAsync(saraburi, id, "190101", "en-GB"), (HttpStatusCode)429);
        Assert.StartsWith("More than 20 citizen IDs registered in other areas", en.GetProperty("detail").GetString());
        Assert.Equal(RegisteredElsewhere.MaxPerHour + 2, await app.Db.CountAsync("audit_log", "action = @AuditAction AND actor_id = @UserId",
            new { RegisteredElsewhere.AuditAction, user.UserId }));
        // Another user is not held back by this one's refusals.
        var (_, other) = await StaffAsync("19");
        Assert.Equal(HttpStatusCode.Conflict, (await RegisterAsync(other, id, "190101")).StatusCode);
    }

    [Fact]
    public async Task The_import_reports_out_of_area_IDs_without_their_records_audits_each_and_throttles()
    {
        var (_, phrae) = await StaffAsync("54");
        var ids = Enumerable.Range(0, RegisteredElsewhere.MaxPerHour + 1).Select(_ => Seed.NewCitizenId()).ToArray();
        var existing = new List<long>();
        foreach (var id in ids) existing.Add((await Seed.HouseholdAsync(phrae, "540101", citizenId: id)).Id);
        var before = await app.Db.CountAsync("households");

        var (user, saraburi) = await StaffAsync("19");
        var response = await ImportAsync(saraburi, [(ids[0], "190101"), (Seed.NewCitizenId(), "190101")]);
        var text = await response.Content.ReadAsStringAsync();
        var problem = await Seed.ProblemAsync(response, HttpStatusCode.BadRequest);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "citizenId", RegisteredElsewhere.Message.En),
            (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        // Neither the household's record (its id, as any number in the answer but the status and row) nor the full citizen ID comes back: the digits of
        // an id alone would also match the problem's links and row numbers.
        Assert.DoesNotContain(Numbers(JsonDocument.Parse(text).RootElement), n => n == existing[0]);
        Assert.DoesNotContain(ids[0], text);
        var after = await app.Db.ScalarAsync<string>("SELECT after::text FROM audit_log WHERE action = @AuditAction AND actor_id = @UserId",
            new { RegisteredElsewhere.AuditAction, user.UserId });
        Assert.Equal(CitizenId.Mask(ids[0]), JsonDocument.Parse(after).RootElement.GetProperty("citizenIdMasked").GetString());

        // One file probing more IDs than the hour allows is audited in full and answered 429, with no list.
        var (other, probing) = await StaffAsync("19");
        var many = await ImportAsync(probing, ids.Select(i => (i, "190101")));
        var tooMany = await Seed.ProblemAsync(many, (HttpStatusCode)429);
        Assert.False(tooMany.TryGetProperty("errors", out _));
        Assert.Equal(ids.Length, await app.Db.CountAsync("audit_log", "action = @AuditAction AND actor_id = @UserId",
            new { RegisteredElsewhere.AuditAction, other.UserId }));
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    /// <summary>Every number anywhere in a JSON answer but a problem's own (its status, an error's row).</summary>
    static IEnumerable<long> Numbers(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetInt64(out var n) => [n],
        JsonValueKind.Object => e.EnumerateObject().Where(p => p.Name is not ("status" or "row")).SelectMany(p => Numbers(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Numbers),
        _ => [],
    };
}
