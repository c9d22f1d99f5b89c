using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Tests.Disbursements;
using Housing.Transfers;

namespace Housing.Tests.Transfers;

public sealed class TransferApiTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task A_treasurer_records_a_tranche_received_from_CODI()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);

        var response = await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 679_250.00m, receivedOn = "2022-01-20", reference = "CODI-2565-0012" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var row = (await response.Content.ReadFromJsonAsync<TransferView>())!;
        Assert.Equal((home.ProjectId, 679_250.00m, new DateOnly(2022, 1, 20), "CODI-2565-0012"), (row.ProjectId, row.Amount, row.ReceivedOn, row.Reference));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'transfer.record' AND entity_id = @id", new { id = row.Id.ToString() }));
    }

    [Fact]
    public async Task A_transfer_without_a_reference_or_with_three_decimals_is_a_400_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var r1 = await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 100.001m, receivedOn = "2022-01-20", reference = "x" });
        var r2 = await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 100m, receivedOn = "2022-01-20", reference = " " });
        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, r2.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }

    [Fact]
    public async Task The_same_reference_again_is_recorded_once_and_with_other_figures_is_a_409()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var url = $"/api/v1/projects/{home.ProjectId}/transfers";
        var first = await client.PostAsJsonAsync(url, new { amount = 10_000m, receivedOn = "2022-01-20", reference = "CODI-1" });
        var again = await client.PostAsJsonAsync(url, new { amount = 10_000.00m, receivedOn = "2022-01-20", reference = " CODI-1 " });
        var other = await client.PostAsJsonAsync(url, new { amount = 9_000m, receivedOn = "2022-01-20", reference = "CODI-1" });
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, other.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }

    [Fact]
    public async Task Only_the_treasurers_of_the_subdistrict_record_transfers()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var body = new { amount = 100m, receivedOn = "2022-01-20", reference = "x" };
        var other = await (await app.ClientAsync(Role.Treasurer, subdistricts: ["190101"])).PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", body);
        var staff = await (await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"])).PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", body);
        var missing = await (await app.ClientAsync(Role.Admin)).PostAsJsonAsync("/api/v1/projects/999999/transfers", body);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, staff.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }
}
