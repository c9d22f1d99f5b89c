using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using System.Text.RegularExpressions;
using Housing.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Housing.Tests.Security;

/// <summary>
/// Malformed requests against every API endpoint the app maps (read from its endpoint metadata, so a
/// new endpoint is fuzzed without anyone listing it): wrong types, huge and negative numbers, too many
/// decimals, 10 MB bodies, invalid UTF-8, SQL and script fragments, Thai combining marks, impossible
/// dates, forged ids. Half the requests carry the ids of real rows (a budget, project, household,
/// allocation, payment, milestone, photo, job run), so they get past the lookups into the handlers;
/// callers are an admin, staff, a treasurer and two viewers. Whatever comes in: never a 5xx, every
/// refusal a problem details body, no viewer's write accepted. Which handler each request reached is
/// heard from routing's diagnostic events: each endpoint's handler must run on real rows at least
/// <see cref="MinReachedPerEndpoint"/> times, most requests with real ids must reach one, and every
/// read must answer 2xx at least once. The seed is fixed, so a failure is reproducible; it is printed with the request.
/// </summary>
public sealed class FuzzTests(TestApp app, ITestOutputHelper output) : IClassFixture<TestApp>
{
    const int Seed = 2565;
    const int Requests = 10_000;
    /// <summary>Reads sent as POST so that what they search for (a full citizen ID) stays out of URLs and logs.</summary>
    static readonly HashSet<string> ReadsByPost = ["POST /api/v1/households/search"];

    static readonly string[] Strings =
    [
        "", " ", "null", "' OR 1=1 --", "'; DROP TABLE households; --", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
        "ก\u0E31\u0E49\u0E4A\u0E4B\u0E4C\u0E31\u0E49\u0E4A", "\u0E4C\u0E4C\u0E4C\u0E4C", "นางบุญมี ใจดี", "\u0000", "\uFEFF", "../../etc/passwd", "%00", "{{7*7}}",
        "9999-99-99", "0000-00-00", "2565-13-45", "1900-01-01", "10000-01-01", "-1", "1e400", "NaN", "Infinity", "0x10",
        "1101700203451", "1101700203450", "11017002034500", "BPP", "XXX", "Admin", new string('ก', 5000),
    ];

    // NUL in a path is refused by the server before the app (Kestrel: 400); the in-memory test host throws instead.
    static readonly string[] PathStrings = Strings.Where(s => !s.Contains('\0') && s != "%00").ToArray();

    static readonly string[] Numbers =
    [
        "0", "-1", "-0.01", "0.001", "20900.005", "99999999.99", "100000000", "1e308", "1e400", "-1e400", "123456789012345678901234567890",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483648", "3.4028235E+39", "0.1e-400", "1.0", "2565", "2700", "2400",
    ];

    /// <summary>The ids of real rows, per route segment before the parameter, so half the requests reach a handler that finds something.</summary>
    sealed record World(Dictionary<string, string> Ids);

    async Task<World> BuildWorldAsync(HttpClient admin)
    {
        var budget = await Infrastructure.Seed.BudgetAsync(admin, "54", Infrastructure.Seed.MoneyYear(), 65, 1_358_500m);
        var project = await Infrastructure.Seed.ProjectAsync(admin, budget.Id, "540101", 6, 125_400m);
        var household = await Infrastructure.Seed.HouseholdAsync(admin, "540101");
        var allocation = await Infrastructure.Seed.AllocationAsync(admin, project.Id, household.Id, 20_900m);
        var transfer = await Infrastructure.Seed.CreatedAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/transfers",
            new { amount = 62_700m, receivedOn = "2022-01-05", reference = "CODI-FUZZ" }));
        var pay = await Infrastructure.Seed.CreatedAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/v1/allocations/{allocation.Id}/disbursements",
            new { amount = 5_000m, paidOn = "2022-01-06", payee = "ร้านวัสดุแพร่", receiptNo = "F-1" }));
        var milestone = await Infrastructure.Seed.CreatedAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/v1/allocations/{allocation.Id}/milestones",
            new { stage = "surveyed", reachedOn = "2022-01-04" }));
        (await admin.PostAsync("/api/v1/rollups/refresh", null)).EnsureSuccessStatusCode();
        var ids = new Dictionary<string, long>
        {
            ["budgets"] = budget.Id, ["projects"] = project.Id, ["households"] = household.Id, ["allocations"] = allocation.Id,
            ["disbursements"] = pay.GetProperty("id").GetInt64(), ["transfers"] = transfer.GetProperty("id").GetInt64(), ["milestones"] = milestone.GetProperty("id").GetInt64(),
            ["photos"] = (await Infrastructure.Seed.CreatedAsync<JsonElement>(await admin.PostAsync($"/api/v1/milestones/{milestone.GetProperty("id").GetInt64()}/photos", Photo())))
                .GetProperty("id").GetInt64(),
            ["receipts"] = (await Infrastructure.Seed.CreatedAsync<JsonElement>(await admin.PostAsync($"/api/v1/disbursements/{pay.GetProperty("id").GetInt64()}/receipt", Photo())))
                .GetProperty("id").GetInt64(),
            ["jobs"] = await app.Db.ScalarAsync<long>("SELECT max(id) FROM job_runs"),
            // A user of its own: fuzzed changes of role, activity or password must not end the fuzzing callers' sessions.
            ["users"] = (await app.CreateUserAsync(Housing.Access.Role.Viewer)).UserId,
        };
        var bmk = await Mankong.MankongWorld.BuildAsync(admin, Infrastructure.Seed.MoneyYear(), "ชุมชนทดสอบฟัซ");
        ids["loans"] = bmk.LoanId;
        ids["works"] = bmk.WorkId;
        ids["projects.bmk"] = bmk.ProjectId;
        ids["work-disbursements"] = bmk.WorkPaymentId;
        ids["work-stages"] = bmk.WorkStageId;
        ids["work-photos"] = bmk.WorkPhotoId;
        var real = ids.ToDictionary(x => x.Key, x => x.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        real["provinces"] = "54";
        real["districts"] = "5401";
        real["programs"] = "BPP";
        real["years"] = "2565";
        return new World(real);
    }

    static MultipartFormDataContent Photo()
    {
        var file = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        file.Headers.ContentType = new("image/png");
        return new MultipartFormDataContent { { file, "file", "photo.png" } };
    }

    /// <summary>A route with its parameters filled: with real values (the segment before each parameter names the row), or fuzzed.</summary>
    static string Fill(string pattern, Random random, World? world) => Regex.Replace(pattern, "([^/]+)/{([^}:]+)(:[^}]+)?}", m =>
        m.Groups[1].Value + "/" + (world is null ? Uri.EscapeDataString(Pick(random, random.Next(3) == 0 ? Numbers : PathStrings))
            : m.Groups[2].Value == "job" ? "rollups.incremental" /* not the national recompute: it would load the machine for the rest of the run */
            : m.Groups[1].Value == "projects" && BaanMankongOnly.IsMatch(pattern) ? world.Ids["projects.bmk"] : world.Ids[m.Groups[1].Value]));

    /// <summary>Routes of Baan Mankong projects only (others get a 400): their real ids are the BMK project's.</summary>
    static readonly Regex BaanMankongOnly = new(@"^/api/v1/projects/\{[^}]+\}/(savings|loans|works|work-disbursements)$");

    [Fact]
    public async Task Ten_thousand_malformed_requests_get_no_5xx_and_every_refusal_is_a_problem()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.NotEmpty(endpoints);

        var admin = await app.ClientAsync(Role.Admin);
        var world = await BuildWorldAsync(admin);
        var viewers = new[] { await app.ClientAsync(Role.Viewer), await app.ClientAsync(Role.Viewer, provinces: ["54"]) };
        HttpClient[] clients = [admin, await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]), await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]), .. viewers];
        var random = new Random(Seed);
        var counts = new Dictionary<int, int>();
        using var hits = HandlerHits.Listen(app.Services);
        var reached = new Dictionary<(string Endpoint, bool Real), int>();
        var successes = new HashSet<string>();
        var failures = new List<string>();
        var time = new Dictionary<string, double>();

        for (var i = 0; i < Requests; i++)
        {
            var (method, pattern) = endpoints[i % endpoints.Count];
            var real = random.Next(2) == 0;
            var path = Fill(pattern, random, real ? world : null);
            if (random.Next(3) == 0) path += "?" + Query(random);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH")
                request.Content = real && pattern.EndsWith("/import", StringComparison.Ordinal) || (pattern.EndsWith("/photos", StringComparison.Ordinal) || pattern.EndsWith("/receipt", StringComparison.Ordinal)) && random.Next(2) == 0
                    ? Upload(random) : Body(random, i);
            if (random.Next(4) == 0) request.Headers.TryAddWithoutValidation("Idempotency-Key", Pick(random, Strings));
            var client = clients[random.Next(clients.Length)];
            var description = $"#{i} {method} {path} as {Array.IndexOf(clients, client)} body={Describe(request.Content)}";

            hits.Reset();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var response = await client.SendAsync(request);
            time[$"{method} {pattern}"] = time.GetValueOrDefault($"{method} {pattern}") + clock.Elapsed.TotalMilliseconds;
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            counts[status] = counts.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{description} answered {status}: {Truncate(body)}");
            if (status >= 400)
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    $"{description} answered {status} as {response.Content.Headers.ContentType?.MediaType ?? "no body"}");
            var key = $"{method} {pattern}";
            if (real && hits.Matched is { } matched && matched != key) failures.Add($"{description} reached {matched}, not its own endpoint");
            if (hits.Matched is not null && HandlerHits.ReachedHandler(status, body)) reached[(key, real)] = reached.GetValueOrDefault((key, real)) + 1;
            if (status is >= 200 and < 300) successes.Add(key);
            if (viewers.Contains(client) && method != "GET" && !ReadsByPost.Contains(key) && status is >= 200 and < 300) failures.Add($"{description}: a viewer's write was accepted ({status})");
        }
        output.WriteLine(string.Join("\n", time.OrderByDescending(t => t.Value).Take(12).Select(t => $"{t.Key}: {t.Value:F0} ms")));
        var realRequests = Requests / 2.0;
        var realReached = reached.Where(r => r.Key.Real).Sum(r => r.Value);
        output.WriteLine($"{Requests} requests over {endpoints.Count} endpoints: " + string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}×{c.Value}")));
        output.WriteLine($"reached a handler: {reached.Values.Sum()} in all, {realReached} with real ids, {reached.Where(r => !r.Key.Real).Sum(r => r.Value)} with fuzzed ones; " +
            $"fewest per endpoint with real ids: {endpoints.Min(e => reached.GetValueOrDefault(($"{e.Method} {e.Pattern}", true)))}");

        // Every endpoint's handler ran on real rows many times, and most requests with real ids got past routing and binding.
        foreach (var (method, pattern) in endpoints)
            if (reached.GetValueOrDefault(($"{method} {pattern}", true)) < MinReachedPerEndpoint)
                failures.Add($"{method} {pattern}: its handler ran {reached.GetValueOrDefault(($"{method} {pattern}", true))} times with real ids (want ≥ {MinReachedPerEndpoint})");
        if (realReached < MinRealShare * realRequests) failures.Add($"only {realReached} requests with real ids reached a handler (want ≥ {MinRealShare:P0})");
        // Every read answered with real ids at least once, so the fuzz went past the lookups.
        foreach (var (method, pattern) in endpoints.Where(e => e.Method == "GET" && !successes.Contains($"{e.Method} {e.Pattern}")))
            failures.Add($"{method} {pattern}: never answered 2xx");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(50)));
        await Invariants.AssertHoldAsync(app.Db);
    }

    const int MinReachedPerEndpoint = 20;
    const double MinRealShare = 0.75;

    static string Pick(Random r, string[] from) => from[r.Next(from.Length)];

    static string Query(Random r)
    {
        string[] keys = ["page", "pageSize", "q", "fiscalYear", "program", "provinceCode", "subdistrictCode", "level", "parent", "from", "to", "actor"];
        return string.Join("&", Enumerable.Range(0, r.Next(1, 4)).Select(_ => $"{Pick(r, keys)}={Uri.EscapeDataString(Pick(r, r.Next(2) == 0 ? Numbers : Strings))}"));
    }

    static readonly string[] Fields =
    [
        "username", "password", "role", "provinceCodes", "subdistrictCodes", "program", "fiscalYear", "provinceCode", "targetHouseholds", "amount",
        "subdistrictCode", "name", "communityName", "citizenId", "headName", "houseNo", "villageNo", "members", "monthlyIncome", "householdId",
        "workType", "receivedOn", "reference", "paidOn", "payee", "receiptNo", "method", "reason", "stage", "reachedOn", "note", "vulnerabilities",
    ];

    /// <summary>A well-formed upload of a file that is not what it claims (for the import and the photos).</summary>
    static MultipartFormDataContent Upload(Random r) => new()
    {
        { new ByteArrayContent(Encoding.UTF8.GetBytes(Pick(r, Strings) + "\n" + Pick(r, Strings))), "file", Pick(r, ["a.csv", "a.xlsx", "a.jpg", "../../x.png", "ก.csv", "a.exe"]) },
    };

    /// <summary>A body that is wrong in one of many ways.</summary>
    static HttpContent Body(Random r, int i)
    {
        switch (r.Next(10))
        {
            case 0: // not JSON at all, or cut short
                return new StringContent(Pick(r, ["{", "[1,2", "{\"amount\": }", "<xml/>", "amount=1", "\"just a string\"", "null", "[]", "{}{}"]), Encoding.UTF8, "application/json");
            case 1: // invalid UTF-8
                var bytes = new ByteArrayContent([(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, 0xFF, 0xFE, (byte)'"', (byte)'}']);
                bytes.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return bytes;
            case 2 when i % 500 == 0: // 10 MB: a huge string in a real field
                return new StringContent($"{{\"name\":\"{new string('x', 10 * 1024 * 1024)}\",\"headName\":\"a\"}}", Encoding.UTF8, "application/json");
            case 3: // the wrong content type
                var wrong = new StringContent("{\"amount\": 100}", Encoding.UTF8);
                wrong.Headers.Remove("Content-Type");
                wrong.Headers.TryAddWithoutValidation("Content-Type", Pick(r, ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=klingon"]));
                return wrong;
            case 4: // garbage multipart (for uploads)
                var form = new MultipartFormDataContent();
                form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Pick(r, Strings))), "file", Pick(r, ["a.csv", "a.xlsx", "a.jpg", "../../x.png", "ก.csv"]));
                return form;
            case 5: // deep nesting
                var depth = r.Next(50, 200);
                return new StringContent(new string('[', depth) + new string(']', depth), Encoding.UTF8, "application/json");
            default: // an object of real field names with wrong or hostile values
                var sb = new StringBuilder("{");
                foreach (var f in Enumerable.Range(0, r.Next(1, 10)).Select(_ => Pick(r, Fields)).Distinct())
                {
                    var value = r.Next(5) switch
                    {
                        0 => Pick(r, Numbers),
                        1 => System.Text.Json.JsonSerializer.Serialize(Pick(r, Strings)),
                        2 => Pick(r, ["true", "null", "[]", "{}", "[\"54\", 54, null]", "{\"$ne\": 1}"]),
                        _ => System.Text.Json.JsonSerializer.Serialize(Pick(r, Numbers)),
                    };
                    sb.Append($"\"{f}\":{value},");
                }
                sb.Length--;
                return new StringContent(sb.Append('}').ToString(), Encoding.UTF8, "application/json");
        }
    }

    static string Describe(HttpContent? c) => c switch
    {
        null => "none",
        StringContent s => Truncate(Encoding.UTF8.GetString(s.ReadAsByteArrayAsync().Result)),
        _ => c.GetType().Name,
    };

    static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;
}
