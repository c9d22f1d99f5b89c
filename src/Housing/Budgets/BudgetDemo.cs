using Dapper;
using Housing.Access;
using Housing.Allocations;
using Housing.Households;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Budgets;

/// <summary>The demo's allocation side, from DOMAIN.md's real rounds: Phrae FY 2565 Baan Por Piang (65 homes in
/// 11 subdistricts at 20,900 baht), Saraburi FY 2561 (228 homes in 11 subdistricts, 3,562,500 baht), and a
/// Baan Mankong community project in Mueang Phrae. Made by the provincial staff through the services.</summary>
public static class BudgetDemo
{
    static readonly string[] FirstNames = ["สมชาย", "สมศรี", "บุญมี", "คำแปง", "จันทร์ดี", "ประเสริฐ", "มณี", "ทองใบ", "แสงเดือน", "สุข", "อินทร์", "บัวผัน", "ศรีนวล", "ดวงใจ", "เพ็ญ"];
    static readonly string[] Surnames = ["ใจดี", "ทองคำ", "มีสุข", "แก้วมา", "ศรีวงศ์", "บุญเรือง", "อินต๊ะ", "คำมูล", "ปัญญา", "วงค์ษา", "จันทร์แก้ว", "สายทอง"];
    static readonly string[] Problems = ["หลังคารั่ว ฝาผนังผุ", "บ้านทรุดโทรม เสาไม้ผุ", "พื้นบ้านชำรุด", "ห้องน้ำไม่ถูกสุขลักษณะ", "บ้านเอียง โครงสร้างไม่มั่นคง"];
    static readonly string[][] Vulnerable = [["elderly"], [], ["disabled"], ["elderly", "bedridden"], ["young_children"], []];
    static readonly string[] Tenures = ["owned", "owned", "permitted", "rented", "public_land"];

    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        var budgets = services.GetRequiredService<BudgetService>();
        var households = services.GetRequiredService<HouseholdService>();
        var allocations = services.GetRequiredService<AllocationService>();
        var serial = 0;
        // A project is named as a council names it, by its subdistrict ("บ้านพอเพียงตำบลในเวียง ปี 2565"), not by its code:
        // Subdistricts below reads the names with the codes.
        var names = new Dictionary<string, string>();

        async Task<Caller> StaffAsync(string username, string province)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var id = await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE username = @username", new { username });
            return new Caller(id, username, Role.ProvincialStaff, [province], []);
        }

        async Task RoundAsync(Caller staff, string program, int year, string province, decimal total, decimal perHome, int[] homes, string[] subdistricts,
            string? community = null)
        {
            var budget = await budgets.CreateAsync(staff, new CreateBudget(program, year, province, homes.Sum(), total), ct);
            for (var i = 0; i < homes.Length; i++)
            {
                var name = program == Programs.BaanMankong ? $"บ้านมั่นคง{community}" : $"บ้านพอเพียงตำบล{names[subdistricts[i]]} ปี {year}";
                var project = await budgets.CreateProjectAsync(staff, budget.Id,
                    new CreateProject(subdistricts[i], name, homes[i], homes[i] * perHome, community), ct);
                for (var j = 0; j < homes[i]; j++)
                {
                    var n = ++serial;
                    var first12 = "3" + province + n.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
                    var h = await households.RegisterAsync(staff, new RegisterHousehold(first12 + CitizenId.CheckDigit(first12),
                        $"{(n % 2 == 0 ? "นาง" : "นาย")}{FirstNames[n % FirstNames.Length]} {Surnames[n * 7 % Surnames.Length]}", $"{n % 180 + 1}",
                        n % 12 + 1, subdistricts[i], n % 6 + 1, 1800m + n % 40 * 150, Vulnerable[n % Vulnerable.Length], Problems[n % Problems.Length],
                        Tenures[n % Tenures.Length]), ct);
                    await allocations.CreateAsync(staff, project.Id, new Allocate(h.Id, perHome,
                        program == Programs.BaanMankong ? "infrastructure" : n % 4 == 0 ? "rebuild" : "repair"), ct);
                }
            }
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        string[] Subdistricts(string province, int n)
        {
            var rows = conn.Query<(string Code, string Name)>(
                "SELECT code, name_th FROM subdistricts WHERE left(code, 2) = @province ORDER BY code LIMIT @n", new { province, n }).ToArray();
            foreach (var (code, name) in rows) names[code] = name;
            return rows.Select(r => r.Code).ToArray();
        }

        var phrae = await StaffAsync("staff.phrae", "54");
        await RoundAsync(phrae, Programs.BaanPorPiang, 2565, "54", 1_358_500m, 20_900m, [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5], Subdistricts("54", 11));
        await RoundAsync(phrae, Programs.BaanMankong, 2566, "54", 1_200_000m, 50_000m, [24], ["540101"], "ชุมชนประตูมาน");
        var saraburi = await StaffAsync("staff.saraburi", "19");
        await RoundAsync(saraburi, Programs.BaanPorPiang, 2561, "19", 3_562_500m, 15_625m, [21, 21, 21, 21, 21, 21, 21, 21, 20, 20, 20], Subdistricts("19", 11));
        // A fresh round with money left, so a first look can register and allocate: FY 2569 in Phrae, half shared out, nothing allocated yet.
        var open = await budgets.CreateAsync(phrae, new CreateBudget(Programs.BaanPorPiang, 2569, "54", 20, 418_000m), ct);
        await budgets.CreateProjectAsync(phrae, open.Id, new CreateProject("540102", "บ้านพอเพียงตำบลนาจักร ปี 2569", 10, 209_000m), ct);
        logger.LogInformation("Demo budgets: Phrae 2565 and 2569 (BPP), 2566 (BMK); Saraburi 2561; {Households} households", serial);
    }
}
