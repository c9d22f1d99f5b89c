using Dapper;
using Housing.Access;
using Housing.Database;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Housing.Demo;

/// <summary>
/// A small, realistic data set for a first look, drawn from DOMAIN.md's real figures. Runs only on a
/// database with no users, through the same service methods users call, so it keeps every rule.
/// Each feature adds its own step to <see cref="Steps"/>.
/// </summary>
public static class DemoData
{
    /// <summary>Every demo account signs in with this password (README says so). Demo data is for looking around only.</summary>
    public const string Password = "housing-demo-2565";

    const long LockKey = 0x44656D6F; // "Demo"

    public sealed record DemoUser(string Username, Role Role, string DisplayName, string[] Provinces, string[] Subdistricts);

    public static readonly DemoUser[] Users =
    [
        new("admin", Role.Admin, "ผู้ดูแลระบบ", [], []),
        new("staff.phrae", Role.ProvincialStaff, "เจ้าหน้าที่ พอช. จังหวัดแพร่", ["54"], []),
        new("staff.saraburi", Role.ProvincialStaff, "เจ้าหน้าที่ พอช. จังหวัดสระบุรี", ["19"], []),
        new("treasurer.naiwiang", Role.Treasurer, "เหรัญญิก สภาองค์กรชุมชนตำบลในเวียง", [], ["540101", "540102"]),
        new("viewer", Role.Viewer, "ผู้ติดตามผล (หน่วยงานภาคี)", [], []),
    ];

    /// <summary>The steps, in order. A feature appends its own (budgets, households, payments, ...).</summary>
    // The program years (caps, tranches, gates) come last: they are rules adopted after the rounds below were allocated and paid.
    static readonly List<Func<IServiceProvider, ILogger, CancellationToken, Task>> Steps = [SeedUsersAsync, Budgets.BudgetDemo.SeedAsync, Disbursements.MoneyDemo.SeedAsync, Mankong.MankongDemo.SeedAsync,
        Rules.RulesDemo.SeedAsync, ProgramYearDemo.SeedAsync];

    static async Task SeedUsersAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var users = services.GetRequiredService<UserService>();
        foreach (var u in Users)
            await users.CreateAsync(Caller.System, new CreateUser(u.Username, Password, u.Role.ToString(), u.Provinces, u.Subdistricts, u.DisplayName), ct);
    }

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Housing.Demo");
        var db = services.GetRequiredService<HousingDatabase>().DataSource;
        await using var conn = await db.OpenConnectionAsync(ct);
        // One instance seeds; another starting at the same time waits, then finds users and skips.
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct));
        try
        {
            if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM users)", cancellationToken: ct))) return;
            foreach (var step in Steps) await step(services, logger, ct);
            logger.LogInformation("Filled the empty database with demo data; demo users sign in with password {Password}", Password);
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }
}
