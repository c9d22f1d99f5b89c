using Housing.Access;
using Housing.Attention;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Attention;

/// <summary>ต้องติดตาม: the caller's flags, by district (staff see their provinces, a treasurer its own projects, viewers
/// read only: nothing here writes). Each links to the home or the project and says since when.</summary>
public sealed class IndexModel(AttentionService attention) : PageModel
{
    /// <summary>A page lists at most this many flags, oldest first; the counts above are over all of them.</summary>
    public const int MaxShown = 500;

    public string? Kind { get; private set; }
    public string? ProvinceCode { get; private set; }
    public DateOnly Today { get; private set; }
    public IReadOnlyList<AttentionFlag> Flags { get; private set; } = [];
    public int Total { get; private set; }
    public IReadOnlyList<(string Kind, int Count)> ByKind { get; private set; } = [];
    public IReadOnlyList<IGrouping<(string Code, string NameTh, string NameEn), AttentionFlag>> Districts { get; private set; } = [];

    public async Task OnGetAsync(string? kind, string? provinceCode, CancellationToken ct)
    {
        Kind = Kinds.All.Contains(kind) ? kind : null;
        ProvinceCode = provinceCode is { Length: 2 } ? provinceCode : null;
        Today = attention.Today;
        var caller = User.ToCaller();
        ByKind = await attention.CountsAsync(caller, ProvinceCode, ct);
        Total = ByKind.Where(k => Kind is null || k.Kind == Kind).Sum(k => k.Count);
        Flags = await attention.ListAsync(caller, new AttentionQuery(ProvinceCode, Kind, MaxShown), ct);
        Districts = Flags.GroupBy(f => (f.DistrictCode, f.DistrictNameTh, f.DistrictNameEn)).OrderBy(g => g.Key.DistrictCode).ToList();
    }

    /// <summary>A home's flag opens the home's progress; a project's flag its cash book.</summary>
    public static string Href(AttentionFlag f) => f.AllocationId is long a ? $"/Milestones/{a}" : $"/Ledgers/Project/{f.ProjectId}";
}
