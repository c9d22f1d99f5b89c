using System.Net.Http.Headers;
using System.Net.Http.Json;
using Housing.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Housing.Tests.Infrastructure;

/// <summary>
/// The real app over this test class's own database (cloned from the migrated template), driven
/// through HTTP. Use as <c>IClassFixture&lt;TestApp&gt;</c>; each test makes its own rows.
/// </summary>
public class TestApp : IAsyncLifetime
{
    public const string Password = "test-password-1";
    WebApplicationFactory<Program>? factory;
    int userCounter;

    /// <summary>The app's login to this class's database (ConnectionStrings:Housing): it may only read and write rows.</summary>
    public string ConnectionString { get; private set; } = "";
    /// <summary>The owner's login to it (ConnectionStrings:HousingOwner): migrations, backups.</summary>
    public string OwnerConnectionString { get; private set; } = "";
    /// <summary>The superuser's, as <see cref="CreateDatabaseAsync"/> gave it.</summary>
    public string SuperuserConnectionString { get; private set; } = "";
    public WebApplicationFactory<Program> Factory => factory ?? throw new InvalidOperationException("not started");
    public IServiceProvider Services => Factory.Services;
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Extra settings for a derived fixture (e.g. jobs off, a bootstrap password).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        SuperuserConnectionString = await CreateDatabaseAsync();
        OwnerConnectionString = AsRole(SuperuserConnectionString, Housing.Database.EmbeddedPostgres.OwnerRole);
        ConnectionString = TwoLogins ? AsRole(SuperuserConnectionString, Housing.Database.EmbeddedPostgres.AppRole) : OwnerConnectionString;
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:Housing", ConnectionString);
            if (TwoLogins) b.UseSetting("ConnectionStrings:HousingOwner", OwnerConnectionString);
            b.UseSetting("Housing:Demo", "false");
            b.UseSetting("Housing:Auth:SignInsPerMinute", "100000"); // tests sign in far more often than people
            foreach (var (k, v) in Settings) b.UseSetting(k, v);
            ConfigureWebHost(b);
        });
        Start(Factory);
        // An app that stops before its tests end fails them with "IServiceProvider disposed" (DemoDataTests, until Hangfire's
        // process-wide logs followed a disposed host: Jobs/HangfireLogs): the stack of whatever stopped it goes to the test log.
        Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            if (!disposing) Console.Error.WriteLine($"{GetType().Name}: the app is stopping before its tests end, from:\n{Environment.StackTrace}");
        });
    }

    volatile bool disposing;

    /// <summary>Starts the app (in memory; the browser fixture starts it on Kestrel): the database is
    /// migrated before the first request.</summary>
    protected virtual void Start(WebApplicationFactory<Program> app) => _ = app.Server;

    /// <summary>This class's database: a clone of the migrated template on the shared cluster (its superuser's connection string).</summary>
    protected virtual Task<string> CreateDatabaseAsync() => TestCluster.CreateDatabaseAsync(GetType().Name);

    /// <summary>That connection string with one of the app's logins (made once per cluster).</summary>
    protected virtual string AsRole(string connectionString, string role) => role == Housing.Database.EmbeddedPostgres.AppRole
        ? TestCluster.AsApp(connectionString) : TestCluster.AsOwner(connectionString);

    /// <summary>Whether the app is given the owner's login too (false: only ConnectionStrings:Housing, as before there were two).</summary>
    protected virtual bool TwoLogins => true;

    protected virtual void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) { }

    public virtual async Task DisposeAsync()
    {
        disposing = true;
        if (factory is not null) await factory.DisposeAsync();
    }

    /// <summary>A new user with a unique name, made through the service as the system would.</summary>
    public async Task<Caller> CreateUserAsync(Role role, string[]? provinces = null, string[]? subdistricts = null, string? username = null)
    {
        username ??= $"{role.ToString().ToLowerInvariant()}{Interlocked.Increment(ref userCounter)}";
        var view = await Get<UserService>().CreateAsync(Caller.System, new CreateUser(username, Password, role.ToString(), provinces ?? [], subdistricts ?? []));
        return new Caller(view.Id, view.Username, role, view.ProvinceCodes, view.SubdistrictCodes);
    }

    /// <summary>An HTTP client with no credentials.</summary>
    public HttpClient Anonymous() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = Factory.ClientOptions.BaseAddress });

    /// <summary>An HTTP client holding a bearer token for a (new) user of this role and area.</summary>
    public async Task<HttpClient> ClientAsync(Role role, string[]? provinces = null, string[]? subdistricts = null)
    {
        var user = await CreateUserAsync(role, provinces, subdistricts);
        return await ClientForAsync(user.Username);
    }

    public async Task<HttpClient> ClientForAsync(string username, string password = Password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenBody>())!.AccessToken;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    sealed record TokenBody(string AccessToken, DateTimeOffset ExpiresAt);
}
