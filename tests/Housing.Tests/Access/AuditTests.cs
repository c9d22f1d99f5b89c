using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;

namespace Housing.Tests.Access;

public sealed class AuditTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task An_admin_filters_the_audit_log_by_actor_and_action()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var client = await app.ClientForAsync(admin.Username);
        foreach (var name in new[] { "audit.one", "audit.two" })
            (await client.PostAsJsonAsync("/api/v1/users", new { username = name, password = "a-long-secret-2565", role = "Viewer" })).EnsureSuccessStatusCode();

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit?actor={admin.Username}&action=user.create&pageSize=1");
        Assert.Equal(2, page.GetProperty("total").GetInt64());
        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(admin.Username, item.GetProperty("actorName").GetString());
        Assert.Contains("audit.two", item.GetProperty("after").GetString()); // newest first

        var html = await client.GetStringAsync($"/Access/Audit?actor={admin.Username}");
        Assert.Contains("ทั้งหมด 2 รายการ", html);
    }

    [Theory]
    [InlineData(Role.ProvincialStaff)]
    [InlineData(Role.Viewer)]
    public async Task Nobody_but_an_admin_reads_the_audit_log(Role role)
    {
        var client = await app.ClientAsync(role, provinces: role == Role.ProvincialStaff ? ["54"] : null);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/Access/Audit")).StatusCode);
    }

    [Fact]
    public async Task A_bad_filter_is_a_400_naming_the_field()
    {
        var client = await app.ClientAsync(Role.Admin);
        var r = await client.GetAsync("/api/v1/audit?pageSize=10000&from=2026-02-01&to=2026-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var errors = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["pageSize", "to"], errors.EnumerateObject().Select(p => p.Name).Order().ToArray());
    }
}
