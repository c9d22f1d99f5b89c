using Housing.Geography;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Geography;

public sealed record AreaRow(string Code, string Name, string? Href, string? Extra);

public sealed class GeographyModel(GeographyService geography) : PageModel
{
    public Province? Province { get; private set; }
    public District? District { get; private set; }
    public string Heading { get; private set; } = "";
    public List<AreaRow> Rows { get; private set; } = [];

    public async Task OnGetAsync(string? province, string? district, CancellationToken ct)
    {
        if (province is null)
        {
            Heading = Lang.T("จังหวัด", "Provinces");
            Rows = (await geography.ProvincesAsync(ct)).Select(p => new AreaRow(p.Code, Lang.T(p.NameTh, p.NameEn), $"/Geography/{p.Code}", null)).ToList();
            return;
        }
        Province = await geography.ProvinceAsync(province, ct);
        var districts = await geography.DistrictsAsync(province, ct);
        if (district is null)
        {
            Heading = Lang.T($"อำเภอใน{Province.NameTh}", $"Districts of {Province.NameEn}");
            Rows = districts.Select(d => new AreaRow(d.Code, Lang.T(d.NameTh, d.NameEn), $"/Geography/{province}/{d.Code}", null)).ToList();
            return;
        }
        District = districts.FirstOrDefault(d => d.Code == district) ?? throw Housing.NotFound.Of($"อำเภอรหัส {district}", $"District {district}");
        Heading = Lang.T($"ตำบลใน{(province == "10" ? "เขต" : "อำเภอ")}{District.NameTh}", $"Subdistricts of {District.NameEn}");
        Rows = (await geography.SubdistrictsAsync(district, ct)).Select(s => new AreaRow(s.Code, Lang.T(s.NameTh, s.NameEn), null, s.PostalCode)).ToList();
    }
}
