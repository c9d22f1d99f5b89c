using Housing.Access;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Access;

public sealed class AuditModel(AuditService audit) : PageModel
{
    public AuditQuery Query { get; private set; } = new();
    public Paged<AuditEntry> Result { get; private set; } = new([], 1, 50, 0);
    public string? Error { get; private set; }

    public async Task OnGetAsync([Microsoft.AspNetCore.Mvc.FromQuery] AuditQuery query, CancellationToken ct)
    {
        Query = query;
        try { Result = await audit.SearchAsync(User.ToCaller(), query, ct); }
        catch (ValidationFailed v) { Error = string.Join(" ", v.Errors.SelectMany(e => e.Value).Select(m => m.Current)); }
    }

    public string PageLink(int page) => QueryString.Create(new Dictionary<string, string?>
    {
        ["actor"] = Query.Actor, ["entity"] = Query.Entity, ["entityId"] = Query.EntityId, ["action"] = Query.Action,
        ["from"] = Query.From?.ToString("yyyy-MM-dd"), ["to"] = Query.To?.ToString("yyyy-MM-dd"), ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Where(kv => !string.IsNullOrEmpty(kv.Value))).ToString();
}
