using System.Globalization;
using Dapper;
using Housing.Access;
using Housing.Imports;
using NpgsqlTypes;

namespace Housing.Benchmarks;

/// <summary>Bulk import of households from CSV and from XLSX with full validation, beside PostgreSQL's own binary
/// COPY of the same rows into the constrained table (the ceiling). Memory: the peak heap at a tenth of the rows and
/// at all of them should be about the same. The machine is shared, so besides wall time it prints the CPU seconds of
/// this process and of the cluster: "quiet rows/s" is the pace when each has a core to itself.</summary>
public static class ImportScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = int.Parse(Bench.Option(args, "rows", "100000"), CultureInfo.InvariantCulture);
        await using var bench = await Bench.StartAsync();
        var user = await new UserService(bench.Db, TimeProvider.System).CreateAsync(Caller.System,
            new CreateUser("bench.staff", "bench-password-1", nameof(Role.ProvincialStaff), ["10"], []));
        await using var conn = await bench.Db.OpenConnectionAsync();
        var provinces = (await conn.QueryAsync<string>("SELECT code FROM provinces")).ToArray();
        var subdistricts = (await conn.QueryAsync<string>("SELECT code FROM subdistricts ORDER BY code")).ToArray();
        // Staff of every province, so each row passes the area check the way a real upload does.
        var caller = new Caller(user.Id, user.Username, Role.ProvincialStaff, provinces, []);
        var service = new HouseholdImportService(bench.Db);
        var dir = Directory.CreateTempSubdirectory("housing-bench-files").FullName;
        var idBase = 0L;

        var runs = int.Parse(Bench.Option(args, "runs", "3"), CultureInfo.InvariantCulture);
        Console.WriteLine($"Household import: best of {runs} runs, each into the growing register; {Environment.ProcessorCount} cores, " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, PostgreSQL durable (fsync on)");
        Console.WriteLine($"{"what",-38} {"rows",9} {"seconds",8} {"rows/s",9} {"peak heap MB",13} {"client CPU s",13} {"server CPU s",13} {"quiet rows/s",13}");
        foreach (var (format, count) in new[] { ("csv", rows / 10), ("csv", rows), ("xlsx", rows / 10), ("xlsx", rows), ("copy", rows / 10), ("copy", rows) })
        {
            (Bench.Measure Measure, long Size)? best = null;
            for (var run = 0; run < runs; run++)
            {
                var path = Path.Combine(dir, $"households-{count}.{format}");
                await using (var f = File.Create(path))
                {
                    var data = Rows(count, idBase, subdistricts);
                    if (format == "xlsx") ImportTemplate.WriteXlsx(f, english: false, data); else ImportTemplate.WriteCsv(f, english: false, data);
                }
                var from = idBase;
                idBase += count;
                var measure = format == "copy"
                    ? await bench.MeasureAsync(() => BareCopyAsync(bench, count, from, subdistricts, user.Id))
                    : await bench.MeasureAsync(async () =>
                    {
                        await using var file = File.OpenRead(path);
                        var result = await service.ImportAsync(caller, file, path);
                        if (!result.Ok) throw new InvalidOperationException($"The import was refused: {result.Errors[0]}");
                    });
                if (best is null || measure.Elapsed < best.Value.Measure.Elapsed) best = (measure, new FileInfo(path).Length);
            }
            var what = format == "copy" ? "baseline: bare binary COPY, same rows" : $"import {format.ToUpperInvariant()} ({best!.Value.Size / 1024 / 1024.0:0.0} MB)";
            Print(what, count, best!.Value.Measure);
        }
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    /// <summary>PostgreSQL's own binary COPY of already-made rows into the constrained households table: the ceiling.</summary>
    static async Task BareCopyAsync(Bench bench, int count, long idBase, string[] subdistricts, long userId)
    {
        await using var c = await bench.Db.OpenConnectionAsync();
        await using var copy = await c.BeginBinaryImportAsync("""
            COPY households (created_by, citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                             vulnerabilities, housing_problem, land_tenure) FROM STDIN (FORMAT BINARY)
            """);
        var i = 0;
        foreach (var r in Rows(count, idBase, subdistricts))
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(userId, NpgsqlDbType.Bigint);
            await copy.WriteAsync((string)r[0]!, NpgsqlDbType.Text);
            await copy.WriteAsync((string)r[1]!, NpgsqlDbType.Text);
            await copy.WriteAsync((string)r[2]!, NpgsqlDbType.Text);
            await copy.WriteAsync((int)r[3]!, NpgsqlDbType.Integer);
            await copy.WriteAsync((string)r[4]!, NpgsqlDbType.Text);
            await copy.WriteAsync((int)r[5]!, NpgsqlDbType.Integer);
            await copy.WriteAsync((decimal)r[6]!, NpgsqlDbType.Numeric);
            await copy.WriteAsync(i++ % 5 == 1 ? ["elderly"] : Array.Empty<string>(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            await copy.WriteAsync((string)r[8]!, NpgsqlDbType.Text);
            await copy.WriteAsync("owned", NpgsqlDbType.Text);
        }
        await copy.CompleteAsync();
    }

    static void Print(string what, int rows, Bench.Measure m)
        => Console.WriteLine($"{what,-38} {rows,9:#,##0} {m.Elapsed.TotalSeconds,8:0.00} {rows / m.Elapsed.TotalSeconds,9:#,##0} " +
            $"{m.PeakHeapBytes / 1024.0 / 1024.0,13:0.0} {m.ClientCpu,13:0.00} {m.ServerCpu,13:0.00} {m.QuietRowsPerSecond(rows),13:#,##0}");

    static readonly string[] Vulnerabilities = ["", "ผู้สูงอายุ", "ผู้พิการ, เด็กเล็ก", "", "ผู้ป่วยติดเตียง"];
    static readonly string[] Tenures = ["เป็นเจ้าของ", "เช่า", "อาศัยโดยได้รับอนุญาต", "บุกรุก"];

    /// <summary>Rows as a provincial office fills the template: unique names and IDs, spread over every subdistrict.</summary>
    static IEnumerable<object?[]> Rows(int count, long idBase, string[] subdistricts)
    {
        for (var i = 0; i < count; i++)
        {
            var first12 = "1" + (idBase + i + 1).ToString("D11", CultureInfo.InvariantCulture);
            yield return [first12 + CitizenId.CheckDigit(first12), $"นายสมชาย ทดสอบ{idBase + i}", $"{i % 300 + 1}/{i % 7}", i % 15 + 1,
                subdistricts[i % subdistricts.Length], i % 6 + 1, 1500m + i % 50 * 100, Vulnerabilities[i % 5], "หลังคารั่ว ฝาผนังผุ", Tenures[i % 4]];
        }
    }
}
