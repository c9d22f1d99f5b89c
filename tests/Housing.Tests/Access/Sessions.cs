using System.Text.RegularExpressions;

namespace Housing.Tests.Access;

/// <summary>Signing in through the sign-in page, for tests that need a cookie session rather than a bearer token.</summary>
public static class Sessions
{
    public static async Task<HttpClient> CookieClientAsync(this TestApp app, string username, string password = TestApp.Password)
    {
        var client = app.Anonymous();
        var form = await client.GetStringAsync("/Access/SignIn");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var post = await client.PostAsync("/Access/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, post.StatusCode);
        return client;
    }
}
