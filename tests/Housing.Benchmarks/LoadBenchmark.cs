using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Housing.Access;
using Housing.Database;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Housing.Benchmarks;

/// <summary>
/// A mixed workload on the national-scale data: treasurers paying, staff registering households and
/// allocating, viewers reading rollups, others exporting province workbooks, all at once over HTTP
/// against the app on loopback Kestrel. Prints p50/p99 per operation and the errors (any 5xx, any
/// unexpected status, any timeout), then checks by SQL that the ledger grew by exactly the accepted
/// payments and that no allocation or project cash was overspent.
/// <c>dotnet run -c Release --project tests/Housing.Benchmarks -- load [--users 32] [--seconds 60] [--households 500000]</c>
/// </summary>
public static class LoadBenchmark
{
    const string Password = "load-password-1";
    const decimal Payment = 100m, NewAllocation = 500m;

    /// <summary>One request: <see cref="Value"/> is what the answer carried that the run needs (a payment's amount, a new id).</summary>
    sealed record Sample(string Operation, int Status, double Ms, bool Error, decimal Value = 0);

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        int users = Arg("--users", 32), seconds = Arg("--seconds", 60), households = Arg("--households", 500_000);

        await using var bench = await Bench.StartAsync(keepable: true);
        var db = bench.Db;
        var cs = bench.ConnectionString;
        var generate = Stopwatch.StartNew();
        Console.WriteLine($"load: generating national data ({households:N0} households)");
        await bench.NationalDataAsync(households);
        Console.WriteLine($"load: data ready in {generate.Elapsed.TotalSeconds:N0} s");

        // Treasurers and staff work in the most populous subdistricts; viewers and exporters read everywhere.
        var busiest = await ListAsync<string>(db, """
            SELECT subdistrict_code FROM households GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 16
            """);
        int treasurers = users * 3 / 8, staff = users / 4, exporters = users / 8, viewers = users - treasurers - staff - exporters;
        // Room in those subdistricts' projects (and their budgets) for this run's allocations: on a kept cluster the runs before
        // filled them, and every allocation would be a refusal (409) instead of the write it stands for.
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                UPDATE budgets b SET amount = b.amount + @room * (SELECT count(*) FROM projects p WHERE p.budget_id = b.id AND p.subdistrict_code = ANY(@subs))
                WHERE b.id IN (SELECT budget_id FROM projects WHERE subdistrict_code = ANY(@subs));
                UPDATE projects SET amount = amount + @room WHERE subdistrict_code = ANY(@subs);
                """, new { room = 10_000 * NewAllocation, subs = busiest.ToArray() });

        var hosted = Bench.HostApp(cs);
        await using var app = hosted.App;
        var baseUrl = hosted.BaseUrl;
        // The national and province rollups the viewers read, as the nightly job would have left them.
        await app.Services.GetRequiredService<Rollups.RollupService>().RecomputeAllAsync(CancellationToken.None);
        var userService = app.Services.GetRequiredService<UserService>();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = users * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };

        async Task<HttpClient> ClientAsync(string name, Role role, string[] provinces, string[] subdistricts)
        {
            name += $".{Environment.ProcessId}"; // a kept cluster holds the last runs' users
            await userService.CreateAsync(Caller.System, new CreateUser(name, Password, role.ToString(), provinces, subdistricts));
            var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            var token = await (await http.PostAsJsonAsync("/api/v1/auth/token", new { username = name, password = Password })).Content.ReadFromJsonAsync<JsonElement>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
            return http;
        }

        var samples = new ConcurrentBag<Sample>();
        var ledgerBefore = await ScalarAsync<decimal>(db, "SELECT coalesce(sum(amount), 0) FROM disbursements");
        using var stop = new CancellationTokenSource();
        // Every worker waits here, so all users start together once all have signed in.
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = new List<Task>();

        async Task<Sample> TimeAsync(string op, Func<Task<HttpResponseMessage>> send, int[] expected, Func<HttpResponseMessage, Task<decimal>>? read = null)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                using var r = await send();
                var value = read is not null && r.StatusCode == HttpStatusCode.Created ? await read(r) : 0;
                if (r.Content.Headers.ContentType?.MediaType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                    await (await r.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
                var s = new Sample(op, (int)r.StatusCode, watch.Elapsed.TotalMilliseconds, !expected.Contains((int)r.StatusCode), value);
                samples.Add(s);
                return s;
            }
            // No request takes the stop token: a timeout (HttpClient's 30 s) is an error, also when it ends after the run's last second.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                var s = new Sample(op, 0, watch.Elapsed.TotalMilliseconds, true);
                samples.Add(s);
                return s;
            }
        }

        for (var t = 0; t < treasurers; t++)
        {
            var sub = busiest[t % busiest.Length];
            var http = await ClientAsync($"load.treasurer{t}", Role.Treasurer, [], [sub]);
            var allocations = await ListAsync<long>(db, """
                SELECT a.id FROM allocations a JOIN projects p ON p.id = a.project_id WHERE p.subdistrict_code = @sub AND a.cancelled_at IS NULL
                """, new { sub });
            var random = new Random(t);
            workers.Add(Task.Run(async () =>
            {
                await go.Task;
                while (!stop.IsCancellationRequested)
                {
                    var id = allocations[random.Next(allocations.Length)];
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/allocations/{id}/disbursements")
                    {
                        Content = JsonContent.Create(new { amount = Payment, paidOn = "2025-05-01", payee = "ร้านวัสดุก่อสร้าง", receiptNo = $"L-{Guid.NewGuid():N}"[..20] }),
                    };
                    request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                    // 409: the allocation is fully paid, a refusal the money rules demand, not an error.
                    await TimeAsync("pay", () => http.SendAsync(request), [201, 409], async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("amount").GetDecimal());
                }
            }));
        }
        for (var s = 0; s < staff; s++)
        {
            var sub = busiest[s % busiest.Length];
            var http = await ClientAsync($"load.staff{s}", Role.ProvincialStaff, [sub[..2]], []);
            var projectId = await ScalarAsync<long>(db, "SELECT id FROM projects WHERE subdistrict_code = @sub", new { sub });
            var next = 0L;
            var worker = s;
            workers.Add(Task.Run(async () =>
            {
                await go.Task;
                while (!stop.IsCancellationRequested)
                {
                    // Per run too (Environment.ProcessId), so a kept cluster's households from the last runs do not collide.
                    var first12 = "8" + (worker * 100_000_000L + Environment.ProcessId % 997 * 100_000L + Interlocked.Increment(ref next))
                        .ToString("D11", CultureInfo.InvariantCulture);
                    var register = await TimeAsync("register household", () => http.PostAsJsonAsync("/api/v1/households", new
                    {
                        citizenId = first12 + CitizenId.CheckDigit(first12), headName = "นางใหม่ ภาระงาน", houseNo = "9", villageNo = 4, subdistrictCode = sub,
                        members = 3, monthlyIncome = 3500m,
                    }), [201], async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
                    if (register.Status != 201) continue;
                    var householdId = (long)register.Value;
                    // 409 once the project's amount is fully allocated.
                    await TimeAsync("allocate", () => http.PostAsJsonAsync($"/api/v1/projects/{projectId}/allocations",
                        new { householdId, amount = NewAllocation, workType = "repair" }), [201, 409]);
                }
            }));
        }
        var provinces = await ListAsync<string>(db, "SELECT code FROM provinces ORDER BY code");
        for (var v = 0; v < viewers; v++)
        {
            var http = await ClientAsync($"load.viewer{v}", Role.Viewer, [], []);
            var random = new Random(100 + v);
            workers.Add(Task.Run(async () =>
            {
                await go.Task;
                while (!stop.IsCancellationRequested)
                {
                    var province = provinces[random.Next(provinces.Length)];
                    await TimeAsync("read rollups", () => http.GetAsync(random.Next(3) switch
                    {
                        0 => $"/api/v1/rollups?fiscalYear={NationalData.FiscalYear}&program=BPP&level=province",
                        1 => $"/api/v1/rollups?fiscalYear={NationalData.FiscalYear}&program=BPP&level=district&parent={province}",
                        _ => $"/api/v1/rollups?fiscalYear={NationalData.FiscalYear}&program=BPP&level=national",
                    }), [200]);
                }
            }));
        }
        for (var x = 0; x < exporters; x++)
        {
            var http = await ClientAsync($"load.exporter{x}", Role.Viewer, [], []);
            var random = new Random(200 + x);
            workers.Add(Task.Run(async () =>
            {
                await go.Task;
                while (!stop.IsCancellationRequested)
                    await TimeAsync("export province workbook", () => http.GetAsync(
                        $"/api/v1/exports/rollup.xlsx?fiscalYear={NationalData.FiscalYear}&program=BPP&provinceCode={provinces[random.Next(provinces.Length)]}",
                        HttpCompletionOption.ResponseHeadersRead), [200]);
            }));
        }

        Console.WriteLine($"load: {treasurers} treasurers paying, {staff} staff registering and allocating, {viewers} viewers reading rollups, " +
            $"{exporters} exporting; {seconds} s; {Environment.ProcessorCount} cores");
        var run = Stopwatch.StartNew();
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        go.SetResult();
        await Task.WhenAll(workers);
        run.Stop();

        var all = samples.ToList();
        Console.WriteLine($"{"operation",-26} {"count",8} {"per s",8} {"errors",7} {"p50 ms",8} {"p99 ms",8}  statuses");
        foreach (var g in all.GroupBy(s => s.Operation).OrderBy(g => g.Key))
        {
            var ms = g.Select(s => s.Ms).Order().ToArray();
            Console.WriteLine($"{g.Key,-26} {g.Count(),8:N0} {g.Count() / run.Elapsed.TotalSeconds,8:N1} {g.Count(s => s.Error),7} {Bench.Percentile(ms, 0.50),8:N1} {Bench.Percentile(ms, 0.99),8:N1}  " +
                string.Join(" ", g.GroupBy(s => s.Status).OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Count()}")));
        }
        var errors = all.Count(s => s.Error);
        var accepted = all.Where(s => s.Operation == "pay").Sum(s => s.Value);
        await using var check = await db.OpenConnectionAsync();
        var ledgerAfter = await check.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM disbursements");
        var overspent = await check.ExecuteScalarAsync<long>("""
            SELECT (SELECT count(*) FROM (SELECT a.id FROM allocations a JOIN disbursements d ON d.allocation_id = a.id GROUP BY a.id, a.amount HAVING sum(d.amount) > a.amount) x)
                 + (SELECT count(*) FROM projects p WHERE coalesce((SELECT sum(amount) FROM disbursements d WHERE d.project_id = p.id), 0)
                                                        > coalesce((SELECT sum(amount) FROM transfers t WHERE t.project_id = p.id), 0))
                 + (SELECT count(*) FROM (SELECT p.id FROM projects p JOIN allocations a ON a.project_id = p.id AND a.cancelled_at IS NULL GROUP BY p.id, p.amount HAVING sum(a.amount) > p.amount) y)
            """);
        Console.WriteLine($"load: {all.Count:N0} requests in {run.Elapsed.TotalSeconds:N1} s, {errors} errors; ledger grew by {ledgerAfter - ledgerBefore:N2} baht, " +
            $"accepted payments {accepted:N2} baht: {(ledgerAfter - ledgerBefore == accepted ? "equal" : "DIFFERENT")}; overspent allocations, project cash or project amounts: {overspent}");
        return errors == 0 && ledgerAfter - ledgerBefore == accepted && overspent == 0 ? 0 : 1;
    }

    static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, commandTimeout: 0)))!;
    }

    static async Task<T[]> ListAsync<T>(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).ToArray();
    }

}
