using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Housing.Access;
using Housing.Disbursements;
using Housing.Milestones;
using Housing.Tests.Rules;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Tests.Disbursements;

/// <summary>
/// How often a payment goes to the database, counted rather than claimed (DisbursementService.RecordAsync): two round trips,
/// BEGIN with the locks and reads, then the inserts with COMMIT, whether the program year has payment gates or not, back-dated
/// or a repeated Idempotency-Key; a refused one is its first batch and the ROLLBACK Npgsql sends as the connection closes.
/// <para>Counted on a data source of the app's own settings: each command Npgsql sends is one activity of its ActivitySource
/// "Npgsql" (a command of several statements is one, and one round trip); only the children of this test's own activity are
/// counted, so the classes running alongside add nothing. What Npgsql sends outside a command (the ROLLBACK on close, an
/// NpgsqlTransaction's COMMIT) has no activity: its log names it. Opening a pooled connection sends nothing; a physical open
/// shows as a "CONNECT" activity, and the pool holds a connection before any counting.</para>
/// </summary>
public sealed class PaymentRoundTripTests(TestApp app) : IClassFixture<TestApp>, IAsyncLifetime
{
    ILoggerFactory? loggers;
    NpgsqlDataSource? db;
    DisbursementService payments = null!;
    Caller treasurer = null!;

    public async Task InitializeAsync()
    {
        // The app's data source's settings (auto-prepare, no reset on close, ...) with its password, which its copy drops.
        var cs = new NpgsqlConnectionStringBuilder(app.Db.ConnectionString) { Password = new NpgsqlConnectionStringBuilder(app.ConnectionString).Password };
        loggers = LoggerFactory.Create(b => b.AddProvider(new OwnTrips((trace, trip) => sent.Enqueue((trace, trip)))).SetMinimumLevel(LogLevel.Debug));
        db = new NpgsqlDataSourceBuilder(cs.ConnectionString).UseLoggerFactory(loggers).Build();
        payments = new DisbursementService(db, app.Get<TimeProvider>());
        treasurer = await app.CreateUserAsync(Role.Treasurer, subdistricts: ["540101"]);
        await using var warm = await db.OpenConnectionAsync(); // the physical open and the type loading are not the payment's
    }

    public async Task DisposeAsync()
    {
        if (db is not null) await db.DisposeAsync();
        loggers?.Dispose();
    }

    static RecordDisbursement Pay(decimal amount, string paidOn = "2022-02-15", string receipt = "R-1")
        => new(amount, DateOnly.Parse(paidOn, System.Globalization.CultureInfo.InvariantCulture), "ร้านวัสดุ", receipt, "supplier");

    Task<Saved<DisbursementView>> RecordAsync(long allocationId, RecordDisbursement cmd, string? key = null)
        => payments.RecordAsync(treasurer, allocationId, cmd, key);

    [Fact]
    public async Task A_payment_under_payment_gates_is_two_round_trips_the_gates_read_with_the_locks()
    {
        var (fy, projectId, homes) = await EvidenceSeed.ProjectAsync(app, 1, 20_000m, 100_000m);
        await EvidenceSeed.RulesAsync(app, fy, new { paymentGates = new object[] { new { stage = "approved", payableShare = 50m }, new { stage = "completed", payableShare = 100m } } });
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        foreach (var (stage, day) in new[] { ("surveyed", 10), ("approved", 11) })
            await app.Get<MilestoneService>().RecordAsync(treasurer, homes[0], new RecordMilestone(stage, new DateOnly(2022, 1, day), null));

        var paid = await CountAsync(() => RecordAsync(homes[0], Pay(8_000m)));
        Assert.Equal("2: BEGIN… | …COMMIT", paid.ToString());
        Assert.Contains("payment_gates", paid.Sql[0]);

        // Past what "approved" unlocks (10,000): refused from what the first batch read, the gates among it.
        Conflict? refused = null;
        var gated = await CountAsync(async () => refused = await Assert.ThrowsAsync<Conflict>(() => RecordAsync(homes[0], Pay(5_000m, receipt: "R-2"))));
        Assert.Equal("2: BEGIN… | ROLLBACK", gated.ToString());
        Assert.Equal((2_000m, "completed"), ((decimal)refused!.Extensions["payableNow"]!, (string?)refused.Extensions["nextStage"]));
        await AssertWrittenAsync(projectId, 8_000m);
    }

    [Fact]
    public async Task A_payment_without_gates_is_the_same_two_round_trips()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_000m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m);
        Assert.Null(await app.Db.ScalarAsync<string?>("""
            SELECT y.payment_gates::text FROM allocations a JOIN program_years y ON (y.program, y.fiscal_year) = (a.program, a.fiscal_year)
            WHERE a.id = @AllocationId
            """, home));

        var paid = await CountAsync(() => RecordAsync(home.AllocationId, Pay(8_000m)));
        Assert.Equal("2: BEGIN… | …COMMIT", paid.ToString());
        Assert.Contains("payment_gates", paid.Sql[0]);
        await AssertWrittenAsync(home.ProjectId, 8_000m);
    }

    [Fact]
    public async Task A_back_dated_payment_is_two_round_trips_the_dated_balance_read_with_the_locks()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 40_000m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 10_000m, new DateOnly(2022, 1, 20));
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m, new DateOnly(2022, 3, 1));

        // Dated before the second tranche: only the first one's 10,000 counts on 1 February.
        var paid = await CountAsync(() => RecordAsync(home.AllocationId, Pay(8_000m, "2022-02-01")));
        Assert.Equal("2: BEGIN… | …COMMIT", paid.ToString());
        Assert.Contains("project_days", paid.Sql[0]);

        // 22,000 on hand today, 2,000 on 10 February: refused from the first batch's dated balance.
        Conflict? refused = null;
        var dated = await CountAsync(async () => refused = await Assert.ThrowsAsync<Conflict>(() => RecordAsync(home.AllocationId, Pay(5_000m, "2022-02-10", "R-2"))));
        Assert.Equal("2: BEGIN… | ROLLBACK", dated.ToString());
        Assert.Equal(3_000m, (decimal)refused!.Extensions["shortfall"]!);
        await AssertWrittenAsync(home.ProjectId, 8_000m);
    }

    [Fact]
    public async Task A_repeated_Idempotency_Key_is_two_round_trips_that_read_the_first_payment_and_write_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_000m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m);
        var first = await CountAsync(() => RecordAsync(home.AllocationId, Pay(8_000m), "pay-1"));
        Assert.Equal("2: BEGIN… | …COMMIT", first.ToString());

        Saved<DisbursementView>? again = null;
        var repeat = await CountAsync(async () => again = await RecordAsync(home.AllocationId, Pay(8_000m), "pay-1"));
        Assert.Equal("2: BEGIN… | …COMMIT", repeat.ToString());
        Assert.True(again!.Replayed);
        Assert.DoesNotContain("INSERT", repeat.Sql[1]);

        // The same key with another amount: a 409 from what the first batch read.
        var reused = await CountAsync(() => Assert.ThrowsAsync<Conflict>(() => RecordAsync(home.AllocationId, Pay(9_000m), "pay-1")));
        Assert.Equal("2: BEGIN… | ROLLBACK", reused.ToString());
        await AssertWrittenAsync(home.ProjectId, 8_000m);
    }

    [Fact]
    public async Task A_payment_over_the_allocation_is_its_first_batch_and_the_rollback_on_close()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_000m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 30_000m);

        Conflict? refused = null;
        var over = await CountAsync(async () => refused = await Assert.ThrowsAsync<Conflict>(() => RecordAsync(home.AllocationId, Pay(20_000.01m))));
        Assert.Equal("2: BEGIN… | ROLLBACK", over.ToString());
        Assert.Equal(20_000m, (decimal)refused!.Extensions["remaining"]!);
        await AssertWrittenAsync(home.ProjectId, 0m);
        // The connection went back to the pool out of its transaction: the next payment on it is the same two round trips.
        Assert.Equal("2: BEGIN… | …COMMIT", (await CountAsync(() => RecordAsync(home.AllocationId, Pay(20_000m)))).ToString());
        await AssertWrittenAsync(home.ProjectId, 20_000m);
    }

    /// <summary>What the project was paid, and no lock left behind (a refused payment's transaction rolled back, not idle in it).</summary>
    async Task AssertWrittenAsync(long projectId, decimal paid)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            SELECT FROM projects WHERE id = @projectId FOR UPDATE NOWAIT;
            SELECT FROM allocations WHERE project_id = @projectId FOR UPDATE NOWAIT;
            """, new { projectId }, tx);
        Assert.Equal(paid, await conn.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM disbursements WHERE project_id = @projectId", new { projectId }, tx));
        await Invariants.AssertHoldAsync(app.Db);
    }

    /// <summary>A round trip: a command (its SQL) or one Npgsql sends itself, outside any command (no SQL).</summary>
    sealed record Trip(string Label, string? Sql = null);

    /// <summary>The round trips of a call, in order: each command by whether it begins the transaction ("BEGIN…") or ends it
    /// ("…COMMIT"); Npgsql's own by what they send ("ROLLBACK" as it closes a connection still in a transaction, "COMMIT" of an
    /// NpgsqlTransaction). A physical open (several round trips of its own, none of them the payment's) is named apart.</summary>
    sealed record Trips(IReadOnlyList<Trip> All, int Connects)
    {
        public IReadOnlyList<string> Sql => All.Where(t => t.Sql is not null).Select(t => t.Sql!).ToList();

        public override string ToString() => $"{All.Count}: {string.Join(" | ", All.Select(t => t.Label))}"
            + (Connects > 0 ? $", after {Connects} physical open(s)" : "");
    }

    /// <summary>What was sent on the flows of the counted calls, by their activities' trace.</summary>
    readonly ConcurrentQueue<(ActivityTraceId Trace, Trip Trip)> sent = new();

    async Task<Trips> CountAsync(Func<Task> call)
    {
        using var mine = new Activity(nameof(PaymentRoundTripTests)).Start();
        var trace = mine.TraceId;
        var connects = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            // Other classes' commands are not even recorded while this listens.
            Sample = (ref ActivityCreationOptions<ActivityContext> o) => o.Parent.TraceId == trace ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = a =>
            {
                if (a.TraceId != trace) return;
                if (a.GetTagItem("db.query.text") is string sql)
                    sent.Enqueue((trace, new Trip((sql.StartsWith("BEGIN;") ? "BEGIN…" : "…") + (sql.TrimEnd().EndsWith("COMMIT;") ? "COMMIT" : ""), sql)));
                else if (a.OperationName.StartsWith("CONNECT ")) Interlocked.Increment(ref connects);
            },
        };
        ActivitySource.AddActivityListener(listener);
        await call();
        return new Trips(sent.Where(s => s.Trace == trace).Select(s => s.Trip).ToList(), connects);
    }

    /// <summary>Npgsql's log, kept for the round trips it makes outside a command, on the flow that caused them (so under
    /// that call's activity): the ROLLBACK on close, an NpgsqlTransaction's COMMIT, its internal commands (savepoints).</summary>
    sealed class OwnTrips(Action<ActivityTraceId, Trip> add) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Activity.Current is not { } a) return;
            var text = formatter(state, exception);
            if (text == "Rolling back transaction") add(a.TraceId, new Trip("ROLLBACK")); // NpgsqlConnector.Rollback, no event id
            else if (eventId.Id == NpgsqlEventId.CommittedTransaction) add(a.TraceId, new Trip("COMMIT"));
            else if (eventId.Id == NpgsqlEventId.ExecutingInternalCommand) add(a.TraceId, new Trip(text));
        }
    }
}
