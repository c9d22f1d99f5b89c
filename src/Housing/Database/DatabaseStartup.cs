using Housing.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Database;

/// <summary>A start refused by a setting: the message names the setting and the rule, in one line; the host exits 1.</summary>
public sealed class StartupRefused(string message) : Exception(message);

/// <summary>Registered first, so it starts before every other hosted service and stops after them: the
/// database (embedded or configured) is up and migrated before anything uses it, and the embedded
/// cluster is stopped last when the app stops (SIGTERM, Ctrl-C).</summary>
public sealed class DatabaseStartup(HousingDatabase database, IConfiguration config, IHostEnvironment environment, IServiceProvider services,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await database.StartAsync(ct);
        try { await PrepareAsync(ct); }
        catch
        {
            await database.StopAsync(); // a failed start leaves no PostgreSQL behind
            throw;
        }
    }

    /// <summary>Demo data (whose users share a published password) only when asked for: <c>Housing:Demo=true</c>, or by
    /// default the embedded cluster in the Development environment (the launch profile of <c>dotnet run</c>). Never
    /// otherwise, so a production start on the embedded cluster gets the bootstrap admin, not the demo one.</summary>
    public static bool WantsDemo(IConfiguration config, IHostEnvironment environment, bool embedded)
        => config.GetValue<bool?>("Housing:Demo") ?? (embedded && environment.IsDevelopment());

    async Task PrepareAsync(CancellationToken ct)
    {
        if (WantsDemo(config, environment, database.IsEmbedded))
            await Demo.DemoData.SeedAsync(services, ct);
        var bootstrap = config["Housing:BootstrapAdmin:Password"];
        if (!string.IsNullOrEmpty(bootstrap))
        {
            var users = services.GetRequiredService<UserService>();
            try
            {
                if (await users.EnsureBootstrapAdminAsync(bootstrap, ct))
                    logger.LogInformation("Created the bootstrap administrator 'admin'");
            }
            catch (ValidationFailed v)
            {
                throw new StartupRefused("Housing:BootstrapAdmin:Password is refused: " + string.Join(" ", v.Errors.SelectMany(e => e.Value).Select(m => m.En)));
            }
        }
    }

    public Task StopAsync(CancellationToken ct) => database.StopAsync();
}
