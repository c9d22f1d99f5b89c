using System.Diagnostics;
using System.Net;
using Housing.Access;
using Npgsql;

namespace Housing.Tests.Access;

/// <summary>
/// The session check is answered from memory (<see cref="SessionCache"/>), yet a change made anywhere (another
/// instance, or straight in the database) still ends the user's sessions: the users trigger notifies every instance.
/// Lost notifications (the listening connection killed) make every check read the database until it listens again.
/// </summary>
public sealed class SessionCacheTests(TestApp app) : IClassFixture<TestApp>
{
    async Task<SessionCache> ListeningAsync()
    {
        var cache = app.Get<SessionCache>();
        var wait = Stopwatch.StartNew();
        while (!cache.Listening && wait.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        Assert.True(cache.Listening, "the session cache never started listening");
        return cache;
    }

    /// <summary>A change on "another instance": a plain UPDATE on a connection of its own, not through this app.</summary>
    async Task ChangeElsewhereAsync(string sql, long id)
    {
        await using var conn = new NpgsqlConnection(app.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("id", id);
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    /// <summary>Polls until the status is the expected one, for at most <paramref name="within"/>; returns how long it took.</summary>
    static async Task<TimeSpan> StatusWithinAsync(HttpClient client, HttpStatusCode expected, TimeSpan within)
    {
        var wait = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            using var response = await client.GetAsync("/api/v1/provinces");
            last = response.StatusCode;
            if (last == expected) return wait.Elapsed;
            await Task.Delay(10);
        } while (wait.Elapsed < within);
        Assert.Fail($"expected {(int)expected}, still {(int)last} after {within.TotalMilliseconds} ms");
        return wait.Elapsed;
    }

    [Fact]
    public async Task A_session_is_answered_from_memory_once_checked()
    {
        var cache = await ListeningAsync();
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = await app.ClientForAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);
        var counted = cache.Count;
        Assert.True(counted >= 1, $"cached sessions: {counted}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.True(await cache.IsCurrentAsync(user.UserId, Guid.Empty, default) is false);
    }

    [Fact]
    public async Task A_user_deactivated_in_the_database_by_another_instance_is_refused_within_a_second()
    {
        await ListeningAsync();
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = await app.ClientForAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode); // now cached

        await ChangeElsewhereAsync("UPDATE users SET is_active = false WHERE id = @id", user.UserId);
        var took = await StatusWithinAsync(client, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
        Assert.True(took < TimeSpan.FromSeconds(1), $"took {took.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_new_security_stamp_made_elsewhere_ends_a_cookie_session_too()
    {
        await ListeningAsync();
        var user = await app.CreateUserAsync(Role.Viewer);
        var cookie = await app.CookieClientAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/v1/provinces")).StatusCode);

        await ChangeElsewhereAsync("UPDATE users SET security_stamp = gen_random_uuid() WHERE id = @id", user.UserId);
        await StatusWithinAsync(cookie, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_change_through_the_api_ends_sessions_on_the_very_next_request()
    {
        var cache = await ListeningAsync();
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = await app.ClientForAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);
        Assert.True(await cache.IsCurrentAsync(user.UserId, Guid.Empty, default) is false);

        var admin = await app.ClientAsync(Role.Admin);
        using (var patch = await admin.PatchAsync($"/api/v1/users/{user.UserId}", System.Net.Http.Json.JsonContent.Create(new { isActive = false })))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        // No waiting: the instance that made the change forgot the session before answering.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task With_its_connection_killed_every_check_reads_the_database_until_it_listens_again()
    {
        var cache = await ListeningAsync();
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = await app.ClientForAsync(user.Username);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);

        // The listener's backend dies (a server restart, a network cut): its notifications would be lost.
        await using (var su = new NpgsqlConnection(app.SuperuserConnectionString))
        {
            await su.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'housing-sessions' AND datname = current_database()", su);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }
        var wait = Stopwatch.StartNew();
        while (cache.Listening && wait.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(10);
        Assert.False(cache.Listening);
        Assert.Equal(0, cache.Count);

        // A change while nobody listens is seen on the next request, since nothing is answered from memory now.
        await ChangeElsewhereAsync("UPDATE users SET is_active = false WHERE id = @id", user.UserId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/provinces")).StatusCode);

        await ListeningAsync(); // and it comes back by itself
        var other = await app.ClientAsync(Role.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/provinces")).StatusCode);
    }
}
