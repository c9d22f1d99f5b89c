using Housing.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Database;

/// <summary>Registered first, so it starts before every other hosted service and stops after them: the
/// database (embedded or configured) is up and migrated before anything uses it, and the embedded
/// cluster is stopped last when the app stops (SIGTERM, Ctrl-C).</summary>
public sealed class DatabaseStartup(HousingDatabase database, IConfiguration config, IServiceProvider services, ILogger<DatabaseStartup> logger) : IHostedService
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

    async Task PrepareAsync(CancellationToken ct)
    {
        if (config.GetValue<bool?>("Housing:Demo") ?? database.IsEmbedded)
            await Demo.DemoData.SeedAsync(services, ct);
        var bootstrap = config["Housing:BootstrapAdmin:Password"];
        if (!string.IsNullOrEmpty(bootstrap))
        {
            var users = services.GetRequiredService<UserService>();
            if (await users.EnsureBootstrapAdminAsync(bootstrap, ct))
                logger.LogInformation("Created the bootstrap administrator 'admin'");
        }
    }

    public Task StopAsync(CancellationToken ct) => database.StopAsync();
}
