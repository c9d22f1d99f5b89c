using Housing.Access;
using Housing.Geography;

namespace Housing.Web.Access;

/// <summary>A user's role and area as a form posts them: provinces from a list, subdistricts added one by one through
/// province → district → subdistrict lists (by name, never typed codes). Picking posts the whole form back
/// (handler "pick"), so nothing typed is lost and no script is needed.</summary>
public sealed class AreaInput
{
    public string? Role { get; set; } = nameof(Housing.Access.Role.ProvincialStaff);
    public List<string> Provinces { get; set; } = [];
    public List<string> Subdistricts { get; set; } = [];
    public string? PickProvince { get; set; }
    public string? PickDistrict { get; set; }
    public string? PickSubdistrict { get; set; }
}

/// <summary>The lists the area fields show, loaded for what the form holds.</summary>
public sealed class AreaLists
{
    public IReadOnlyList<Province> Provinces { get; private init; } = [];
    public IReadOnlyList<District> Districts { get; private init; } = [];
    public IReadOnlyList<Subdistrict> Subdistricts { get; private init; } = [];
    /// <summary>Names of the chosen subdistricts: "นาจักร · เมืองแพร่ · แพร่".</summary>
    public IReadOnlyDictionary<string, string> Chosen { get; private init; } = new Dictionary<string, string>();

    public static async Task<AreaLists> LoadAsync(GeographyService geo, AreaInput input, CancellationToken ct)
    {
        // A picked subdistrict joins the chosen ones; the district stays open to add its neighbours.
        if (!string.IsNullOrEmpty(input.PickSubdistrict) && !input.Subdistricts.Contains(input.PickSubdistrict)) input.Subdistricts.Add(input.PickSubdistrict);
        input.PickSubdistrict = null;
        var provinces = await geo.ProvincesAsync(ct);
        var districts = provinces.Any(p => p.Code == input.PickProvince) ? await geo.DistrictsAsync(input.PickProvince!, ct) : [];
        if (!districts.Any(d => d.Code == input.PickDistrict)) input.PickDistrict = null;
        var subdistricts = input.PickDistrict is { } d ? await geo.SubdistrictsAsync(d, ct) : [];
        var chosen = new Dictionary<string, string>();
        var english = Lang.IsEnglish;
        foreach (var code in input.Subdistricts.Distinct())
        {
            if (await geo.SubdistrictAsync(code, ct) is not { } s) continue;
            var district = (await geo.DistrictsAsync(code[..2], ct)).FirstOrDefault(x => x.Code == s.DistrictCode);
            var province = provinces.First(p => p.Code == code[..2]);
            chosen[code] = english ? $"{s.NameEn} · {district?.NameEn} · {province.NameEn}" : $"{s.NameTh} · {district?.NameTh} · {province.NameTh}";
        }
        return new AreaLists { Provinces = provinces, Districts = districts, Subdistricts = subdistricts, Chosen = chosen };
    }

    public static string Describe(UserView u, IReadOnlyDictionary<string, string> names)
        => string.Join(", ", u.ProvinceCodes.Concat(u.SubdistrictCodes).Select(c => names.GetValueOrDefault(c, c)));
}
