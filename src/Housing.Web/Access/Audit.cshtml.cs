using System.Globalization;
using Housing.Access;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Access;

/// <summary>The audit log for an auditor: filters picked from lists (person, kind, Buddhist Era dates, province then
/// project), each entry's action in words and its changed fields as a table.</summary>
public sealed class AuditModel(AuditService audit) : PageModel
{
    public const int PageSize = 20;
    public AuditQuery Query { get; private set; } = new();
    public Paged<AuditEntry> Result { get; private set; } = new([], 1, PageSize, 0);
    public AuditChoices Choices { get; private set; } = new([], [], []);
    public IReadOnlyDictionary<string, string> AreaNames { get; private set; } = new Dictionary<string, string>();
    public string? Error { get; private set; }
    public Dictionary<string, string?> Values { get; } = new();

    public static readonly string[] Months = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"];
    public static readonly string[] MonthsEn = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    public static IEnumerable<int> Years => Enumerable.Range(2560, Thai.Today().Year + Thai.BuddhistEraOffset - 2560 + 1).Reverse();

    public async Task OnGetAsync(string? actor, string? kind, int? fd, int? fm, int? fy, int? td, int? tm, int? ty, string? province, long? project,
        int page = 1, CancellationToken ct = default)
    {
        Values["actor"] = actor; Values["kind"] = kind; Values["province"] = province; Values["project"] = project?.ToString(CultureInfo.InvariantCulture);
        Values["fd"] = S(fd); Values["fm"] = S(fm); Values["fy"] = S(fy); Values["td"] = S(td); Values["tm"] = S(tm); Values["ty"] = S(ty);
        var from = Day(fd, fm, fy, first: true, "from");
        var to = Day(td, tm, ty, first: false, "to");
        var k = string.IsNullOrWhiteSpace(kind) ? null : kind.Trim();
        // A kind is one action ("disbursement.record") or every action of its group ("disbursement").
        Query = new AuditQuery(Actor: actor, Action: k is null ? null : k.Contains('.') ? k : k + ".*",
            From: from, To: to, Page: Math.Max(page, 1), PageSize: PageSize, Project: project);
        var caller = User.ToCaller();
        Choices = await audit.ChoicesAsync(caller, province, ct);
        if (Error is not null) return;
        try { Result = await audit.SearchAsync(caller, Query, ct); }
        catch (ValidationFailed v) { Error = string.Join(" ", v.Errors.SelectMany(e => e.Value).Select(m => m.Current)); }
        var codes = Result.Items.SelectMany(e => new[] { e.Before, e.After }).Where(j => j is not null)
            .SelectMany(j => System.Text.RegularExpressions.Regex.Matches(j!, "\"(\\d{2}|\\d{6})\"").Select(m => m.Groups[1].Value));
        AreaNames = await audit.AreaNamesAsync(codes, Lang.IsEnglish, ct);
    }

    static string? S(int? n) => n?.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Buddhist Era day from the three lists. A month and year without a day: the month's first day (from)
    /// or its last (to); a year alone: the whole calendar year.</summary>
    DateOnly? Day(int? d, int? m, int? y, bool first, string field)
    {
        if (y is not int be) return null;
        var year = be - Thai.BuddhistEraOffset;
        if (year is < 1900 or > 2200) { Error = Lang.T("ปีไม่ถูกต้อง", "The year is not valid."); return null; }
        var month = m is int mm and >= 1 and <= 12 ? mm : first ? 1 : 12;
        var last = DateTime.DaysInMonth(year, month);
        var day = d is int dd and >= 1 ? Math.Min(dd, last) : first ? 1 : last;
        return new DateOnly(year, month, day);
    }

    public IReadOnlyList<AuditChange> Changes(AuditEntry e)
        => AuditLabels.Changes(e.Before, e.After, CultureInfo.CurrentUICulture, code => AreaNames.GetValueOrDefault(code));

    public string Actor(AuditEntry e) => Choices.Actors.FirstOrDefault(a => a.Username == e.ActorName) is { DisplayName: { Length: > 0 } d } ? $"{d} ({e.ActorName})" : e.ActorName;

    public long Pages => Math.Max(1, (Result.Total + PageSize - 1) / PageSize);

    public string PageLink(int page)
    {
        var q = Values.Where(kv => !string.IsNullOrEmpty(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
        q["page"] = page.ToString(CultureInfo.InvariantCulture);
        return QueryString.Create(q).ToString();
    }
}
