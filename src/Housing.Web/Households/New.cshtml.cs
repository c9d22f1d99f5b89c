using Housing.Geography;
using Housing.Households;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Households;

public sealed class HouseholdForm
{
    public string? CitizenId { get; set; }
    public string? HeadName { get; set; }
    public string? HouseNo { get; set; }
    public int? VillageNo { get; set; }
    public string? SubdistrictCode { get; set; }
    public int? Members { get; set; }
    public decimal? MonthlyIncome { get; set; }
    public string[] Vulnerabilities { get; set; } = [];
    public string? HousingProblem { get; set; }
    public string? LandTenure { get; set; }
}

/// <summary>Registers one household; a citizen ID already registered links to the existing record.</summary>
public sealed class NewModel(HouseholdService households, GeographyService geography) : FormPage
{
    [BindProperty] public HouseholdForm Input { get; set; } = new();
    public List<(Subdistrict Subdistrict, District District)> Subdistricts { get; } = [];
    public long? ExistingId { get; private set; }
    /// <summary>Registering from a project's page: go back there with the new household chosen for allocation.</summary>
    [BindProperty(SupportsGet = true)] public long? ProjectId { get; set; }

    public async Task OnGetAsync(string? subdistrictCode, CancellationToken ct)
    {
        Input.SubdistrictCode = subdistrictCode;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        HouseholdView? made = null;
        var ok = await TryAsync(async () =>
        {
            try
            {
                made = await households.RegisterAsync(User.ToCaller(), new RegisterHousehold(Input.CitizenId, Input.HeadName, Input.HouseNo,
                    Input.VillageNo, Input.SubdistrictCode, Input.Members, Input.MonthlyIncome, Input.Vulnerabilities, Input.HousingProblem, Input.LandTenure), ct);
            }
            catch (Conflict c) when (c.Extensions.TryGetValue("existingId", out var existing))
            {
                ExistingId = (long?)existing; // the page links to the household already registered
                throw;
            }
        });
        if (ok) return Redirect(ProjectId is long project ? $"/Projects/{project}?household={made!.Id}" : $"/Households/{made!.Id}?registered=true");
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Subdistricts.AddRange(await geography.SubdistrictsOfProvincesAsync(User.ToCaller().ProvinceCodes, ct));
    }
}
