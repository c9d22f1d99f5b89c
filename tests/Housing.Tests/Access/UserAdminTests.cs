using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;

namespace Housing.Tests.Access;

public sealed class UserAdminTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<JsonElement> Json(HttpResponseMessage r) => await r.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task The_list_shows_each_user_with_area_activity_and_when_they_last_signed_in()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var treasurer = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101", "540102"]);
        var never = await app.CreateUserAsync(Role.Viewer);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await app.ClientForAsync(treasurer.Username);

        var users = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/users")).EnumerateArray().ToList();
        var t = users.Single(u => u.GetProperty("id").GetInt64() == treasurer.UserId);
        Assert.Equal((treasurer.Username, "Treasurer", true), (t.GetProperty("username").GetString(), t.GetProperty("role").GetString(), t.GetProperty("isActive").GetBoolean()));
        Assert.Equal(["540101", "540102"], t.GetProperty("subdistrictCodes").EnumerateArray().Select(x => x.GetString()!).Order().ToArray());
        Assert.Empty(t.GetProperty("provinceCodes").EnumerateArray());
        var last = t.GetProperty("lastSignInAt").GetDateTimeOffset();
        Assert.InRange(last, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(JsonValueKind.Null, users.Single(u => u.GetProperty("id").GetInt64() == never.UserId).GetProperty("lastSignInAt").ValueKind);
        Assert.DoesNotContain(users, u => u.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task A_deactivated_users_bearer_token_and_cookie_get_401_on_the_very_next_request()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var token = await app.ClientForAsync(user.Username);
        var cookie = await app.CookieClientAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/v1/provinces")).StatusCode);

        var r = await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { isActive = false });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.False((await Json(r)).GetProperty("isActive").GetBoolean());

        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cookie.GetAsync("/api/v1/provinces")).StatusCode);
        // A page answers with the sign-in page, and the cookie is gone.
        var page = await cookie.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var signIn = await app.Anonymous().PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = TestApp.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);

        // Reactivated: a new sign-in works, the old token stays dead.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { isActive = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientForAsync(user.Username)).GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task A_role_or_area_change_ends_the_users_sessions_and_is_audited_with_before_and_after()
    {
        var adminUser = await app.CreateUserAsync(Role.Admin);
        var admin = await app.ClientForAsync(adminUser.Username);
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var token = await app.ClientForAsync(user.Username);
        var cookie = await app.CookieClientAsync(user.Username);

        var r = await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { role = "Treasurer", subdistrictCodes = new[] { "540101" }, provinceCodes = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await Json(r);
        Assert.Equal(("Treasurer", "540101", 0), (body.GetProperty("role").GetString(), body.GetProperty("subdistrictCodes")[0].GetString(), body.GetProperty("provinceCodes").GetArrayLength()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cookie.GetAsync("/api/v1/provinces")).StatusCode);

        var audit = (await app.Db.QueryAsync<(long? ActorId, string Action, string Before, string After)>(
            "SELECT actor_id, action, before::text, after::text FROM audit_log WHERE entity = 'user' AND entity_id = @id AND action = 'user.update'",
            new { id = user.UserId.ToString() })).Single();
        Assert.Equal((adminUser.UserId, "user.update"), (audit.ActorId, audit.Action));
        var before = JsonDocument.Parse(audit.Before).RootElement;
        var after = JsonDocument.Parse(audit.After).RootElement;
        Assert.Equal(("ProvincialStaff", "54"), (before.GetProperty("role").GetString(), before.GetProperty("provinceCodes")[0].GetString()));
        Assert.Equal(("Treasurer", "540101"), (after.GetProperty("role").GetString(), after.GetProperty("subdistrictCodes")[0].GetString()));
        Assert.DoesNotContain("AQAAAA", audit.Before + audit.After);

        // An area change alone ends the new sessions too.
        var again = await app.ClientForAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { subdistrictCodes = new[] { "540102" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task A_display_name_change_keeps_the_sessions_and_bad_changes_are_400_404_403()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var token = await app.ClientForAsync(user.Username);
        var r = await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { displayName = "นางสมศรี เหรัญญิก" });
        Assert.Equal("นางสมศรี เหรัญญิก", (await Json(r)).GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/provinces")).StatusCode);

        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var audits = await app.Db.CountAsync("audit_log");
        var bad = await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { subdistrictCodes = Array.Empty<string>(), provinceCodes = new[] { "99" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["provinceCodes", "subdistrictCodes"], (await Json(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { role = "Mayor" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync("/api/v1/users/987654321", new { isActive = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PatchAsJsonAsync($"/api/v1/users/{user.UserId}", new { isActive = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsJsonAsync($"/api/v1/users/{user.UserId}/password", new { newPassword = "taken-over-2565" })).StatusCode);
        Assert.Equal(audits, await app.Db.CountAsync("audit_log"));
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task An_admin_sets_a_new_password_the_users_sessions_end_and_only_the_new_one_works()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var user = await app.CreateUserAsync(Role.Viewer);
        var token = await app.ClientForAsync(user.Username);

        var weak = await admin.PostAsJsonAsync($"/api/v1/users/{user.UserId}/password", new { newPassword = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await Json(weak)).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/provinces")).StatusCode);

        var r = await admin.PostAsJsonAsync($"/api/v1/users/{user.UserId}/password", new { newPassword = "a-new-secret-2569" });
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = TestApp.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientForAsync(user.Username, "a-new-secret-2569")).GetAsync("/api/v1/provinces")).StatusCode);
        var after = await app.Db.ScalarAsync<string>("SELECT after::text FROM audit_log WHERE action = 'user.set_password' AND entity_id = @id", new { id = user.UserId.ToString() });
        Assert.Contains("\"password\": \"changed\"", after);
        Assert.DoesNotContain("a-new-secret-2569", after);
        Assert.DoesNotContain("AQAAAA", after);
    }

    [Fact]
    public async Task Changing_ones_own_password_ends_every_session_from_before_the_one_used_included()
    {
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        var used = await app.ClientForAsync(user.Username);
        var other = await app.CookieClientAsync(user.Username);

        var wrong = await used.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = "not-my-password", newPassword = "my-own-secret-2569" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("รหัสผ่านปัจจุบันไม่ถูกต้อง", (await Json(wrong)).GetProperty("errors").GetProperty("currentPassword")[0].GetString());
        var same = await used.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = TestApp.Password, newPassword = TestApp.Password });
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await used.GetAsync("/api/v1/provinces")).StatusCode);

        var r = await used.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = TestApp.Password, newPassword = "my-own-secret-2569" });
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await used.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientForAsync(user.Username, "my-own-secret-2569")).GetAsync("/api/v1/provinces")).StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", $"action = 'user.change_password' AND actor_id = {user.UserId}"));
    }
}

/// <summary>Its own database: the only admins are the ones a test makes.</summary>
public sealed class LastAdminTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_last_active_admin_cannot_be_deactivated_or_demoted_even_by_two_admins_at_once()
    {
        var a = await app.CreateUserAsync(Role.Admin);
        var clientA = await app.ClientForAsync(a.Username);
        foreach (var change in new object[] { new { isActive = false }, new { role = "Viewer" } })
        {
            var r = await clientA.PatchAsJsonAsync($"/api/v1/users/{a.UserId}", change);
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal("ต้องมีผู้ดูแลระบบที่ใช้งานได้อย่างน้อยหนึ่งคน: เพิ่มหรือเปิดใช้ผู้ดูแลระบบคนอื่นก่อน", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync("/api/v1/users")).StatusCode); // still signed in: nothing changed

        // Two admins demote each other at the same moment, ten times over: one of them always stays an admin.
        for (var i = 0; i < 10; i++)
        {
            var b = await app.CreateUserAsync(Role.Admin);
            var clientB = await app.ClientForAsync(b.Username);
            var answers = await Task.WhenAll(
                clientA.PatchAsJsonAsync($"/api/v1/users/{b.UserId}", new { role = "Viewer" }),
                clientB.PatchAsJsonAsync($"/api/v1/users/{a.UserId}", new { role = "Viewer" }));
            // The loser is no longer an admin by the time its change runs: its token is dead (401), or, when it got past
            // the sign-in check just before, the service finds it demoted (403).
            Assert.Single(answers, x => x.StatusCode == HttpStatusCode.OK);
            Assert.Single(answers, x => x.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
            Assert.Equal(1, await app.Db.CountAsync("users", "role = 'Admin' AND is_active"));
            if (answers[1].StatusCode == HttpStatusCode.OK) { a = b; clientA = clientB; } // B demoted A: B is the admin now
        }
    }
}
