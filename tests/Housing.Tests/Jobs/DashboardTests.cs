using System.Net;
using System.Text.RegularExpressions;
using Housing.Access;

namespace Housing.Tests.Jobs;

/// <summary>Hangfire's dashboard at /hangfire is for Admins only, signed in with the pages' cookie.</summary>
public sealed partial class DashboardTests(TestApp app) : IClassFixture<TestApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    async Task<HttpClient> CookieClientAsync(Role role)
    {
        var user = await app.CreateUserAsync(role, provinces: role == Role.ProvincialStaff ? ["54"] : null, subdistricts: role == Role.Treasurer ? ["540101"] : null);
        var client = app.Anonymous();
        var form = await client.GetStringAsync("/Access/SignIn");
        var post = await client.PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user.Username, ["password"] = TestApp.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = Token().Match(form).Groups[1].Value,
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        return client;
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_the_sign_in_page()
    {
        var r = await app.Anonymous().GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        Assert.StartsWith("http://localhost/Access/SignIn", r.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await app.Anonymous().GetAsync("/hangfire/recurring")).StatusCode);
    }

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.ProvincialStaff)]
    [InlineData(Role.Treasurer)]
    public async Task Signed_in_users_who_are_not_admins_get_403(Role role)
    {
        var client = await CookieClientAsync(role);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode); // the cookie works
        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/jobs/succeeded" })
        {
            var r = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.DoesNotContain("rollups.full", await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/hangfire/recurring/trigger", new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "rollups.full" }))).StatusCode);
    }

    [Fact]
    public async Task Admins_see_the_dashboard_with_the_recurring_jobs_and_no_inline_script()
    {
        var client = await CookieClientAsync(Role.Admin);
        var home = await client.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var recurring = await client.GetStringAsync("/hangfire/recurring");
        Assert.Contains("rollups.full", recurring);
        Assert.Contains("jobs.prune", recurring);
        // The app's CSP (script-src 'self') applies here too: every script of the dashboard is a file.
        Assert.Contains("script-src 'self'", home.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Empty(Regex.Matches(recurring, "<script(?![^>]*\\ssrc=)[^>]*>"));
    }
}
