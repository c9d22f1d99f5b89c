using Housing.Access;
using Housing.Database;

namespace Housing.Web;

/// <summary>Command-line verbs: <c>migrate</c> (apply migrations and exit) and <c>create-user</c>.</summary>
public static class Commands
{
    public static async Task<int> RunAsync(string command, string[] args, WebApplicationBuilder builder)
    {
        await using var app = builder.Build();
        var db = app.Services.GetRequiredService<HousingDatabase>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Housing.Commands");
        try
        {
            await db.StartAsync();
            switch (command)
            {
                case "migrate":
                    log.LogInformation("The database is migrated.");
                    return 0;
                case "create-user":
                    var opts = Options(args);
                    var password = opts.GetValueOrDefault("password") ?? Environment.GetEnvironmentVariable("HOUSING_NEW_PASSWORD");
                    if (password is null && !Console.IsInputRedirected) { Console.Write("Password: "); password = Console.ReadLine(); }
                    var user = await app.Services.GetRequiredService<UserService>().CreateAsync(Caller.System, new CreateUser(
                        opts.GetValueOrDefault("username"), password, opts.GetValueOrDefault("role"),
                        Split(opts.GetValueOrDefault("provinces")), Split(opts.GetValueOrDefault("subdistricts")), opts.GetValueOrDefault("name")));
                    Console.WriteLine($"Created user {user.Username} ({user.Role}) with id {user.Id}.");
                    return 0;
                case "backup" when args.Length == 1:
                    await Backup.DumpAsync(db.OwnerConnectionString, args[0]); // as the owner, who may read everything in the database
                    Console.WriteLine($"Wrote {args[0]} ({new FileInfo(args[0]).Length:N0} bytes).");
                    return 0;
                default:
                    Console.Error.WriteLine($"Unknown command '{command}'. Commands: migrate; backup FILE; create-user --username U --role R [--provinces 54,19] [--subdistricts 540101] [--password P | HOUSING_NEW_PASSWORD]");
                    return 2;
            }
        }
        catch (ValidationFailed v)
        {
            foreach (var (field, msgs) in v.Errors) Console.Error.WriteLine($"{field}: {string.Join(" ", msgs.Select(m => m.En))}");
            return 1;
        }
        catch (HousingException h)
        {
            Console.Error.WriteLine(h.Text.En);
            return 1;
        }
        finally
        {
            await db.StopAsync();
        }
    }

    static Dictionary<string, string> Options(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
            if (args[i].StartsWith("--", StringComparison.Ordinal)) d[args[i][2..]] = args[i + 1];
        return d;
    }

    static string[] Split(string? s) => s?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
