using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Database;

/// <summary>
/// A private PostgreSQL cluster started from the server binaries on this machine, in a folder the
/// app owns, listening on a free loopback port. As root the binaries run as the <c>postgres</c>
/// account, because PostgreSQL refuses to run as root.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    const string ServiceAccount = "postgres";
    readonly string binDirectory;
    readonly ILogger logger;
    readonly bool asServiceAccount;
    bool stopped;

    EmbeddedPostgres(string root, string binDirectory, ILogger logger)
    {
        Root = root;
        this.binDirectory = binDirectory;
        this.logger = logger;
        asServiceAccount = Environment.IsPrivilegedProcess;
    }

    /// <summary>The login that owns the database and its tables and runs the migrations.</summary>
    public const string OwnerRole = "housing_owner";
    /// <summary>The app's login: reads and writes rows, owns nothing (<see cref="DatabaseRoles"/>).</summary>
    public const string AppRole = "housing_app";

    /// <summary>The folder the app owns: <c>pgdata/</c> (the cluster), <c>password</c> (the superuser's),
    /// <c>housing_owner.password</c> and <c>housing_app.password</c>, <c>postgres.log</c>.</summary>
    public string Root { get; }
    public int Port { get; private set; }
    string ClusterDirectory => Path.Combine(Root, "pgdata");
    string PasswordFile => Path.Combine(Root, "password");
    string LogFile => Path.Combine(Root, "postgres.log");
    string PortFile => Path.Combine(Root, "port");
    string Password => File.ReadAllText(PasswordFile).Trim();

    /// <summary>A connection string for <paramref name="database"/> as the superuser, or as one of the roles that
    /// <see cref="EnsureRolesAsync"/> made.</summary>
    public string ConnectionString(string database, string role = ServiceAccount) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = role, Password = role == ServiceAccount ? Password : RolePassword(role), Database = database,
    }.ConnectionString;

    /// <summary>This connection string with the login of <paramref name="role"/> instead of its own, other settings kept.</summary>
    public string AsRole(string connectionString, string role) => new NpgsqlConnectionStringBuilder(connectionString)
    {
        Username = role, Password = role == ServiceAccount ? Password : RolePassword(role),
    }.ConnectionString;

    string RolePasswordFile(string role) => Path.Combine(Root, role + ".password");
    string RolePassword(string role) => File.ReadAllText(RolePasswordFile(role)).Trim();

    /// <summary>Makes the owner and app logins (cluster-wide), each with a password generated once and kept in the data
    /// folder, readable by this account only. Their passwords are set again at every start, so the files are what counts.</summary>
    public async Task EnsureRolesAsync(CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await conn.OpenAsync(ct);
        foreach (var role in new[] { OwnerRole, AppRole })
        {
            var file = RolePasswordFile(role);
            if (!File.Exists(file))
            {
                await File.WriteAllTextAsync(file + ".tmp", Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), ct);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file + ".tmp", UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.Move(file + ".tmp", file, overwrite: true);
            }
            await DatabaseRoles.EnsureLoginAsync(conn, role, RolePassword(role), ct);
        }
    }

    /// <summary>The default data folder: under the user's local data folder, or /var/lib/housing for root
    /// (root's home is closed to the postgres account).</summary>
    public static string DefaultDataDirectory() => Environment.IsPrivilegedProcess
        ? "/var/lib/housing"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "housing");

    public const string NoServerMessage =
        "No PostgreSQL server binaries (pg_ctl, initdb, postgres) were found on this machine. Either: " +
        "(1) install PostgreSQL (Debian/Ubuntu: apt-get install postgresql), " +
        "(2) run `docker compose up` to start PostgreSQL and the app in containers, or " +
        "(3) point the app at a server you have: set ConnectionStrings__Housing (e.g. \"Host=localhost;Database=housing;Username=housing;Password=...\").";

    /// <summary>Finds a folder holding these tools (by default pg_ctl, initdb and postgres): the configured one, PATH, then the newest /usr/lib/postgresql/*/bin.</summary>
    public static string? FindBinDirectory(string? configured = null, string[]? tools = null)
    {
        tools ??= ["pg_ctl", "initdb", "postgres"];
        bool Complete(string dir) => tools.All(f => File.Exists(Path.Combine(dir, f)));
        if (!string.IsNullOrWhiteSpace(configured)) return Complete(configured) ? configured : null;
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        return candidates.FirstOrDefault(d => Directory.Exists(d) && Complete(d));
    }

    /// <summary>Starts (initialising on first use) the cluster in <paramref name="root"/>, or attaches to
    /// the one already running there after an unclean stop.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(string root, ILogger logger, string? binDirectory = null,
        bool durable = true, CancellationToken ct = default)
    {
        var bin = FindBinDirectory(binDirectory) ?? throw new InvalidOperationException(NoServerMessage);
        root = Path.GetFullPath(root);
        var pg = new EmbeddedPostgres(root, bin, logger);
        await pg.StartCoreAsync(durable, ct);
        return pg;
    }

    async Task StartCoreAsync(bool durable, CancellationToken ct)
    {
        Directory.CreateDirectory(Root);
        if (asServiceAccount)
        {
            CheckReachable(Root);
            await RunAsync("chown", [$"{ServiceAccount}:", Root], asAccount: false, ct);
        }
        if (!File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
            await InitialiseAsync(durable, ct);

        var running = RunningPort();
        if (running is int port)
        {
            // An earlier run died without stopping its cluster: use it rather than start a second one.
            Port = port;
            logger.LogInformation("Attached to the PostgreSQL cluster already running in {Dir} on port {Port}", ClusterDirectory, Port);
            return;
        }
        Port = PreferredPort();
        await RunAsync(Path.Combine(binDirectory, "pg_ctl"),
            ["start", "-D", ClusterDirectory, "-l", LogFile, "-w", "-t", "60", "-s", "-o", $"-p {Port}"], asServiceAccount, ct);
        logger.LogInformation("Started PostgreSQL in {Dir} on 127.0.0.1:{Port}", ClusterDirectory, Port);
    }

    async Task InitialiseAsync(bool durable, CancellationToken ct)
    {
        if (Directory.Exists(ClusterDirectory)) Directory.Delete(ClusterDirectory, recursive: true); // a half-made cluster from a failed first start
        await File.WriteAllTextAsync(PasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (asServiceAccount) await RunAsync("chown", [$"{ServiceAccount}:", PasswordFile], asAccount: false, ct);
        await RunAsync(Path.Combine(binDirectory, "initdb"),
            ["-D", ClusterDirectory, "-U", ServiceAccount, "--auth=scram-sha-256", $"--pwfile={PasswordFile}",
             "-E", "UTF8", "--no-locale", "--no-sync"], asServiceAccount, ct);
        // Loopback TCP only: no socket file to collide with a system PostgreSQL, nothing reachable from outside.
        var settings = """

            # Housing: embedded cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            max_connections = 200
            shared_buffers = 256MB
            """;
        if (!durable)
            settings += "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"; // test clusters: thrown away after the run
        await File.AppendAllTextAsync(Path.Combine(ClusterDirectory, "postgresql.conf"), settings + "\n", ct);
        logger.LogInformation("Initialised a new PostgreSQL cluster in {Dir}", ClusterDirectory);
    }

    /// <summary>The port of a postmaster still alive on this cluster, read from postmaster.pid.</summary>
    int? RunningPort()
    {
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var lines = File.ReadAllLines(pidFile);
        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port)) return null;
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.HasExited) return null;
        }
        catch (ArgumentException) { return null; }
        using var probe = new TcpClient();
        try { probe.Connect(IPAddress.Loopback, port); return port; }
        catch (SocketException) { return null; }
    }

    public async Task StopAsync()
    {
        if (stopped) return;
        stopped = true;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["stop", "-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60", "-s"], asServiceAccount, CancellationToken.None);
        logger.LogInformation("Stopped PostgreSQL in {Dir}", ClusterDirectory);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>The port of the last start when it is still free (so a restarted cluster is found where
    /// clients left it), else a new free one, remembered for next time.</summary>
    int PreferredPort()
    {
        if (File.Exists(PortFile) && int.TryParse(File.ReadAllText(PortFile).Trim(), out var last) && IsFree(last)) return last;
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        File.WriteAllText(PortFile, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return port;
    }

    static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>The postgres account must be able to reach the folder: every folder above it must let others through.</summary>
    static void CheckReachable(string root)
    {
        if (OperatingSystem.IsWindows()) return;
        for (var dir = Directory.GetParent(root); dir is not null; dir = dir.Parent)
        {
            if (!File.GetUnixFileMode(dir.FullName).HasFlag(UnixFileMode.OtherExecute))
                throw new InvalidOperationException(
                    $"The PostgreSQL data folder {root} is under {dir.FullName}, which the postgres account cannot enter " +
                    "(PostgreSQL refuses to run as root, so the app runs it as postgres). " +
                    "Set Housing:Database:DataDirectory to a folder outside it, e.g. /var/lib/housing.");
        }
    }

    /// <summary>Runs a tool to the end; a non-zero exit throws with what it printed.</summary>
    internal static async Task RunAsync(string file, string[] args, bool asAccount, CancellationToken ct, IDictionary<string, string>? environment = null)
    {
        var psi = asAccount
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", ServiceAccount, "--", file } }
            : new ProcessStartInfo(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = "/";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}{await stdout}");
    }
}
