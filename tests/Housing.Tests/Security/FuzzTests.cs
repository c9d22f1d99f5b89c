using System.Net;
using System.Net.Http.Headers;
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
/// dates, forged ids. Whatever comes in: never a 5xx, every refusal a problem details body.
/// The seed is fixed, so a failure is reproducible; it is printed with the request.
/// </summary>
public sealed class FuzzTests(TestApp app, ITestOutputHelper output) : IClassFixture<TestApp>
{
    const int Seed = 2565;
    const int Requests = 10_000;

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

    [Fact]
    public async Task Ten_thousand_malformed_requests_get_no_5xx_and_every_refusal_is_a_problem()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.NotEmpty(endpoints);

        var admin = await app.ClientAsync(Role.Admin);
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        HttpClient[] clients = [admin, staff, treasurer];
        var random = new Random(Seed);
        var counts = new Dictionary<int, int>();

        for (var i = 0; i < Requests; i++)
        {
            var (method, pattern) = endpoints[i % endpoints.Count];
            var path = Regex.Replace(pattern, "{([^}:]+)(:[^}]+)?}", _ => Uri.EscapeDataString(Pick(random, random.Next(3) == 0 ? Numbers : PathStrings)));
            if (random.Next(3) == 0) path += "?" + Query(random);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH") request.Content = Body(random, i);
            if (random.Next(4) == 0) request.Headers.TryAddWithoutValidation("Idempotency-Key", Pick(random, Strings));
            var description = $"#{i} {method} {path} body={Describe(request.Content)}";

            using var response = await clients[i % clients.Length].SendAsync(request);
            var status = (int)response.StatusCode;
            counts[status] = counts.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{description} answered {status}: {Truncate(await response.Content.ReadAsStringAsync())}");
            if (status >= 400)
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    $"{description} answered {status} as {response.Content.Headers.ContentType?.MediaType ?? "no body"}");
        }
        output.WriteLine($"{Requests} requests over {endpoints.Count} endpoints: " + string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}×{c.Value}")));
        Assert.Equal(Requests, counts.Values.Sum());
        await Invariants.AssertHoldAsync(app.Db);
    }

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
