using Housing.Attention;

namespace Housing.Web.Attention;

/// <summary>A flag as the API gives it (API.md, "What needs attention"): <c>detail</c> is a sentence in the request's language.</summary>
public sealed record AttentionItem(string Kind, long ProjectId, long? AllocationId, string SubdistrictCode, DateOnly Since, string Detail);

public static class AttentionEndpoints
{
    /// <summary>A province can hold tens of thousands of flags: the answer is one page of them, oldest first.</summary>
    public const int DefaultPageSize = 500, MaxPageSize = 5000;

    public static void MapAttentionEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Attention");
        // The contract's array stays the body; the page's place is in headers: X-Total-Count (flags in all pages) and a
        // Link to the next page while there is one.
        api.MapGet("/attention", async (string? provinceCode, string? kind, int? page, int? pageSize, HttpContext http,
            AttentionService attention, CancellationToken ct) =>
        {
            var v = new Validator();
            v.Check(page is null or >= 1 and <= 100_000, "page", "หน้าต้องอยู่ระหว่าง 1 ถึง 100,000", "The page must be between 1 and 100,000.");
            v.Check(pageSize is null or >= 1 and <= MaxPageSize, "pageSize", $"จำนวนต่อหน้าต้องอยู่ระหว่าง 1 ถึง {MaxPageSize:N0}",
                $"The page size must be between 1 and {MaxPageSize:N0}.");
            v.ThrowIfInvalid();
            var (number, size) = (page ?? 1, pageSize ?? DefaultPageSize);
            var caller = http.User.ToCaller();
            var today = attention.Today;
            var flags = await attention.ListAsync(caller, new AttentionQuery(provinceCode, kind, size, Offset: (number - 1) * size), ct);
            var total = (await attention.CountsAsync(caller, provinceCode, ct)).Where(c => kind is null || c.Kind == kind?.Trim()).Sum(c => c.Count);
            http.Response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if ((long)number * size < total)
                http.Response.Headers.Link = $"<{http.Request.Path}{QueryString.Create([.. http.Request.Query
                    .Where(q => q.Key is not ("page" or "pageSize")).Select(q => KeyValuePair.Create(q.Key, (string?)q.Value.ToString())),
                    new("page", (number + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new("pageSize", size.ToString(System.Globalization.CultureInfo.InvariantCulture))])}>; rel=\"next\"";
            return TypedResults.Ok(flags.Select(f => new AttentionItem(f.Kind, f.ProjectId, f.AllocationId, f.SubdistrictCode, f.Since, f.Detail(today).Current)));
        });
    }
}
