using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Geography;

namespace Housing.Tests.Geography;

public sealed class GeographyApiTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task Every_province_district_and_subdistrict_of_Thailand_is_loaded()
    {
        Assert.Equal(77, await app.Db.CountAsync("provinces"));
        Assert.Equal(928, await app.Db.CountAsync("districts"));
        Assert.Equal(7436, await app.Db.CountAsync("subdistricts"));
    }

    [Fact]
    public async Task Provinces_lists_all_77_with_Thai_and_English_names()
    {
        var client = await app.ClientAsync(Role.Viewer);
        var provinces = await client.GetFromJsonAsync<List<Province>>("/api/v1/provinces");
        Assert.Equal(77, provinces!.Count);
        Assert.Equal(new Province("54", "แพร่", "Phrae"), provinces.Single(p => p.Code == "54"));
        Assert.Equal(new Province("10", "กรุงเทพมหานคร", "Bangkok"), provinces[0]);
    }

    [Fact]
    public async Task Sai_Thai_is_subdistrict_810115_in_Mueang_Krabi_8101()
    {
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var districts = await client.GetFromJsonAsync<List<District>>("/api/v1/provinces/81/districts");
        Assert.Equal("เมืองกระบี่", districts!.Single(d => d.Code == "8101").NameTh);
        var subdistricts = await client.GetFromJsonAsync<List<Subdistrict>>("/api/v1/districts/8101/subdistricts");
        var saiThai = subdistricts!.Single(s => s.Code == "810115");
        Assert.Equal(new Subdistrict("810115", "8101", "ไสไทย", "Sai Thai", "81000"), saiThai);
    }

    [Fact]
    public async Task An_unknown_province_or_district_is_a_404_problem()
    {
        var client = await app.ClientAsync(Role.Viewer);
        var r1 = await client.GetAsync("/api/v1/provinces/99/districts");
        Assert.Equal(HttpStatusCode.NotFound, r1.StatusCode);
        Assert.Equal("application/problem+json", r1.Content.Headers.ContentType!.MediaType);
        var r2 = await client.GetAsync("/api/v1/districts/9999/subdistricts");
        Assert.Equal(HttpStatusCode.NotFound, r2.StatusCode);
    }

    [Fact]
    public async Task Loading_the_same_geography_again_changes_nothing()
    {
        Assert.False(await GeographySeeder.SeedAsync(app.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.Equal(7436, await app.Db.CountAsync("subdistricts"));
    }
}
