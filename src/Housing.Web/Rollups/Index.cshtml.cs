using Housing.Jobs;
using Housing.Rollups;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Rollups;

/// <summary>Drill-down: the nation, a province, a district, a subdistrict, a project; the row itself on
/// top with its children below as bars and a table.</summary>
public sealed class RollupsModel(RollupService rollups, JobService jobs) : PageModel
{
    public string Level { get; private set; } = Levels.National;
    public string? Code { get; private set; }
    public int FiscalYear { get; private set; }
    public string? Program { get; private set; }
    public IReadOnlyList<int> Years { get; private set; } = [];
    public IReadOnlyList<RollupRow> Current { get; private set; } = [];
    public IReadOnlyList<RollupRow> Children { get; private set; } = [];
    public IReadOnlyList<RollupMonth> Months { get; private set; } = [];
    public List<(string Href, string Name)> Crumbs { get; } = [];
    public string? ChildLevel => Levels.Child(Level);
    public long? QueuedRun { get; private set; }
    // The button is the admins' (the nightly run and the 5-s refresh keep staff's figures fresh); the API still lets staff ask.
    public bool CanRefresh => User.ToCaller().IsAdmin;

    public async Task OnGetAsync(string? level, string? code, int? fiscalYear, string? program, long? queued, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Years = await rollups.YearsAsync(ct);
        // No year asked: the latest one in which the caller's area has homes or money, not an empty one; asked no program either,
        // the program that has them in that year (Baan Por Piang, the page's default, when both do or none has).
        var (latestYear, latestProgram) = fiscalYear is null ? await rollups.LatestYearAsync(caller, program is null or "" ? null : program, ct) : (null, null);
        var (year, prog, lvl, _) = rollups.Validate(new RollupQuery(fiscalYear ?? latestYear,
            program ?? latestProgram ?? Housing.Budgets.Programs.BaanPorPiang, level, null));
        (FiscalYear, Program, Level, QueuedRun) = (year, program == "" ? null : prog, lvl, queued);
        Code = Level == Levels.National ? null : code ?? throw Housing.NotFound.Of("พื้นที่", "The area");
        Current = await rollups.ListAsync(caller, new RollupQuery(FiscalYear, Program, Level, null, Code: Code), ct);
        if (Current.Count == 0 && Level != Levels.National) throw Housing.NotFound.Of($"ข้อมูลของรหัส {Code}", $"Figures for {Code}");
        if (ChildLevel is not null)
            Children = await rollups.ListAsync(caller, new RollupQuery(FiscalYear, Program, ChildLevel, Level == Levels.National ? null : Code), ct);
        if (Current.Count > 0) Months = await rollups.MonthlyAsync(caller, FiscalYear, Program, Code ?? Levels.NationalCode, Level, ct);
        await CrumbsAsync(caller, ct);
    }

    /// <summary>The way back up: the nation, then the province, district and subdistrict above this row.</summary>
    async Task CrumbsAsync(Housing.Access.Caller caller, CancellationToken ct)
    {
        Crumbs.Add((Href(Levels.National, null), Lang.T("ประเทศไทย", "Thailand")));
        var area = Level == Levels.Project ? Current.FirstOrDefault()?.ParentCode : Code;
        if (area is null || Level is Levels.National or Levels.Province) return;
        var chain = new List<(string Level, string Code)> { (Levels.Province, area[..2]) };
        if (Level is Levels.Subdistrict or Levels.Project) chain.Add((Levels.District, area[..4]));
        if (Level is Levels.Project) chain.Add((Levels.Subdistrict, area));
        foreach (var (level, code) in chain)
            if ((await rollups.ListAsync(caller, new RollupQuery(FiscalYear, Program, level, null, Code: code), ct)).FirstOrDefault() is { } row)
                Crumbs.Add((Href(level, code), Lang.T(row.NameTh, row.NameEn)));
    }

    public string Href(string level, string? code, int? year = null, string? program = null)
    {
        var q = $"?fiscalYear={year ?? FiscalYear}&program={program ?? Program ?? ""}";
        return level == Levels.National ? "/Rollups" + q : $"/Rollups/{level}/{code}{q}";
    }

    public string ExportHref
    {
        get
        {
            var province = Level == Levels.National ? null : Current.FirstOrDefault() is { } r ? (Level == Levels.Project ? r.ParentCode?[..2] : r.Code[..2]) : null;
            return $"/api/v1/exports/rollup.xlsx?fiscalYear={FiscalYear}&program={Program ?? ""}" + (province is null ? "" : $"&provinceCode={province}");
        }
    }

    public async Task<IActionResult> OnPostRefreshAsync(string? level, string? code, int? fiscalYear, string? program, CancellationToken ct)
    {
        var id = await jobs.RequestAsync(User.ToCaller(), JobService.RollupsFull, ct);
        return Redirect((level is null ? "/Rollups" : $"/Rollups/{level}/{code}") + $"?fiscalYear={fiscalYear}&program={program}&queued={id}");
    }

    public static string LevelName(string level) => level switch
    {
        Levels.National => Lang.T("ประเทศ", "Nation"), Levels.Province => Lang.T("จังหวัด", "Province"), Levels.District => Lang.T("อำเภอ", "District"),
        Levels.Subdistrict => Lang.T("ตำบล", "Subdistrict"), _ => Lang.T("โครงการ", "Project"),
    };

    public static string ProgramName(string program) => Housing.Budgets.Programs.Name(program).Current;
}
