using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Housing.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Security;

/// <summary>Test-only: the in-memory server has no peer address, so the header X-Test-Peer plays the TCP peer's
/// address (what Kestrel would report) before anything of the app runs.</summary>
public sealed class PeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer";
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((ctx, n) =>
        {
            if (IPAddress.TryParse(ctx.Request.Headers[Header].ToString(), out var peer)) ctx.Connection.RemoteIpAddress = peer;
            return n(ctx);
        });
        next(app);
    };

    public static HttpRequestMessage SignIn(string from, string username, string password, string? forwardedFor = null)
    {
        var r = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/token") { Content = JsonContent.Create(new { username, password }) };
        r.Headers.Add(Header, from);
        if (forwardedFor is not null) r.Headers.Add("X-Forwarded-For", forwardedFor);
        return r;
    }
}

/// <summary>A cookie sign-in through the page, as a browser does: the client holds the sign-in and antiforgery cookies.</summary>
public static class CookieSignIn
{
    public static string Token(string html) => Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    public static async Task<HttpClient> ClientAsync(TestApp app, string username)
    {
        var client = app.Anonymous();
        var token = Token(await client.GetStringAsync("/Access/SignIn"));
        var post = await client.PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = TestApp.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        return client;
    }
}

/// <summary>Issue 12, item 6: the sign-in cookie alone does not write through the API.</summary>
public sealed class CookieApiAntiforgeryTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task A_cookie_signed_API_write_without_the_antiforgery_token_is_refused_and_writes_nothing()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var cookie = await CookieSignIn.ClientAsync(app, admin.Username);
        var runs = await app.Db.CountAsync("job_runs");
        var refresh = await cookie.PostAsync("/api/v1/rollups/refresh", null);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Equal("application/problem+json", refresh.Content.Headers.ContentType!.MediaType);
        Assert.Contains("RequestVerificationToken", (await refresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(runs, await app.Db.CountAsync("job_runs"));

        var csv = "citizen_id,head_name,house_no,village_no,subdistrict_code,members,monthly_income\n" + Seed.NewCitizenId() + ",นายคุกกี้ ไม่มีโทเค็น,1,1,540101,3,3000\n";
        var form = new MultipartFormDataContent { { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "file", "households.csv" } };
        var import = await cookie.PostAsync("/api/v1/households/import", form);
        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("households", "head_name = 'นายคุกกี้ ไม่มีโทเค็น'"));

        var photo = await cookie.PostAsync("/api/v1/milestones/1/photos", new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "p.png" } });
        Assert.Equal(HttpStatusCode.BadRequest, photo.StatusCode);
        var json = await cookie.PostAsJsonAsync("/api/v1/budgets", new { program = "BPP", fiscalYear = Seed.NewYear(), provinceCode = "54", targetHouseholds = 1, amount = 1000m });
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
    }

    [Fact]
    public async Task With_the_pages_antiforgery_token_in_the_header_a_cookie_write_goes_through_and_reads_need_none()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var cookie = await CookieSignIn.ClientAsync(app, admin.Username);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/v1/provinces")).StatusCode);
        var token = CookieSignIn.Token(await cookie.GetStringAsync("/Households"));
        Assert.NotEmpty(token);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/rollups/refresh");
        request.Headers.Add("RequestVerificationToken", token);
        Assert.Equal(HttpStatusCode.Accepted, (await cookie.SendAsync(request)).StatusCode);

        // An upload as a page's script would send it: the file and the header.
        var csv = "citizen_id,head_name,house_no,village_no,subdistrict_code,members,monthly_income\n" + Seed.NewCitizenId() + ",นายคุกกี้ มีโทเค็น,1,1,540101,3,3000\n";
        var import = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households/import")
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "file", "households.csv" } },
        };
        import.Headers.Add("RequestVerificationToken", token);
        var imported = await cookie.SendAsync(import);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("households", "head_name = 'นายคุกกี้ มีโทเค็น'"));

        // A token from the form field alone does not count: the API reads the header only.
        var fieldOnly = await cookie.PostAsync("/api/v1/rollups/refresh", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.BadRequest, fieldOnly.StatusCode);

        // A bearer token needs no antiforgery token: no browser sends it by itself.
        var bearer = await app.ClientForAsync(admin.Username);
        Assert.Equal(HttpStatusCode.Accepted, (await bearer.PostAsync("/api/v1/rollups/refresh", null)).StatusCode);
    }
}

/// <summary>Issue 12, item 10: a full citizen ID never travels in a URL.</summary>
public sealed class CitizenIdSearchTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_API_finds_a_full_ID_by_POST_and_refuses_it_in_the_query_string()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var id = Seed.NewCitizenId();
        var household = await Seed.HouseholdAsync(admin, "540101", headName: "นางค้นหา ด้วยเลข", citizenId: id);

        var found = await admin.PostAsJsonAsync("/api/v1/households/search", new { q = $"{id[..1]}-{id[1..5]}-{id[5..10]}-{id[10..12]}-{id[12..]}" });
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var body = await found.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("total").GetInt64());
        var item = body.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(household.Id, item.GetProperty("id").GetInt64());
        Assert.DoesNotContain(id, await found.Content.ReadAsStringAsync()); // masked, as the GET answers

        var get = await admin.GetAsync($"/api/v1/households?q={id}");
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        var problem = await get.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("POST /api/v1/households/search", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("q", out _));

        // Names and partial IDs still search by GET, with the same answer's shape.
        var byName = await admin.GetFromJsonAsync<JsonElement>("/api/v1/households?q=" + Uri.EscapeDataString("นางค้นหา") + "&subdistrictCode=540101");
        Assert.Equal(household.Id, byName.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/households?q={id[..6]}")).StatusCode);
    }

    [Fact]
    public async Task The_households_page_searches_by_POST_and_no_URL_it_makes_holds_the_ID()
    {
        var adminUser = await app.CreateUserAsync(Role.Admin);
        var admin = await app.ClientForAsync(adminUser.Username);
        var id = Seed.NewCitizenId();
        var household = await Seed.HouseholdAsync(admin, "540102", headName: "นายหน้าค้น ไม่มีในลิงก์", citizenId: id);
        for (var i = 0; i < 51; i++) await Seed.HouseholdAsync(admin, "540102", headName: "นายหน้าที่สอง"); // a second page, so the pager shows

        var cookie = await CookieSignIn.ClientAsync(app, adminUser.Username);
        var page = await cookie.GetStringAsync("/Households");
        Assert.Matches("<form method=\"post\" id=\"household-search\"", page);
        var post = await cookie.PostAsync("/Households", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["q"] = id, ["__RequestVerificationToken"] = CookieSignIn.Token(page),
        }));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var html = await post.Content.ReadAsStringAsync();
        Assert.Contains($"href=\"/Households/{household.Id}\"", html);
        Assert.Contains("นายหน้าค้น ไม่มีในลิงก์", html);
        AssertNoUrlHolds(html, id);

        // The pager of a search by name: buttons of the POST form, never links carrying the text.
        var names = await cookie.PostAsync("/Households", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["q"] = "นายหน้าที่สอง", ["subdistrictCode"] = "540102", ["__RequestVerificationToken"] = CookieSignIn.Token(page),
        }));
        var namesHtml = await names.Content.ReadAsStringAsync();
        Assert.Contains("form=\"household-search\" name=\"p\" value=\"2\"", namesHtml);
        Assert.DoesNotMatch("href=\"[^\"]*q=", namesHtml);

        // A full ID put in the page's URL by hand is not searched (and not echoed into the form).
        var typed = await cookie.GetStringAsync($"/Households?q={id}");
        Assert.Contains("data-testid=\"search-error\"", typed);
        Assert.DoesNotContain("นายหน้าค้น ไม่มีในลิงก์", typed);
        AssertNoUrlHolds(typed, id);
    }

    static void AssertNoUrlHolds(string html, string id)
    {
        foreach (Match m in Regex.Matches(html, "(?:href|action|src|formaction)=\"([^\"]*)\""))
            Assert.DoesNotContain(id, m.Groups[1].Value);
    }
}

/// <summary>Issue 12, also found: titles in the caller's language; unreadable JSON said plainly.</summary>
public sealed class ProblemLanguageTests(TestApp app) : IClassFixture<TestApp>
{
    static HttpRequestMessage English(HttpMethod method, string path, HttpContent? content = null)
    {
        var r = new HttpRequestMessage(method, path) { Content = content };
        r.Headers.AcceptLanguage.ParseAdd("en");
        return r;
    }

    [Fact]
    public async Task Problem_titles_follow_the_language_like_the_detail()
    {
        var client = await app.ClientAsync(Role.Admin);
        var thai = await (await client.GetAsync("/api/v1/budgets/987654321")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("ไม่พบ", 404), (thai.GetProperty("title").GetString(), thai.GetProperty("status").GetInt32()));
        var english = await (await client.SendAsync(English(HttpMethod.Get, "/api/v1/budgets/987654321"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Not found", english.GetProperty("title").GetString());

        var anonymous = await app.Anonymous().GetAsync("/api/v1/provinces"); // the framework's own 401
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("ยังไม่ได้เข้าสู่ระบบ", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        var latin1 = new StringContent("{}", System.Text.Encoding.Latin1, "application/json");
        var unsupported = await client.PostAsync("/api/v1/budgets", latin1);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
        Assert.Equal("ไม่รองรับชนิดข้อมูลนี้", (await unsupported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("/api/v1/budgets", "{\"program\": \"BPP\", \"fiscalYear\": ", "th", "ข้อมูล JSON ไม่ถูกต้อง")]
    [InlineData("/api/v1/budgets", "{\"program\": \"BPP\", \"fiscalYear\": \"soon\"}", "en", "The body is not valid JSON (at $.fiscalYear, line 1).")]
    [InlineData("/api/v1/households", "not json at all", "en", "The body is not valid JSON")]
    [InlineData("/api/v1/auth/token", "[", "th", "ข้อมูล JSON ไม่ถูกต้อง")]
    public async Task Malformed_JSON_is_a_plain_400_in_the_callers_language_naming_no_internal_type(string path, string json, string lang, string expected)
    {
        var client = await app.ClientAsync(Role.Admin);
        var r = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        r.Headers.AcceptLanguage.ParseAdd(lang);
        var response = await client.SendAsync(r);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(lang == "en" ? "Bad request" : "คำขอไม่ถูกต้อง", problem.GetProperty("title").GetString());
        var text = await response.Content.ReadAsStringAsync();
        foreach (var internals in new[] { "CreateBudget", "RegisterHousehold", "TokenRequest", "parameter", "Housing." })
            Assert.DoesNotContain(internals, text);
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_names_the_parameter_not_its_type()
    {
        var client = await app.ClientAsync(Role.Admin);
        var r = await client.SendAsync(English(HttpMethod.Get, "/api/v1/budgets?fiscalYear=soon"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var detail = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Equal("The value of fiscalYear is not valid.", detail);
    }
}

/// <summary>Issue 12, also found: the OpenAPI document declares the bearer scheme, the problem answers and summaries.</summary>
public sealed class OpenApiDocumentTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_document_declares_bearer_auth_problem_answers_and_a_summary_per_operation()
    {
        var doc = await app.Anonymous().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        Assert.True(doc.GetProperty("security")[0].TryGetProperty("Bearer", out _));

        var operations = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Key: $"{o.Name.ToUpperInvariant()} {p.Name}", Op: o.Value))).ToDictionary(x => x.Key, x => x.Op);
        Assert.True(operations.Count >= 40, $"{operations.Count} operations");
        var missing = operations.Where(o => !o.Value.TryGetProperty("summary", out var s) || string.IsNullOrWhiteSpace(s.GetString())).Select(o => o.Key).ToList();
        Assert.True(missing.Count == 0, "No summary: " + string.Join(", ", missing));

        string[] Statuses(string key) => operations[key].GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();
        Assert.Superset(new HashSet<string> { "201", "400", "401", "403", "409" }, Statuses("POST /api/v1/budgets").ToHashSet());
        Assert.Superset(new HashSet<string> { "200", "401", "403", "404" }, Statuses("GET /api/v1/budgets/{id}").ToHashSet());
        Assert.DoesNotContain("409", Statuses("GET /api/v1/budgets/{id}"));
        var problem = operations["POST /api/v1/budgets"].GetProperty("responses").GetProperty("409").GetProperty("content").GetProperty("application/problem+json");
        Assert.Equal("#/components/schemas/ProblemDetails", problem.GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("ProblemDetails", out _));

        var token = operations["POST /api/v1/auth/token"];
        Assert.Equal(0, token.GetProperty("security").GetArrayLength()); // sign-in itself needs no token
        Assert.Contains("401", Statuses("POST /api/v1/auth/token"));
    }
}
