using Housing.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Housing.Tests.Jobs;

/// <summary>An app instance without its web side, as a second server on one database: the services, the migrations and
/// Hangfire, with <paramref name="settings"/> over the defaults here and its log to <paramref name="log"/> (warnings and
/// up to the console when none).</summary>
static class JobHost
{
    public static IHost Create(string connectionString, IDictionary<string, string?>? settings = null, ILoggerProvider? log = null)
    {
        var builder = Host.CreateApplicationBuilder();
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Housing"] = TestCluster.AsApp(connectionString),
            ["ConnectionStrings:HousingOwner"] = TestCluster.AsOwner(connectionString),
            ["Housing:Demo"] = "false",
            ["Housing:Jobs:IncrementalSeconds"] = "3600",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        builder.Configuration.AddInMemoryCollection(all);
        if (log is null) builder.Logging.SetMinimumLevel(LogLevel.Warning);
        else builder.Logging.ClearProviders().AddProvider(log);
        builder.Services.AddHousing();
        builder.Services.AddHousingJobs(builder.Configuration);
        return builder.Build();
    }
}
