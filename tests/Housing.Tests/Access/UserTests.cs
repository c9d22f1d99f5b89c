using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;

namespace Housing.Tests.Access;

public sealed class UserTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task An_admin_creates_a_treasurer_and_the_audit_log_records_who_did_it_without_the_password()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var client = await app.ClientForAsync(admin.Username);
        var r = await client.PostAsJsonAsync("/api/v1/users", new
        {
            username = "treasurer.naiwiang.2", password = "a-long-secret-2565", role = "Treasurer", provinceCodes = Array.Empty<string>(), subdistrictCodes = new[] { "540101" },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/users/{id}", r.Headers.Location!.ToString());
        Assert.Equal("Treasurer", body.GetProperty("role").GetString());
        Assert.False(body.TryGetProperty("passwordHash", out _));

        var audit = (await app.Db.QueryAsync<(long? ActorId, string ActorName, string Action, string Entity, string EntityId, string? Before, string After)>(
            "SELECT actor_id, actor_name, action, entity, entity_id, before::text, after::text FROM audit_log WHERE entity = 'user' AND entity_id = @id", new { id = id.ToString() })).Single();
        Assert.Equal((admin.UserId, admin.Username, "user.create", "user", id.ToString()), (audit.ActorId, audit.ActorName, audit.Action, audit.Entity, audit.EntityId));
        Assert.Null(audit.Before);
        var after = JsonDocument.Parse(audit.After).RootElement;
        Assert.Equal("treasurer.naiwiang.2", after.GetProperty("username").GetString());
        Assert.Equal(["540101"], after.GetProperty("subdistrictCodes").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.DoesNotContain("a-long-secret-2565", audit.After);
        Assert.DoesNotContain("AQAAAA", audit.After); // no password hash either

        var token = await app.ClientForAsync("treasurer.naiwiang.2", "a-long-secret-2565");
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Theory]
    [InlineData(Role.ProvincialStaff)]
    [InlineData(Role.Treasurer)]
    [InlineData(Role.Viewer)]
    public async Task Only_an_admin_may_create_users(Role role)
    {
        var client = await app.ClientAsync(role, provinces: role == Role.ProvincialStaff ? ["54"] : null, subdistricts: role == Role.Treasurer ? ["540101"] : null);
        var before = await app.Db.CountAsync("users");
        var r = await client.PostAsJsonAsync("/api/v1/users", new { username = "sneaky", password = "a-long-secret-2565", role = "Admin" });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal(before, await app.Db.CountAsync("users"));
    }

    [Fact]
    public async Task Bad_input_is_a_400_with_every_field_named_and_nothing_is_written()
    {
        var client = await app.ClientAsync(Role.Admin);
        var users = await app.Db.CountAsync("users");
        var audit = await app.Db.CountAsync("audit_log");
        var r = await client.PostAsJsonAsync("/api/v1/users", new
        {
            username = "x", password = "short", role = "Mayor", provinceCodes = new[] { "99" }, subdistrictCodes = new[] { "999999" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var errors = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["password", "provinceCodes", "role", "subdistrictCodes", "username"], errors.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal("รหัสผ่านต้องยาวอย่างน้อย 10 ตัวอักษร", errors.GetProperty("password")[0].GetString());
        Assert.Equal(users, await app.Db.CountAsync("users"));
        Assert.Equal(audit, await app.Db.CountAsync("audit_log"));
    }

    [Fact]
    public async Task A_username_taken_in_any_letter_case_is_a_409()
    {
        var client = await app.ClientAsync(Role.Admin);
        var first = await client.PostAsJsonAsync("/api/v1/users", new { username = "staff.ranong", password = "a-long-secret-2565", role = "ProvincialStaff", provinceCodes = new[] { "85" } });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var again = await client.PostAsJsonAsync("/api/v1/users", new { username = "Staff.Ranong", password = "a-long-secret-2565", role = "ProvincialStaff", provinceCodes = new[] { "85" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("users", "lower(username) = 'staff.ranong'"));
    }

    [Fact]
    public async Task A_treasurer_needs_a_subdistrict_and_staff_a_province()
    {
        var client = await app.ClientAsync(Role.Admin);
        var t = await client.PostAsJsonAsync("/api/v1/users", new { username = "treasurer.none", password = "a-long-secret-2565", role = "Treasurer" });
        Assert.Equal(HttpStatusCode.BadRequest, t.StatusCode);
        Assert.True((await t.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("subdistrictCodes", out _));
        var s = await client.PostAsJsonAsync("/api/v1/users", new { username = "staff.none", password = "a-long-secret-2565", role = "ProvincialStaff" });
        Assert.True((await s.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("provinceCodes", out _));
    }

    [Fact]
    public async Task No_SQL_session_can_rewrite_or_delete_the_audit_log()
    {
        await app.CreateUserAsync(Role.Viewer);
        var rows = await app.Db.CountAsync("audit_log");
        var update = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => app.Db.ExecuteAsync("UPDATE audit_log SET actor_name = 'someone else'"));
        Assert.Equal("42501", update.SqlState);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => app.Db.ExecuteAsync("DELETE FROM audit_log"));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => app.Db.ExecuteAsync("TRUNCATE audit_log"));
        Assert.Equal(rows, await app.Db.CountAsync("audit_log"));
    }
}

/// <summary>First start of a real deployment: no users, a configured bootstrap password.</summary>
public sealed class BootstrapAdminApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:BootstrapAdmin:Password"] = "bootstrap-secret-2565" };
}

public sealed class BootstrapAdminTests(BootstrapAdminApp app) : IClassFixture<BootstrapAdminApp>
{
    [Fact]
    public async Task With_no_user_the_configured_password_creates_admin_once()
    {
        Assert.Equal(1, await app.Db.CountAsync("users"));
        Assert.Equal("Admin", await app.Db.ScalarAsync<string>("SELECT role FROM users WHERE username = 'admin'"));
        var client = await app.ClientForAsync("admin", "bootstrap-secret-2565");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/users")).StatusCode);
        Assert.False(await app.Get<UserService>().EnsureBootstrapAdminAsync("another-password-1"));
        Assert.Equal(1, await app.Db.CountAsync("users"));
    }
}
