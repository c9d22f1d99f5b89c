using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Households;

namespace Housing.Tests.Households;

public sealed class HouseholdApiTests(TestApp app) : IClassFixture<TestApp>
{
    static object Body(string citizenId, string subdistrict = "540101", string headName = "นางคำแปง ใจดี") => new
    {
        citizenId, headName, houseNo = "45", villageNo = 3, subdistrictCode = subdistrict, members = 5, monthlyIncome = 3200.50m,
        vulnerabilities = new[] { "elderly", "bedridden" }, housingProblem = "บ้านทรุดโทรม", landTenure = "permitted",
    };

    [Fact]
    public async Task Registering_answers_201_with_the_ID_masked_and_stores_every_field()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var h = await Seed.CreatedAsync<HouseholdView>(await staff.PostAsJsonAsync("/api/v1/households", Body(CitizenId.Format(id))));
        Assert.Equal((CitizenId.Mask(id), (string?)null, "นางคำแปง ใจดี", "45", (int?)3, "540101", "ในเวียง", 5, 3200.50m),
            (h.CitizenIdMasked, h.CitizenId, h.HeadName, h.HouseNo, h.VillageNo, h.SubdistrictCode, h.SubdistrictNameTh, h.Members, h.MonthlyIncome));
        Assert.Equal(["elderly", "bedridden"], h.Vulnerabilities);
        Assert.Equal(("บ้านทรุดโทรม", "permitted"), (h.HousingProblem, h.LandTenure));
        Assert.Equal(id, await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", new { h.Id }));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'household.create' AND entity_id = @id", new { id = h.Id.ToString() }));
        // The audit log keeps the mask, not the ID.
        Assert.Equal(0, await app.Db.CountAsync("audit_log", "after::text LIKE '%' || @id || '%'", new { id }));
    }

    [Fact]
    public async Task A_bad_checksum_is_400_on_citizenId_and_changes_nothing()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var good = Seed.NewCitizenId();
        var bad = good[..12] + (char)('0' + (good[12] - '0' + 1) % 10);
        var before = await app.Db.CountAsync("households");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync("/api/v1/households", Body(bad)), HttpStatusCode.BadRequest);
        Assert.Equal("เลขประจำตัวประชาชนไม่ถูกต้อง (ต้องเป็นตัวเลข 13 หลักและเลขตรวจสอบถูกต้อง)", problem.GetProperty("errors").GetProperty("citizenId")[0].GetString());
        using var english = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households") { Content = JsonContent.Create(Body(bad)) };
        english.Headers.AcceptLanguage.ParseAdd("en-GB");
        problem = await Seed.ProblemAsync(await staff.SendAsync(english), HttpStatusCode.BadRequest);
        Assert.Equal("The citizen ID is not valid (13 digits with a matching check digit).", problem.GetProperty("errors").GetProperty("citizenId")[0].GetString());
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task The_same_citizen_ID_again_is_409_naming_the_existing_household_only_inside_its_area_and_changes_nothing()
    {
        var phrae = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var saraburi = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        var id = Seed.NewCitizenId();
        var first = await Seed.HouseholdAsync(phrae, "540101", citizenId: id);
        var before = await app.Db.CountAsync("households");
        // In any province, program or year: a home is not funded twice; another province's staff learn only that (RegisteredElsewhereTests).
        var elsewhere = await Seed.ProblemAsync(await saraburi.PostAsJsonAsync("/api/v1/households", Body(id, "190101")), HttpStatusCode.Conflict);
        Assert.False(elsewhere.TryGetProperty("existingId", out _));
        var problem = await Seed.ProblemAsync(await phrae.PostAsJsonAsync("/api/v1/households", Body(id, "540102")), HttpStatusCode.Conflict);
        Assert.Equal(first.Id, problem.GetProperty("existingId").GetInt64());
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Theory]
    [InlineData("headName", "")]
    [InlineData("members", "0")]
    [InlineData("villageNo", "100")]
    [InlineData("monthlyIncome", "-1")]
    [InlineData("landTenure", "stolen")]
    [InlineData("subdistrictCode", "999999")]
    [InlineData("vulnerabilities", "poor")]
    public async Task Bad_fields_are_400_by_field(string field, string value)
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var body = new Dictionary<string, object?>
        {
            ["citizenId"] = Seed.NewCitizenId(), ["headName"] = "ก", ["houseNo"] = "1", ["villageNo"] = 1, ["subdistrictCode"] = "540101",
            ["members"] = 1, ["monthlyIncome"] = 0m, ["landTenure"] = "owned",
        };
        body[field] = field switch
        {
            "members" or "villageNo" => int.Parse(value),
            "monthlyIncome" => decimal.Parse(value),
            "vulnerabilities" => new[] { value },
            _ => value,
        };
        var before = await app.Db.CountAsync("households");
        var problem = await Seed.ProblemAsync(await staff.PostAsJsonAsync("/api/v1/households", body), HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task Only_the_areas_staff_register_households_there()
    {
        var before = await app.Db.CountAsync("households");
        foreach (var client in new[] { await app.ClientAsync(Role.ProvincialStaff, ["19"]), await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]),
                     await app.ClientAsync(Role.Viewer) })
            await Seed.ProblemAsync(await client.PostAsJsonAsync("/api/v1/households", Body(Seed.NewCitizenId())), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task The_full_ID_shows_only_on_the_detail_to_an_admin_and_the_areas_staff_and_reads_outside_the_area_are_404()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var h = await Seed.HouseholdAsync(staff, "540102", citizenId: id);
        Assert.Equal(id, (await staff.GetFromJsonAsync<HouseholdView>($"/api/v1/households/{h.Id}"))!.CitizenId);
        Assert.Equal(id, (await (await app.ClientAsync(Role.Admin)).GetFromJsonAsync<HouseholdView>($"/api/v1/households/{h.Id}"))!.CitizenId);
        foreach (var reader in new[] { await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]), await app.ClientAsync(Role.Viewer) })
        {
            var seen = await reader.GetFromJsonAsync<HouseholdView>($"/api/v1/households/{h.Id}");
            Assert.Equal((null, CitizenId.Mask(id)), (seen!.CitizenId, seen.CitizenIdMasked));
        }
        foreach (var outsider in new[] { await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]), await app.ClientAsync(Role.ProvincialStaff, ["19"]),
                     await app.ClientAsync(Role.Viewer, ["19"]) })
            await Seed.ProblemAsync(await outsider.GetAsync($"/api/v1/households/{h.Id}"), HttpStatusCode.NotFound);
        await Seed.ProblemAsync(await staff.GetAsync("/api/v1/households/999999999"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_page_far_past_the_end_is_an_empty_page_not_an_error()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var page = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode=540101&page={int.MaxValue}&pageSize=200");
        Assert.Empty(page!.Items);
        Assert.Equal(int.MaxValue, page.Page);
        var admin = await app.ClientAsync(Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/audit?page={int.MaxValue}&pageSize=500")).StatusCode);
    }

    [Fact]
    public async Task Who_saw_a_full_citizen_ID_is_in_the_audit_log_and_masked_views_are_not()
    {
        var staffUser = await app.CreateUserAsync(Role.ProvincialStaff, ["54"]);
        var staff = await app.ClientForAsync(staffUser.Username);
        var h = await Seed.HouseholdAsync(staff, "540102");
        await staff.GetAsync($"/api/v1/households/{h.Id}");
        await staff.GetAsync($"/api/v1/households/{h.Id}");
        await (await app.ClientAsync(Role.Viewer)).GetAsync($"/api/v1/households/{h.Id}");
        var views = await app.Db.QueryAsync<string>(
            "SELECT actor_name FROM audit_log WHERE action = 'household.view_citizen_id' AND entity_id = @id ORDER BY id", new { id = h.Id.ToString() });
        Assert.Equal([staffUser.Username, staffUser.Username], views);
        // The audit log itself never holds the full ID.
        Assert.Equal(0, await app.Db.CountAsync("audit_log", "after::text LIKE '%' || (SELECT citizen_id FROM households WHERE id = @id) || '%'", new { id = h.Id }));
    }

    [Fact]
    public async Task Search_by_name_ID_and_village_in_pages_within_the_callers_area()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        // Its own subdistrict, so counts do not depend on other tests.
        const string sub = "540110";
        var made = new List<HouseholdView>();
        for (var i = 0; i < 7; i++) made.Add(await Seed.HouseholdAsync(staff, sub, i < 3 ? $"นายสมชาย ทองดี {i}" : $"นางสมศรี มีสุข {i}", villageNo: i % 2 + 1));

        var page1 = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}&page=1&pageSize=5");
        Assert.Equal((7L, 5, 1, 5), (page1!.Total, page1.Items.Count, page1.Page, page1.PageSize));
        var page2 = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}&page=2&pageSize=5");
        Assert.Equal(made.Skip(5).Select(h => h.Id), page2!.Items.Select(h => h.Id));
        Assert.All(page2.Items, h => Assert.Null(h.CitizenId));
        var past = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}&page=9&pageSize=5");
        Assert.Equal((7L, 0), (past!.Total, past.Items.Count));

        var byName = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}&q={Uri.EscapeDataString("สมชาย")}");
        Assert.Equal(made.Take(3).Select(h => h.Id), byName!.Items.Select(h => h.Id));
        var id = await app.Db.ScalarAsync<string>("SELECT citizen_id FROM households WHERE id = @Id", new { made[4].Id });
        // A full ID goes in the body, never in the URL.
        var byId = await (await staff.PostAsJsonAsync("/api/v1/households/search", new { q = CitizenId.Format(id) })).Content.ReadFromJsonAsync<Paged<HouseholdView>>();
        Assert.Equal([made[4].Id], byId!.Items.Select(h => h.Id));
        var byVillage = await staff.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}&villageNo=2");
        Assert.Equal(made.Where((_, i) => i % 2 == 1).Select(h => h.Id), byVillage!.Items.Select(h => h.Id));

        var outsider = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        Assert.Equal(0, (await outsider.GetFromJsonAsync<Paged<HouseholdView>>($"/api/v1/households?subdistrictCode={sub}"))!.Total);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: [sub]);
        Assert.Equal(7, (await treasurer.GetFromJsonAsync<Paged<HouseholdView>>("/api/v1/households"))!.Total);
    }
}
