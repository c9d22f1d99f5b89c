using Housing.Households;
using System.Net.Http.Json;
using Housing.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Housing.Tests.Households;

/// <summary>The app with a logger that keeps every line it writes, at the app's own configured levels.</summary>
public sealed class LogCaptureApp : TestApp
{
    readonly CapturedLog log = new();
    public IEnumerable<string> Lines => log.Lines.Select(l => $"{l.Level} {l.Category}: {l.Message} {l.Exception}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
        => builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(log));
}

public sealed class LogPrivacyTests(LogCaptureApp app) : IClassFixture<LogCaptureApp>
{
    [Fact]
    public async Task A_citizen_ID_never_reaches_the_logs_when_registered_searched_or_read_in_full()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var id = Seed.NewCitizenId();
        var household = await Seed.HouseholdAsync(staff, "540101", citizenId: id);
        (await staff.PostAsJsonAsync("/api/v1/households/search", new { q = id })).EnsureSuccessStatusCode();
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await staff.GetAsync($"/api/v1/households?q={id}")).StatusCode); // refused, and not logged either
        Assert.Equal(id, (await staff.GetFromJsonAsync<HouseholdView>($"/api/v1/households/{household.Id}"))!.CitizenId);
        await staff.PostAsJsonAsync("/api/v1/households", new { citizenId = id, headName = "ซ้ำ", houseNo = "1", subdistrictCode = "540101", members = 1, monthlyIncome = 0 });

        Assert.NotEmpty(app.Lines); // the logger did capture the app's lines
        Assert.DoesNotContain(app.Lines, line => line.Contains(id));
    }
}
