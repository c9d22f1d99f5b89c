using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime;
using Dapper;
using Housing.Access;
using Housing.Database;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Housing.Benchmarks;

/// <summary>
/// Payments over HTTP (the app on loopback Kestrel: bearer token, area check, project and allocation locks,
/// idempotency key, limits, payment gates, audit row) beside the bare transaction in raw SQL (lock the allocation, sum,
/// insert), each on its own identical copy of the same data, in one run on one private cluster, taking turns of a second.
/// Then SQL checks that no allocation and no project's cash was overspent.
/// <c>dotnet run -c Release --project tests/Housing.Benchmarks -- payments [--clients 16] [--seconds 10]
/// [--projects 100] [--homes 50] [--ledger 500] [--back-dated] [--pool 8] [--fast] [--no-prepare]</c> (--fast: fsync off, as the test clusters run; both sides
/// auto-prepare their statements as the app does, unless --no-prepare; --back-dated: the payments are dated 21 January, before
/// the 12 days of the ledger's first payments, so each one's dated-balance check reads every later day; --ledger N: each project's ledger starts with N payments
/// instead of one per home, over its last 12 days, to show that a payment's checks do not grow with the ledger's length).
/// </summary>
public static class PaymentsBenchmark
{
    const string Password = "bench-password-1";
    // A year under way: each home has had a first payment of 2,000, and its project received 60 % of its homes' money.
    // 100-baht payments then fill a home after 80 more, and a project's cash after 40 per home on average.
    const decimal Allocation = 10_000m, FirstPayment = 2_000m, Payment = 100m;
    const string Subdistrict = "540101";

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        int clients = Arg("--clients", 16), seconds = Arg("--seconds", 10), projects = Arg("--projects", 100), homes = Arg("--homes", 50);
        var ledger = Math.Max(Arg("--ledger", homes), homes);
        var durable = !args.Contains("--fast");
        var options = $";Max Auto Prepare={(args.Contains("--no-prepare") ? 0 : HousingDatabase.MaxAutoPrepare)};No Reset On Close=true";
        // --pool N: at most N database connections on each side (default 8, four per core of this machine's database server), so
        // requests queue for a connection instead of 16 backends contending for 2 cores; --pool 0: one connection per client.
        var pool = Arg("--pool", 8);
        if (pool > 0) options += $";Maximum Pool Size={pool}";

        await using var bench = await Bench.StartAsync(durable);
        await SeedAsync(bench.Db, projects, homes, ledger);
        var rawConnection = await bench.CopyAsync("bench_raw");
        var httpConnection = await bench.CopyAsync("bench_http");
        Console.WriteLine($"payments: {projects} projects x {homes} homes of {Allocation:0} baht with {FirstPayment:0} paid, {ledger} payments per project's ledger, cash for 60 %, {Payment:0}-baht payments{(args.Contains("--back-dated") ? " back-dated before the ledger's last 11 days" : "")}, " +
            $"{clients} clients, {(pool > 0 ? $"pools of {pool} connections" : "a connection per client")}, {seconds} s each, fsync {(durable ? "on" : "off")}, auto-prepare {(args.Contains("--no-prepare") ? "off" : "on")}, " +
            $"{Environment.ProcessorCount} cores, load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")}");

        var allocations = Enumerable.Range(1, projects * homes).Select(i => (long)i).ToArray();
        await using var rawDb = NpgsqlDataSource.Create(rawConnection + (pool > 0 ? options : $";Maximum Pool Size={clients + 4}{options}"));
        var raw = new Side(bench, "raw SQL", clients, allocations, (client, id, key) => RawPaymentAsync(rawDb, id));

        var hosted = Bench.HostApp(httpConnection + options);
        await using var app = hosted.App;
        var baseUrl = hosted.BaseUrl;
        // One treasurer per client, as 16 councils' treasurers would be: each signs in and pays with its own token.
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        var tokens = new List<AuthenticationHeaderValue>();
        using (var signIn = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl) })
            for (var c = 0; c < clients; c++)
            {
                await app.Services.GetRequiredService<UserService>().CreateAsync(Caller.System,
                    new CreateUser($"treasurer.bench{c}", Password, nameof(Role.Treasurer), [], [Subdistrict]));
                var token = await (await signIn.PostAsJsonAsync("/api/v1/auth/token", new { username = $"treasurer.bench{c}", password = Password }))
                    .Content.ReadFromJsonAsync<Token>();
                tokens.Add(new AuthenticationHeaderValue("Bearer", token!.AccessToken));
            }
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl) };
        var paidOn = args.Contains("--back-dated") ? "2022-01-21" : "2022-02-01";
        var body = new { amount = Payment, paidOn, payee = "ร้านวัสดุก่อสร้าง", payeeType = "supplier", receiptNo = "R-1" };
        var web = new Side(bench, "HTTP", clients, allocations, async (client, id, key) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/allocations/{id}/disbursements") { Content = JsonContent.Create(body) };
            request.Headers.Authorization = tokens[client];
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            return response.StatusCode switch
            {
                HttpStatusCode.Created => true,
                HttpStatusCode.Conflict => false,
                var s => throw new InvalidOperationException($"HTTP {(int)s}: {await response.Content.ReadAsStringAsync()}"),
            };
        });

        await raw.WarmAsync();
        await web.WarmAsync();
        // The two sides take turns, a second each, so that whatever else the machine does (other tenants of its cores)
        // falls on both alike: measured one after the other, the same code's figures moved by 30 % between runs.
        for (var s = 0; s < seconds; s++)
        {
            await raw.RunAsync(TimeSpan.FromSeconds(1));
            await web.RunAsync(TimeSpan.FromSeconds(1));
        }
        var (rawResult, webResult) = (raw.Report(), web.Report());
        await CheckAsync(rawDb, "raw SQL");
        await CheckAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), "HTTP");

        var ratio = webResult.PerSecond / rawResult.PerSecond;
        Console.WriteLine($"HTTP/raw throughput: {ratio:P0} (target >= 50%); HTTP p99 {webResult.P99:0.0} ms (target <= 25 ms): " +
            (ratio >= 0.5 && webResult.P99 <= 25 ? "met" : "NOT met"));
        return 0;
    }

    sealed record Token(string AccessToken);

    sealed record Result(double PerSecond, double P50, double P99);

    /// <summary>One way of paying, driven by closed-loop clients that pick homes at random; a home (or its project's cash)
    /// that is full answers "refused", as in real use. Measured in turns; the figures add up over the turns.</summary>
    sealed class Side(Bench bench, string name, int clients, long[] allocations, Func<int, long, string, Task<bool>> pay)
    {
        readonly List<double> latencies = new(200_000);
        int accepted, refused;
        double seconds, cpuMs, serverMs;
        long allocated; // in this process: the app and its client, during this side's turns
        int collections;
        TimeSpan paused;

        /// <summary>A warm-up that is not counted: pools, plans, and the JIT's tiers. A server runs warm, so the warm-up
        /// lasts until the JIT is done: a second in which it compiled fewer than 10 methods (under this load the tier-1
        /// compiles of the HTTP path take about 20 s; with a fixed 5 s warm-up they took 10 % of the CPU in the measured seconds).</summary>
        public async Task WarmAsync()
        {
            var warm = Stopwatch.StartNew();
            long compiled = JitInfo.GetCompiledMethodCount(), fresh;
            do
            {
                await DriveAsync(TimeSpan.FromSeconds(1), null);
                fresh = JitInfo.GetCompiledMethodCount() - compiled;
                compiled += fresh;
            } while ((fresh >= 10 || warm.Elapsed < TimeSpan.FromSeconds(3)) && warm.Elapsed < TimeSpan.FromSeconds(90));
            Console.WriteLine($"{name,-8} warm after {warm.Elapsed.TotalSeconds:0} s ({fresh} methods compiled in its last second)");
        }

        public async Task RunAsync(TimeSpan span)
        {
            var (cpu, serverCpu) = (Process.GetCurrentProcess().TotalProcessorTime, bench.ServerCpuSeconds());
            var (allocated0, collections0, paused0) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.GetTotalPauseDuration());
            var clock = Stopwatch.StartNew();
            var mine = new List<double>[clients];
            await DriveAsync(span, mine);
            seconds += clock.Elapsed.TotalSeconds;
            cpuMs += (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            serverMs += (bench.ServerCpuSeconds() - serverCpu) * 1000;
            foreach (var list in mine) latencies.AddRange(list);
            allocated += GC.GetTotalAllocatedBytes() - allocated0;
            collections += GC.CollectionCount(0) - collections0;
            paused += GC.GetTotalPauseDuration() - paused0;
        }

        async Task DriveAsync(TimeSpan span, List<double>[]? record)
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                var mine = new List<double>(4_096);
                if (record is not null) record[c] = mine;
                while (clock.Elapsed < span)
                {
                    var start = Stopwatch.GetTimestamp();
                    var ok = await pay(c, allocations[Random.Shared.Next(allocations.Length)], Guid.NewGuid().ToString("N"));
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (record is null) continue;
                    if (ok) Interlocked.Increment(ref accepted); else Interlocked.Increment(ref refused);
                }
            }));
        }

        public Result Report()
        {
            var all = latencies.Order().ToArray();
            var result = new Result(all.Length / seconds, Bench.Percentile(all, 0.50), Bench.Percentile(all, 0.99));
            Console.WriteLine($"{name,-8} {all.Length,7} payments in {seconds:0.0} s: {result.PerSecond,7:0} /s, p50 {result.P50,6:0.00} ms, p99 {result.P99,6:0.00} ms " +
                $"({accepted} accepted, {refused} refused over a limit; CPU per payment: {cpuMs / all.Length:0.000} ms in this process, {serverMs / all.Length:0.000} ms in PostgreSQL; " +
                $"{allocated / 1024.0 / all.Length:0.0} KiB allocated per payment, {collections} collections, {paused.TotalMilliseconds:0} ms paused)");
            return result;
        }
    }

    /// <summary>The bare transaction: lock the allocation, sum its payments, insert if it fits.</summary>
    static async Task<bool> RawPaymentAsync(NpgsqlDataSource db, long allocationId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var (projectId, amount) = await conn.QuerySingleAsync<(long, decimal)>(
            "SELECT project_id, amount FROM allocations WHERE id = @allocationId FOR UPDATE", new { allocationId }, tx);
        var paid = await conn.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM disbursements WHERE allocation_id = @allocationId", new { allocationId }, tx);
        if (paid + Payment > amount) return false;
        await conn.ExecuteAsync("""
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, receipt_no)
            VALUES (@allocationId, @projectId, @Payment, '2022-02-01', 'ร้านวัสดุก่อสร้าง', 'supplier', 'R-1')
            """, new { allocationId, projectId, Payment }, tx);
        await tx.CommitAsync();
        return true;
    }

    /// <summary>No home paid past its allocation; for the HTTP run, no project paid past the cash it received.</summary>
    static async Task CheckAsync(NpgsqlDataSource db, string name)
    {
        await using var conn = await db.OpenConnectionAsync();
        var overAllocation = await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM allocations a WHERE (SELECT coalesce(sum(d.amount), 0) FROM disbursements d WHERE d.allocation_id = a.id) > a.amount
            """);
        var overCash = await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM projects p
            WHERE (SELECT coalesce(sum(d.amount), 0) FROM disbursements d WHERE d.project_id = p.id) > (SELECT coalesce(sum(t.amount), 0) FROM transfers t WHERE t.project_id = p.id)
            """);
        Console.WriteLine($"{name,-8} check by SQL: {overAllocation} allocations overspent, {overCash} projects past their cash" +
            (name == "raw SQL" ? " (the raw transaction does not check cash)" : ""));
    }

    /// <summary>Projects in one subdistrict, each with its homes, a first payment per home and a transfer of 60 % of its allocations.</summary>
    internal static async Task SeedAsync(NpgsqlDataSource db, int projects, int homes, int ledger = 0)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2565, '54', @households, 99999999);
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount)
                SELECT 1, @Subdistrict, 'โครงการ ' || g, @homes, @homes * @Allocation FROM generate_series(1, @projects) g;
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
                SELECT lpad(g::text, 13, '0'), 'ครัวเรือน ' || g, g::text, 1, @Subdistrict, 3, 4000 FROM generate_series(1, @households) g;
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type)
                SELECT (g - 1) / @homes + 1, g, 'BPP', 2565, @Allocation, 'repair' FROM generate_series(1, @households) g ORDER BY g;
            INSERT INTO transfers (project_id, amount, received_on, reference)
                SELECT id, amount * 0.6, '2022-01-20', 'CODI-' || id FROM projects;
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, receipt_no)
                SELECT id, project_id, @FirstPayment, '2022-01-25', 'ร้านวัสดุก่อสร้าง', 'supplier', 'R-0' FROM allocations ORDER BY id;
            -- --ledger: more 1-baht payments per project, round the homes, dated over the 12 days after the tranche.
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, payee_type, receipt_no)
                SELECT a.id, a.project_id, 1, date '2022-01-20' + (k % 12), 'ร้านวัสดุก่อสร้าง', 'supplier', 'R-L'
                FROM generate_series(1, @extra) k JOIN allocations a ON true
                WHERE (a.id - 1) % @homes = (k - 1) % @homes
                ORDER BY a.project_id, k;
            -- Payment gates on, as a program year with rules has them: half once approved, all once building started with a
            -- photo. Every home stands there (its photo a JPEG's first bytes), so the gates allow its whole allocation,
            -- and each payment still reads and checks them.
            INSERT INTO program_years (program, fiscal_year, payment_gates) VALUES ('BPP', 2565,
                '[{"stage": "approved", "payableShare": 50}, {"stage": "construction_started", "payableShare": 100, "photo": true}]');
            INSERT INTO milestones (allocation_id, stage, stage_order, reached_on)
                SELECT a.id, s.stage, s.n, date '2022-01-10' + s.n::int FROM allocations a
                CROSS JOIN unnest(ARRAY['surveyed', 'approved', 'materials_bought', 'construction_started']) WITH ORDINALITY s(stage, n) ORDER BY a.id, s.n;
            INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content)
                SELECT id, 'image/jpeg', 3, encode(sha256('\xffd8ff'::bytea), 'hex'), '\xffd8ff'::bytea FROM milestones WHERE stage = 'construction_started';
            -- Statistics of tables with rows, as a database in use has: a plan made for an empty ledger (a sequential scan)
            -- would be kept by every prepared statement until autovacuum's next ANALYZE, and cost more with each payment.
            ANALYZE;
            """, new { projects, homes, households = projects * homes, Subdistrict, Allocation, FirstPayment, extra = ledger - homes });
    }
}
