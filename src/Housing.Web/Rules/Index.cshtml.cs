using Housing.Budgets;
using Housing.Rules;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Rules;

public sealed class ProgramYearForm
{
    public string? Program { get; set; } = Programs.BaanPorPiang;
    public int? FiscalYear { get; set; } = Thai.FiscalYear(Thai.Today());
    public decimal? CapPerHome { get; set; }
}

/// <summary>Each program year's rules for everyone to read; Admins set the cap per home. The year's tranches and payment
/// gates (set through the API) are kept as they are when the cap changes here.</summary>
public sealed class IndexModel(ProgramYearService years) : FormPage
{
    public IReadOnlyList<ProgramYear> Years { get; private set; } = [];
    public bool IsAdmin { get; private set; }
    [BindProperty] public ProgramYearForm Input { get; set; } = new();

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        if (await TryAsync(async () =>
            {
                caller.EnsureAdmin();
                var program = Input.Program ?? "";
                var year = Input.FiscalYear ?? 0;
                var current = await years.GetAsync(program, year, ct);
                await years.SetAsync(caller, program, year, new SetProgramYear(Input.CapPerHome, current.Tranches?.ToArray(), current.PaymentGates?.ToArray()), ct);
            }))
            return Redirect("/Rules");
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Years = await years.ListAsync(ct);
        IsAdmin = User.ToCaller().IsAdmin;
    }
}
