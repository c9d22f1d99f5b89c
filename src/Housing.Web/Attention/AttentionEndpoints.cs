using Housing.Attention;

namespace Housing.Web.Attention;

/// <summary>A flag as the API gives it (API.md, "What needs attention"): <c>detail</c> is a sentence in the request's language.</summary>
public sealed record AttentionItem(string Kind, long ProjectId, long? AllocationId, string SubdistrictCode, DateOnly Since, string Detail);

public static class AttentionEndpoints
{
    public static void MapAttentionEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Attention");
        api.MapGet("/attention", async (string? provinceCode, string? kind, HttpContext http, AttentionService attention, CancellationToken ct) =>
        {
            var today = attention.Today;
            var flags = await attention.ListAsync(http.User.ToCaller(), new AttentionQuery(provinceCode, kind), ct);
            return TypedResults.Ok(flags.Select(f => new AttentionItem(f.Kind, f.ProjectId, f.AllocationId, f.SubdistrictCode, f.Since, f.Detail(today).Current)));
        });
    }
}
