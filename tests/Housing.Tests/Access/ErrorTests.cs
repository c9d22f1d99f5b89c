using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Access;

/// <summary>The app with one extra route that fails the way a bug would.</summary>
public sealed class FailingApp : TestApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
        => builder.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new Boom()));

    sealed class Boom : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map("/api/v1/boom", b => b.Run(_ => throw new InvalidOperationException("secret internals at Housing.Something")));
        };
    }
}

public sealed class ErrorTests(FailingApp app) : IClassFixture<FailingApp>
{
    [Fact]
    public async Task An_unexpected_error_is_a_500_problem_without_a_stack_trace()
    {
        var client = await app.ClientAsync(Role.Viewer);
        var r = await client.GetAsync("/api/v1/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var body = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret internals", body);
        Assert.DoesNotContain("at Housing", body);
        Assert.Equal(500, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unreadable_JSON_is_a_400_problem()
    {
        var client = await app.ClientAsync(Role.Admin);
        var r = await client.PostAsync("/api/v1/users", new StringContent("{\"username\": [1,", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_page_that_is_not_found_shows_a_page_in_the_users_language()
    {
        var user = await app.CreateUserAsync(Role.Viewer);
        var client = await app.ClientForAsync(user.Username);
        // Bearer also opens pages; the cookie sign-in is tested elsewhere.
        var r = await client.GetAsync("/Geography/99");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<h1>ไม่พบจังหวัดรหัส 99</h1>", await r.Content.ReadAsStringAsync());
    }
}
