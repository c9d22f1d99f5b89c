using System.Text.Json;
using Housing.Access;
using Housing.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Housing.Demo;

/// <summary>
/// The demo's program year rules, read from <c>program-years.json</c> (data, not code: CODI's manual may set other numbers).
/// Phrae's FY 2565 Baan Por Piang: 40 % free, 40 % once half the homes bought their materials, the last 20 % once every
/// home is completed with a photo; a home paid 60 % once its materials are bought, the rest once completed. Set after the
/// money step, as the rules were adopted mid-year: its tranches and payments fit them, and each Phrae project stands
/// part-way, with two tranches received and the third waiting for its completed homes' photos.
/// </summary>
public static class ProgramYearDemo
{
    sealed record Year(string Program, int FiscalYear, decimal? CapPerHome, Tranche[]? Tranches, PaymentGate[]? PaymentGates);

    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var years = services.GetRequiredService<ProgramYearService>();
        await using var json = typeof(ProgramYearDemo).Assembly.GetManifestResourceStream("demo/program-years.json")
            ?? throw new InvalidOperationException("demo/program-years.json is not embedded");
        var list = await JsonSerializer.DeserializeAsync<Year[]>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web), ct) ?? [];
        foreach (var y in list)
            await years.SetAsync(Caller.System, y.Program, y.FiscalYear, new SetProgramYear(y.CapPerHome, y.Tranches, y.PaymentGates), ct);
        logger.LogInformation("Demo program years: {Years}", string.Join(", ", list.Select(y => $"{y.Program} {y.FiscalYear}")));
    }
}
