using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Housing.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Access;

public sealed class SignInTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<JsonElement> Problem(HttpResponseMessage r)
    {
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Without_a_token_every_API_endpoint_but_sign_in_answers_401()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(endpoints);
        var anonymous = Anonymous();
        var client = app.Anonymous();
        foreach (var e in endpoints)
        {
            var path = Regex.Replace(e.RoutePattern.RawText!, "{[^}]+}", "1");
            foreach (var method in e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
                var expected = anonymous.Contains($"{method} {e.RoutePattern.RawText}") ? response.StatusCode : HttpStatusCode.Unauthorized;
                Assert.True(expected == response.StatusCode, $"{method} {path} answered {(int)response.StatusCode}");
            }
        }
        HashSet<string> Anonymous() => endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText}")).ToHashSet();
    }

    [Fact]
    public async Task Only_sign_in_health_and_the_OpenAPI_document_are_open()
    {
        var client = app.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var openapi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/provinces", out _));
        var anonymousApi = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal) && e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => e.RoutePattern.RawText).ToList();
        Assert.Equal(["/api/v1/auth/token"], anonymousApi);
    }

    [Fact]
    public async Task A_token_signs_the_API_in_and_expires_when_it_says()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        var before = DateTimeOffset.UtcNow;
        var body = await (await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = TestApp.Password })).Content.ReadFromJsonAsync<JsonElement>();
        var expiresAt = body.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, before.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
        client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("accessToken").GetString() + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_401_and_five_in_a_row_lock_the_account_even_for_the_right_one()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        for (var i = 1; i <= 4; i++)
        {
            var r = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = "wrong-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", (await Problem(r)).GetProperty("detail").GetString());
        }
        var fifth = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = "wrong-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, fifth.StatusCode);
        Assert.True((await Problem(fifth)).GetProperty("locked").GetBoolean());

        var english = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/token") { Content = JsonContent.Create(new { username = user.Username, password = TestApp.Password }) };
        english.Headers.AcceptLanguage.ParseAdd("en");
        var right = await client.SendAsync(english);
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        var problem = await Problem(right);
        Assert.StartsWith("Too many failed sign-ins with this name from here: signing in is paused.", problem.GetProperty("detail").GetString());
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'user.locked' AND entity_id = @id", new { id = user.UserId.ToString() }));
    }

    [Fact]
    public async Task An_unknown_user_gets_the_same_answer_as_a_wrong_password()
    {
        var r = await app.Anonymous().PostAsJsonAsync("/api/v1/auth/token", new { username = "nobody-here", password = "whatever-it-is" });
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", (await Problem(r)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_sign_in_page_sets_a_cookie_that_opens_pages_and_the_API()
    {
        var user = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var client = app.Anonymous();
        var redirect = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("http://localhost/Access/SignIn", redirect.Headers.Location!.ToString());

        var form = await client.GetStringAsync("/Access/SignIn");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var post = await client.PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user.Username, ["password"] = TestApp.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        var cookie = post.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("housing.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("เจ้าหน้าที่ พอช. จังหวัด", await home.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/provinces")).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_post_without_the_anti_forgery_token_is_refused()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var r = await app.Anonymous().PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user.Username, ["password"] = TestApp.Password,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.False(r.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("housing.auth=", StringComparison.Ordinal)));
    }
}

public sealed class SecurityHeaderTests(TestApp app) : IClassFixture<TestApp>
{
    [Theory]
    [InlineData("/Access/SignIn")]
    [InlineData("/api/v1/provinces")]
    [InlineData("/healthz")]
    public async Task Every_answer_forbids_inline_script_framing_and_sniffing(string path)
    {
        var r = await app.Anonymous().GetAsync(path);
        var csp = r.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Equal("script-src 'self'", csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src", StringComparison.Ordinal)));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task No_page_carries_an_inline_script()
    {
        var html = await app.Anonymous().GetStringAsync("/Access/SignIn");
        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)[^>]*>", html);
    }
}

public sealed class RateLimitedApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Auth:SignInsPerMinute"] = "3" };
    // Each test its own client address, so their windows do not mix.
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        => builder.ConfigureServices(s => s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, Housing.Tests.Security.PeerAddress>());
}

public sealed class RateLimitTests(RateLimitedApp app) : IClassFixture<RateLimitedApp>
{
    [Fact]
    public async Task Past_the_limit_sign_in_attempts_get_429_with_a_problem_and_retry_after()
    {
        var client = app.Anonymous();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/token", new { username = $"guess{i}", password = "wrong-password" })).StatusCode);
        var r = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "guess4", password = "wrong-password" });
        Assert.Equal((HttpStatusCode)429, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.True(r.Headers.RetryAfter is not null);
        // Other endpoints are not limited by it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Loading_the_sign_in_page_is_not_a_sign_in_attempt()
    {
        var client = app.Anonymous();
        for (var i = 0; i < 25; i++)
        {
            var page = new HttpRequestMessage(HttpMethod.Get, "/Access/SignIn");
            page.Headers.Add(Housing.Tests.Security.PeerAddress.Header, "192.0.2.51");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(page)).StatusCode);
        }
        // The attempts themselves are still limited.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Housing.Tests.Security.PeerAddress.SignIn("192.0.2.51", $"page{i}", "wrong-password"))).StatusCode);
        Assert.Equal((HttpStatusCode)429, (await client.SendAsync(Housing.Tests.Security.PeerAddress.SignIn("192.0.2.51", "page4", "wrong-password"))).StatusCode);
    }

    [Fact]
    public async Task Past_the_limit_the_sign_in_page_answers_a_page_in_the_users_language()
    {
        var client = app.Anonymous();
        HttpRequestMessage Post(string path)
        {
            var r = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "someone", ["password"] = "wrong-password" }),
            };
            r.Headers.Add(Housing.Tests.Security.PeerAddress.Header, "192.0.2.52");
            return r;
        }
        for (var i = 0; i < 3; i++) Assert.NotEqual((HttpStatusCode)429, (await client.SendAsync(Post("/Access/SignIn"))).StatusCode);
        var thai = await client.SendAsync(Post("/Access/SignIn"));
        Assert.Equal((HttpStatusCode)429, thai.StatusCode);
        Assert.Equal("text/html", thai.Content.Headers.ContentType!.MediaType);
        var html = await thai.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"th\">", html);
        Assert.Contains("<h1>มีการเข้าสู่ระบบจากที่นี่บ่อยเกินไป กรุณารอหนึ่งนาทีแล้วลองใหม่</h1>", html);
        var english = await client.SendAsync(Post("/Access/SignIn?culture=en&ui-culture=en"));
        Assert.Equal((HttpStatusCode)429, english.StatusCode);
        Assert.Contains("<h1>Too many sign-in attempts from here. Wait a minute and try again.</h1>", await english.Content.ReadAsStringAsync());
        // The API's 429 stays a problem, its title in the language too.
        var api = await client.SendAsync(Housing.Tests.Security.PeerAddress.SignIn("192.0.2.52", "someone", "wrong-password"));
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType!.MediaType);
        Assert.Equal("ส่งคำขอบ่อยเกินไป", (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }
}

public sealed class ExpiredTokenApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Auth:TokenMinutes"] = "0" };
}

public sealed class TokenExpiryTests(ExpiredTokenApp app) : IClassFixture<ExpiredTokenApp>
{
    [Fact]
    public async Task A_token_past_its_expiry_is_refused()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        var body = await (await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user.Username, password = TestApp.Password })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        client.DefaultRequestHeaders.Authorization = new("Bearer", body.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/provinces")).StatusCode);
    }
}

public sealed class BehindProxyApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:BehindProxy"] = "true" };
}

public sealed class BehindProxyTests(BehindProxyApp app) : IClassFixture<BehindProxyApp>
{
    [Fact]
    public async Task Behind_a_TLS_proxy_cookies_are_Secure_HttpOnly_SameSite_and_HSTS_is_sent()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        HttpRequestMessage Https(HttpMethod method, string path)
        {
            var r = new HttpRequestMessage(method, path);
            r.Headers.Host = "housing.example.org"; // HSTS is never sent to localhost
            r.Headers.Add("X-Forwarded-Proto", "https");
            return r;
        }
        var form = await client.SendAsync(Https(HttpMethod.Get, "/Access/SignIn"));
        Assert.Contains("max-age=", form.Headers.GetValues("Strict-Transport-Security").Single());
        var html = await form.Content.ReadAsStringAsync();
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("housing.af=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        var post = Https(HttpMethod.Post, "/Access/SignIn");
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user.Username, ["password"] = TestApp.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        });
        var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("housing.auth=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("secure", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
    }
}

public sealed class PeerApp : TestApp
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        => builder.ConfigureServices(s => s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, Housing.Tests.Security.PeerAddress>());
}

/// <summary>Issue 12, item 5: a lock binds one name from one client address, and tells nothing about which names exist.</summary>
public sealed class LockoutTests(PeerApp app) : IClassFixture<PeerApp>
{
    static HttpRequestMessage SignIn(string from, string username, string password) => Housing.Tests.Security.PeerAddress.SignIn(from, username, password);

    [Fact]
    public async Task Five_failures_from_one_address_do_not_lock_the_real_user_out_from_another()
    {
        var user = await app.CreateUserAsync(Role.Admin);
        var client = app.Anonymous();
        for (var i = 0; i < 5; i++) await client.SendAsync(SignIn("203.0.113.66", user.Username, "wrong-password"));
        var attacker = await client.SendAsync(SignIn("203.0.113.66", user.Username, TestApp.Password));
        Assert.Equal(HttpStatusCode.Unauthorized, attacker.StatusCode);
        Assert.True((await attacker.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("locked").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(SignIn("198.51.100.23", user.Username, TestApp.Password))).StatusCode);
        // The count is a row (so it holds on every instance), keyed by the name and the address.
        Assert.Equal(1, await app.Db.CountAsync("sign_in_failures", "username_key = @key AND client_address = '203.0.113.66' AND locked_until > now()",
            new { key = user.Username.ToLowerInvariant() }));
        Assert.Equal(0, await app.Db.CountAsync("sign_in_failures", "username_key = @key AND client_address = '198.51.100.23'", new { key = user.Username.ToLowerInvariant() }));
    }

    [Fact]
    public async Task An_unknown_name_answers_exactly_as_a_real_one_also_when_locked()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        async Task<List<string>> Attempts(string name)
        {
            var answers = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var r = await client.SendAsync(SignIn("203.0.113.77", name, "wrong-password"));
                var body = await r.Content.ReadFromJsonAsync<JsonElement>();
                var locked = body.TryGetProperty("locked", out var l) && l.GetBoolean();
                answers.Add($"{(int)r.StatusCode} {locked} {System.Text.RegularExpressions.Regex.Replace(body.GetProperty("detail").GetString()!, "หลัง .*$", "หลัง …")}");
            }
            return answers;
        }
        var known = await Attempts(user.Username);
        var unknown = await Attempts("no.such.person");
        Assert.Equal(known, unknown);
        Assert.Equal("401 False ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", known[0]);
        Assert.StartsWith("401 True มีการใส่รหัสผ่านผิดหลายครั้งจากที่นี่", known[4]);
        Assert.Equal(known[4], known[5]);
    }

    [Fact]
    public async Task A_burst_of_failures_at_once_locks_once_and_the_lock_holds()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => app.Anonymous().SendAsync(SignIn("203.0.113.99", user.Username, "wrong-password"))));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var right = await app.Anonymous().SendAsync(SignIn("203.0.113.99", user.Username, TestApp.Password));
        Assert.True((await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("locked").GetBoolean());
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'user.locked' AND entity_id = @id", new { id = user.UserId.ToString() }));
    }

    [Fact]
    public async Task A_success_clears_the_count_and_failures_older_than_the_lockout_time_do_not_add_up()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = app.Anonymous();
        for (var i = 0; i < 4; i++) await client.SendAsync(SignIn("203.0.113.88", user.Username, "wrong-password"));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(SignIn("203.0.113.88", user.Username, TestApp.Password))).StatusCode);
        for (var i = 0; i < 4; i++) await client.SendAsync(SignIn("203.0.113.88", user.Username, "wrong-password"));
        await app.Db.ExecuteAsync("UPDATE sign_in_failures SET last_failed_at = now() - interval '16 minutes' WHERE username_key = @key", new { key = user.Username.ToLowerInvariant() });
        var fifth = await client.SendAsync(SignIn("203.0.113.88", user.Username, "wrong-password"));
        Assert.False((await fifth.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("locked", out _));
        Assert.Equal(1, await app.Db.ScalarAsync<int>("SELECT failures FROM sign_in_failures WHERE username_key = @key", new { key = user.Username.ToLowerInvariant() }));
    }
}
