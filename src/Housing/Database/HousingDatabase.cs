using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Database;

/// <summary>
/// The app's database: the configured server (ConnectionStrings:Housing), or else a private embedded
/// cluster. <see cref="StartAsync"/> starts what is needed, creates the database, applies migrations
/// and loads the reference data; <see cref="StopAsync"/> stops the embedded cluster, if any.
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

    public bool IsEmbedded => embedded is not null;
    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("The database has not been started yet.");
    /// <summary>With its password (the data source's own copy drops it), for tools such as pg_dump.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task StartAsync(CancellationToken ct = default)
    {
        if (dataSource is not null) return;
        var configured = config.GetConnectionString("Housing");
        string cs;
        if (string.IsNullOrWhiteSpace(configured))
        {
            var dir = config["Housing:Database:DataDirectory"];
            embedded = await EmbeddedPostgres.StartAsync(string.IsNullOrWhiteSpace(dir) ? EmbeddedPostgres.DefaultDataDirectory() : dir,
                logger, config["Housing:Database:BinDirectory"], durable: true, ct);
            await CreateDatabaseIfMissingAsync(embedded.ConnectionString("postgres"), "housing", ct);
            cs = embedded.ConnectionString("housing");
        }
        else cs = configured;

        ConnectionString = cs;
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
        dataSource = builder.Build();
        await Migrations.ApplyAsync(dataSource, logger, ct: ct);
        await Geography.GeographySeeder.SeedAsync(dataSource, logger, ct);
    }

    public static async Task CreateDatabaseIfMissingAsync(string maintenanceConnectionString, string name, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(maintenanceConnectionString);
        await conn.OpenAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", new { name }))
            await conn.ExecuteAsync($"CREATE DATABASE \"{name}\" ENCODING 'UTF8'");
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
