using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Imports;

/// <summary>Every subdistrict code, and the codes by district and subdistrict name (Thai or English, with or
/// without "อ."/"ต." and the like): a few thousand rows, loaded once per import.</summary>
internal sealed class ImportPlaces
{
    public HashSet<string> Codes { get; } = [];
    readonly Dictionary<string, List<string>> byName = new(StringComparer.OrdinalIgnoreCase);

    static readonly string[] Prefixes = ["อำเภอ", "อ.", "เขต", "ตำบล", "ต.", "แขวง", "amphoe", "tambon", "khet", "khwaeng"];

    static string Name(string? name)
    {
        var n = (name ?? "").Trim();
        foreach (var p in Prefixes)
            if (n.StartsWith(p, StringComparison.OrdinalIgnoreCase)) { n = n[p.Length..]; break; }
        return ImportRows.Key(n);
    }

    public static async Task<ImportPlaces> LoadAsync(NpgsqlConnection conn)
    {
        var places = new ImportPlaces();
        foreach (var s in await conn.QueryAsync<(string Code, string NameTh, string NameEn, string DistrictTh, string DistrictEn)>("""
            SELECT s.code, s.name_th, s.name_en, d.name_th, d.name_en FROM subdistricts s JOIN districts d ON d.code = s.district_code
            """))
        {
            places.Codes.Add(s.Code);
            foreach (var key in new[] { Name(s.DistrictTh) + "|" + Name(s.NameTh), Name(s.DistrictEn) + "|" + Name(s.NameEn) }.Distinct())
            {
                if (!places.byName.TryGetValue(key, out var codes)) places.byName[key] = codes = [];
                codes.Add(s.Code);
            }
        }
        return places;
    }

    /// <summary>The one subdistrict of that name in that district within the caller's area, or why there is none.</summary>
    public (string? Code, Msg? Problem) Find(string? district, string subdistrict, Caller caller)
    {
        if (district is null) return (null, new Msg("ระบุตำบลด้วยชื่อต้องมีอำเภอด้วย", "A subdistrict given by name needs its district."));
        var all = byName.GetValueOrDefault(Name(district) + "|" + Name(subdistrict)) ?? [];
        var mine = all.Where(caller.CanManage).ToList();
        return mine.Count switch
        {
            1 => (mine[0], null),
            > 1 => (null, new Msg("มีตำบลชื่อนี้ในอำเภอชื่อนี้มากกว่าหนึ่งแห่ง กรุณาใส่รหัสตำบล", "More than one subdistrict has this name in a district of this name: give the code.")),
            _ when all.Count > 0 => (null, new Msg("ตำบลนี้อยู่นอกพื้นที่ของคุณ", "This subdistrict is outside your area.")),
            _ => (null, new Msg($"ไม่พบตำบล \"{subdistrict}\" ในอำเภอ \"{district}\"", $"There is no subdistrict \"{subdistrict}\" in the district \"{district}\".")),
        };
    }
}
