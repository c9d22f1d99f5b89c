using System.Net.Sockets;
using Dapper;
using Housing.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Housing.Tests.Database;

/// <summary>The launcher the app uses when no connection string is set: each test its own cluster folder.</summary>
public sealed class EmbeddedPostgresTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "housing-launcher-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static bool Listening(int port)
    {
        using var c = new TcpClient();
        try { c.Connect("127.0.0.1", port); return true; }
        catch (SocketException) { return false; }
    }

    [Fact]
    public async Task Starts_a_cluster_stops_it_and_a_restart_finds_the_same_data()
    {
        var pg = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        var firstPort = pg.Port;
        await using (var conn = new NpgsqlConnection(pg.ConnectionString("postgres") + ";Pooling=false"))
        {
            await conn.ExecuteAsync("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('บ้านพอเพียง')");
        }
        await pg.StopAsync();
        Assert.False(Listening(firstPort));
        Assert.False(File.Exists(Path.Combine(root, "pgdata", "postmaster.pid")));

        var again = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        try
        {
            await using var conn = new NpgsqlConnection(again.ConnectionString("postgres") + ";Pooling=false");
            Assert.Equal("บ้านพอเพียง", await conn.ExecuteScalarAsync<string>("SELECT note FROM kept"));
            // Loopback TCP only, with a password: no trust authentication.
            Assert.Equal("127.0.0.1", await conn.ExecuteScalarAsync<string>("SHOW listen_addresses"));
            Assert.Equal("", await conn.ExecuteScalarAsync<string>("SHOW unix_socket_directories"));
        }
        finally { await again.StopAsync(); }
        Assert.False(Listening(again.Port));
    }

    [Fact]
    public async Task A_start_after_a_crash_attaches_to_the_cluster_still_running()
    {
        var first = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        // The app died without stopping it: a second start must not launch another server on the same data.
        var second = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        Assert.Equal(first.Port, second.Port);
        await second.StopAsync();
        Assert.False(Listening(first.Port));
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        var pg = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, durable: false);
        try
        {
            var cs = new NpgsqlConnectionStringBuilder(pg.ConnectionString("postgres")) { Password = "wrong", Pooling = false };
            await using var conn = new NpgsqlConnection(cs.ConnectionString);
            var e = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync());
            Assert.Equal("28P01", e.SqlState);
        }
        finally { await pg.StopAsync(); }
    }

    [Fact]
    public async Task Without_server_binaries_the_message_names_the_three_ways_out()
    {
        var empty = Directory.CreateTempSubdirectory("nobin").FullName;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedPostgres.StartAsync(root, NullLogger.Instance, binDirectory: empty));
        Assert.Contains("apt-get install postgresql", e.Message);
        Assert.Contains("docker compose up", e.Message);
        Assert.Contains("ConnectionStrings__Housing", e.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "pgdata")));
    }
}
