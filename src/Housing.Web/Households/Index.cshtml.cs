using Housing.Geography;
using Housing.Households;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Households;

/// <summary>The household register of the caller's area: search by name, citizen ID, house or village, status and project, in pages.</summary>
public sealed class RegisterModel(HouseholdService households, GeographyService geography, Housing.Ledgers.LedgerService ledgers) : PageModel
{
    public const int PageSize = 50;
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubdistrictCode { get; set; }
    [BindProperty(SupportsGet = true)] public int? VillageNo { get; set; }
    /// <summary>Picked from lists, never typed: the province (when the caller has several), then its district, then the subdistrict.</summary>
    [BindProperty(SupportsGet = true)] public string? Province { get; set; }
    [BindProperty(SupportsGet = true)] public string? District { get; set; }
    /// <summary>One of <see cref="HouseholdService.Statuses"/>: not allocated, allocated, or the stage its home has reached.</summary>
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    /// <summary>Picked from the projects the caller may read, within the area picked.</summary>
    [BindProperty(SupportsGet = true)] public long? ProjectId { get; set; }
    public IReadOnlyList<Housing.Ledgers.ProjectMoney> Projects { get; private set; } = [];
    public IReadOnlyList<Province> Provinces { get; private set; } = [];
    public IReadOnlyList<District> Districts { get; private set; } = [];
    public IReadOnlyList<Subdistrict> Subdistricts { get; private set; } = [];
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;
    public Paged<HouseholdView> Result { get; private set; } = new([], 1, PageSize, 0);
    public bool CanRegister { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Links from other pages (a subdistrict, a name) may still search by GET; a full citizen ID may not, as it
    /// would sit in the URL, the history and the access logs: the form sends it by POST.</summary>
    public async Task OnGetAsync(CancellationToken ct)
    {
        if (HouseholdService.IsFullCitizenId(Q))
        {
            Error = Lang.T("ค้นหาด้วยเลขประจำตัวประชาชนเต็มได้จากช่องค้นหาเท่านั้น", "Search by a full citizen ID with the search box only.");
            Q = null;
            CanRegister = User.ToCaller().CanManageSomewhere;
            return;
        }
        await SearchAsync(ct);
    }

    public Task OnPostAsync(CancellationToken ct) => SearchAsync(ct);

    async Task SearchAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        CanRegister = caller.CanManageSomewhere;
        await LoadListsAsync(caller, ct);
        if (Status is not null && !HouseholdService.Statuses.Contains(Status)) Status = null;
        // The projects of the area picked (the caller's own, for a treasurer); one picked elsewhere before is dropped.
        var area = SubdistrictCode ?? District ?? Province ?? "";
        Projects = (await ledgers.ProjectsAsync(caller, ct)).Where(p => p.SubdistrictCode.StartsWith(area, StringComparison.Ordinal)).ToList();
        if (ProjectId is not null && !Projects.Any(p => p.Id == ProjectId)) ProjectId = null;
        Result = await households.SearchAsync(caller, SubdistrictCode, Q, VillageNo, PageNumber, PageSize, ct, Status, ProjectId);
    }

    /// <summary>The area lists for what the form holds. A treasurer picks among its own subdistricts; others go province →
    /// district → subdistrict within their provinces (all of them for an admin, or a viewer of everywhere).</summary>
    async Task LoadListsAsync(Housing.Access.Caller caller, CancellationToken ct)
    {
        if (caller.Role == Housing.Access.Role.Treasurer)
        {
            var mine = new List<Subdistrict>();
            foreach (var code in caller.SubdistrictCodes)
                if (await geography.SubdistrictAsync(code, ct) is { } s) mine.Add(s);
            Subdistricts = mine;
            return;
        }
        var all = await geography.ProvincesAsync(ct);
        Provinces = caller.ProvinceCodes.Count == 0 ? all : all.Where(p => caller.ProvinceCodes.Contains(p.Code)).ToList();
        if (Provinces.Count == 1) Province = Provinces[0].Code;
        // A subdistrict given by a link (?subdistrictCode=540101) opens its district and province.
        if (SubdistrictCode is { Length: 6 } sc && District is null) District = sc[..4];
        if (District is { Length: 4 } dc && Province is null) Province = dc[..2];
        if (!Provinces.Any(p => p.Code == Province)) { Province = null; District = null; return; }
        Districts = await geography.DistrictsAsync(Province!, ct);
        if (!Districts.Any(d => d.Code == District)) { District = null; return; }
        Subdistricts = await geography.SubdistrictsAsync(District!, ct);
        if (SubdistrictCode is not null && !Subdistricts.Any(s => s.Code == SubdistrictCode)) SubdistrictCode = null;
    }
}
