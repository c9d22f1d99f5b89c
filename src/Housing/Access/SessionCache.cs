using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Access;

/// <summary>
/// The answer to "is this session still current?" (asked on every authenticated request) kept in memory per instance,
/// so a request does not pay a database round trip for it. It is only trusted while this instance listens on
/// <see cref="Channel"/>: a trigger on <c>users</c> (migration 0017) notifies every instance when a user's security
/// stamp or activity changes, and the entry is dropped before the change's own request has returned (that request's
/// instance drops it at once, <see cref="Forget"/>; the others when the notification arrives, which PostgreSQL sends at
/// commit). While not listening (starting, or the connection lost) every check reads the database, and everything
/// cached is dropped, since notifications may have been missed.
/// </summary>
public sealed class SessionCache(IServiceProvider services, ILogger<SessionCache> logger) : BackgroundService
{
    public const string Channel = "housing_users";

    readonly record struct Session(Guid Stamp, bool Active);

    readonly ConcurrentDictionary<long, Session> users = new();
    // Bumped by every notification and every (dis)connection: a database read that started before a bump may be stale,
    // so it is not cached (a change landing between the read and the store would otherwise stay cached for good).
    long generation;
    volatile bool listening;
    NpgsqlDataSource? db;

    NpgsqlDataSource Db => db ??= services.GetRequiredService<NpgsqlDataSource>();

    public async Task<bool> IsCurrentAsync(long userId, Guid stamp, CancellationToken ct)
    {
        if (listening && users.TryGetValue(userId, out var known)) return known.Active && known.Stamp == stamp;
        var before = Interlocked.Read(ref generation);
        var trusted = listening;
        await using var cmd = Db.CreateCommand("SELECT security_stamp, is_active FROM users WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = userId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return false;
        var session = new Session(reader.GetGuid(0), reader.GetBoolean(1));
        if (trusted && listening && Interlocked.Read(ref generation) == before) users[userId] = session;
        return session.Active && session.Stamp == stamp;
    }

    /// <summary>This user's stamp or activity changed (here, or on another instance): the next check reads the database.</summary>
    public void Forget(long userId)
    {
        Interlocked.Increment(ref generation);
        users.TryRemove(userId, out _);
    }

    void ForgetAll()
    {
        Interlocked.Increment(ref generation);
        users.Clear();
    }

    public int Count => users.Count;

    public bool Listening => listening;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // A connection of its own, outside the pool: it is held for as long as the instance runs. Keepalive finds a
                // connection that died without a word (a server restarted, a network cut), so listening stops and checks read the database.
                var cs = new NpgsqlConnectionStringBuilder(services.GetRequiredService<Database.HousingDatabase>().ConnectionString)
                    { Pooling = false, KeepAlive = 10, ApplicationName = "housing-sessions" };
                await using var conn = new NpgsqlConnection(cs.ConnectionString);
                await conn.OpenAsync(ct);
                conn.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) Forget(id);
                    else ForgetAll();
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                ForgetAll();
                listening = true;
                while (true) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) // the database away or restarting: check every request against it until listening again
            {
                logger.LogWarning(e, "Not listening for changes of users; sessions are checked against the database until it is back");
            }
            finally
            {
                listening = false;
                ForgetAll();
            }
            try { await Task.Delay(TimeSpan.FromSeconds(2), ct); }
            catch (OperationCanceledException) { return; }
        }
    }
}
