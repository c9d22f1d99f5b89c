using System.Globalization;
using Dapper;
using Housing.Access;
using Housing.Imports;
using NpgsqlTypes;

namespace Housing.Benchmarks;

/// <summary>Bulk import of households from CSV and from XLSX with full validation, against PostgreSQL's own
/// binary COPY of the same rows into the constrained table. Memory: the peak heap at a tenth of the rows
/// and at all of them should be about the same.</summary>
public sealed class ImportScenario : IScenario
{
    public string Name => "import";
    public string Description => "households import, CSV and XLSX (--rows 100000)";

    public async Task RunAsync(string[] args)
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

        Console.WriteLine($"Household import, {rows:#,##0} rows, {Environment.ProcessorCount} cores, PostgreSQL durable (fsync on)");
        Console.WriteLine($"{"what",-34} {"rows",9} {"seconds",8} {"rows/s",9} {"peak heap MB",13}");
        foreach (var (format, count) in new[] { ("csv", rows / 10), ("csv", rows), ("xlsx", rows / 10), ("xlsx", rows) })
        {
            var path = Path.Combine(dir, $"households-{count}.{format}");
            await using (var f = File.Create(path))
            {
                var data = Rows(count, idBase, subdistricts);
                if (format == "csv") ImportTemplate.WriteCsv(f, english: false, data); else ImportTemplate.WriteXlsx(f, english: false, data);
            }
            idBase += count;
            ImportResult? result = null;
            var (elapsed, peak) = await Bench.MeasureAsync(async () =>
            {
                await using var file = File.OpenRead(path);
                result = await service.ImportAsync(caller, file, path);
            });
            if (!result!.Ok) throw new InvalidOperationException($"The import was refused: {result.Errors[0]}");
            Print($"import {format.ToUpperInvariant()} ({new FileInfo(path).Length / 1024 / 1024.0:0.0} MB)", result.Imported, elapsed, peak);
        }

        // Baseline: PostgreSQL's own binary COPY of already-parsed rows straight into the constrained households table.
        var (copyElapsed, copyPeak) = await Bench.MeasureAsync(async () =>
        {
            await using var c = await bench.Db.OpenConnectionAsync();
            await using var copy = await c.BeginBinaryImportAsync("""
                COPY households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income, vulnerabilities, housing_problem, land_tenure)
                FROM STDIN (FORMAT BINARY)
                """);
            var i = 0;
            foreach (var r in Rows(rows, idBase, subdistricts))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync((string)r[0]!, NpgsqlDbType.Text);
                await copy.WriteAsync((string)r[1]!, NpgsqlDbType.Text);
                await copy.WriteAsync((string)r[2]!, NpgsqlDbType.Text);
                await copy.WriteAsync((int)r[3]!, NpgsqlDbType.Integer);
                await copy.WriteAsync((string)r[4]!, NpgsqlDbType.Text);
                await copy.WriteAsync((int)r[5]!, NpgsqlDbType.Integer);
                await copy.WriteAsync((decimal)r[6]!, NpgsqlDbType.Numeric);
                await copy.WriteAsync(i++ % 3 == 0 ? ["elderly"] : Array.Empty<string>(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync((string)r[8]!, NpgsqlDbType.Text);
                await copy.WriteAsync("owned", NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        });
        Print("baseline: bare COPY into households", rows, copyElapsed, copyPeak);
        Directory.Delete(dir, recursive: true);
    }

    static void Print(string what, int rows, TimeSpan elapsed, long peak)
        => Console.WriteLine($"{what,-34} {rows,9:#,##0} {elapsed.TotalSeconds,8:0.00} {rows / elapsed.TotalSeconds,9:#,##0} {peak / 1024.0 / 1024.0,13:0.0}");

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
