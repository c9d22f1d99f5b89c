using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Database;

/// <summary>
/// The app's database: the configured server, or else a private embedded cluster. Two logins
/// (<see cref="DatabaseRoles"/>): <c>ConnectionStrings:HousingOwner</c> owns the tables and migrates, and
/// <c>ConnectionStrings:Housing</c> is the app's, which only reads and writes rows. Given only the second, the app
/// migrates and runs on it and says so once. <see cref="StartAsync"/> starts what is needed, creates the
/// database, migrates and grants as the owner, loads the reference data and opens the app's data source;
/// <see cref="StopAsync"/> stops the embedded cluster, if any.
/// </summary>
public sealed class HousingDatabase(IConfiguration config, ILogger<HousingDatabase> logger) : IAsyncDisposable
{
    EmbeddedPostgres? embedded;
    NpgsqlDataSource? dataSource;

    static HousingDatabase()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
    }

    public const int MaxAutoPrepare = 64;

    /// <summary>
    /// Run under the migration lock, as the owner, after the migrations and before the app's grants (so what they
    /// create is granted too): the schemas that belong to a package rather than to migrations/, i.e. Hangfire's.
    /// </summary>
    public static readonly Migrations.AfterStep[] AfterMigrations = [Jobs.HangfireSchema.InstallAsync];

    public bool IsEmbedded => embedded is not null;
    /// <summary>The app's data source, on the app's login.</summary>
    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("The database has not been started yet.");
    /// <summary>The app's login, with its password (the data source's own copy drops it).</summary>
    public string ConnectionString { get; private set; } = "";
    /// <summary>The owner's login, with its password: for migrations and tools such as pg_dump.</summary>
    public string OwnerConnectionString { get; private set; } = "";

    public async Task StartAsync(CancellationToken ct = default)
    {
        if (dataSource is not null) return;
        var configured = config.GetConnectionString("Housing");
        var configuredOwner = config.GetConnectionString("HousingOwner");
        string cs, owner;
        if (string.IsNullOrWhiteSpace(configured) && string.IsNullOrWhiteSpace(configuredOwner))
        {
            var dir = config["Housing:Database:DataDirectory"];
            embedded = await EmbeddedPostgres.StartAsync(string.IsNullOrWhiteSpace(dir) ? EmbeddedPostgres.DefaultDataDirectory() : dir,
                logger, config["Housing:Database:BinDirectory"], durable: true, ct);
            await embedded.EnsureRolesAsync(ct);
            await CreateDatabaseIfMissingAsync(embedded.ConnectionString("postgres"), "housing", EmbeddedPostgres.OwnerRole, ct);
            await using (var superuser = new NpgsqlConnection(embedded.ConnectionString("housing") + ";Pooling=false"))
            {
                await superuser.OpenAsync(ct);
                await DatabaseRoles.TakeOwnershipAsync(superuser, EmbeddedPostgres.OwnerRole, ct); // a cluster of an earlier version
            }
            cs = embedded.ConnectionString("housing", EmbeddedPostgres.AppRole);
            owner = embedded.ConnectionString("housing", EmbeddedPostgres.OwnerRole);
        }
        else
        {
            cs = string.IsNullOrWhiteSpace(configured) ? configuredOwner! : configured;
            owner = string.IsNullOrWhiteSpace(configuredOwner) ? cs : configuredOwner;
        }

        ConnectionString = cs;
        OwnerConnectionString = owner;
        var appRole = new NpgsqlConnectionStringBuilder(cs).Username;
        var separate = !string.IsNullOrEmpty(appRole) && appRole != new NpgsqlConnectionStringBuilder(owner).Username;
        await MigrateAsync(owner, separate ? appRole : null, logger, ct);
        dataSource = Build(cs);
        // Opened now, so that a wrong password of the app's login stops the start rather than the first request.
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        if (!separate)
            logger.LogWarning("Only one database login is configured: the app runs on the login that owns the tables and migrates them, so the app's " +
                "own credentials could alter tables and switch off the ledgers' append-only triggers. Set ConnectionStrings:HousingOwner to the " +
                "owner's login and ConnectionStrings:Housing to a login that may only read and write rows (README, Operating).");
        else if (await DatabaseRoles.CanChangeSchemaAsync(conn))
            logger.LogWarning("The app's database login {Role} is a superuser or owns tables, so its credentials could alter tables and switch off " +
                "the ledgers' append-only triggers. Give ConnectionStrings:Housing a login that owns nothing (README, Operating).", appRole);
    }

    /// <summary>Everything a database needs before the app uses it, done as its owner: the migrations, the package schemas
    /// and, when the app has a login of its own, its grants, all under the migration lock; then the geography.</summary>
    public static async Task MigrateAsync(string ownerConnectionString, string? appRole, ILogger logger, CancellationToken ct = default)
    {
        Migrations.AfterStep[] after = appRole is null
            ? AfterMigrations
            : [.. AfterMigrations, (conn, t) => DatabaseRoles.GrantAppAsync(conn, appRole, t)];
        await Migrations.ApplyAsync(ownerConnectionString, logger, after: after, ct: ct);
        await using var owner = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ownerConnectionString) { Pooling = false }.ConnectionString);
        await Geography.GeographySeeder.SeedAsync(owner, logger, ct);
    }

    static NpgsqlDataSource Build(string cs)
    {
        var builder = new NpgsqlDataSourceBuilder(cs);
        builder.ConnectionStringBuilder.ApplicationName ??= "housing";
        // Prepare the statements a connection runs again and again: planning the payment statements cost as much as
        // running them (payments benchmark, 16 clients: 471 → 994 per second over HTTP). A connection string may say otherwise.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = cs };
        if (!given.ContainsKey("Max Auto Prepare"))
            builder.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPrepare;
        // The app leaves no session state behind (no SET, no session advisory lock held, temporary tables dropped at commit),
        // so a connection going back to the pool needs no reset statements before its next use; an open transaction is
        // still rolled back.
        if (!given.ContainsKey("No Reset On Close"))
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder.Build();
    }

    /// <summary>Creates the database when missing, owned by <paramref name="owner"/> (by default the maintenance login).</summary>
    public static async Task CreateDatabaseIfMissingAsync(string maintenanceConnectionString, string name, string? owner = null, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(maintenanceConnectionString);
        await conn.OpenAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", new { name }))
            await conn.ExecuteAsync($"CREATE DATABASE \"{name}\" {(owner is null ? "" : $"OWNER \"{owner}\" ")}ENCODING 'UTF8'");
    }

    public async Task StopAsync()
    {
        if (dataSource is not null) await dataSource.DisposeAsync();
        dataSource = null;
        if (embedded is not null) await embedded.StopAsync();
        embedded = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value) => parameter.Value = value;
        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a date"),
        };
    }
}
