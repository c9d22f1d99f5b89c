using Housing.Households;

namespace Housing.Web.Households;

/// <summary>The query of <c>GET /households</c> as a body, so a full citizen ID stays out of URLs.</summary>
public sealed record HouseholdSearch(string? SubdistrictCode, string? Q, int? VillageNo, int? Page, int? PageSize, string? Status = null, long? ProjectId = null);

public static class HouseholdEndpoints
{
    public static void MapHouseholdEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Households");
        api.MapPost("/households", async (RegisterHousehold body, HttpContext http, HouseholdService households, CancellationToken ct) =>
        {
            var household = await households.RegisterAsync(http.User.ToCaller(), body, ct);
            return TypedResults.Created($"/api/v1/households/{household.Id}", household);
        });
        api.MapGet("/households", async (string? subdistrictCode, string? q, int? villageNo, int? page, int? pageSize, string? status, long? projectId,
            HttpContext http, HouseholdService households, CancellationToken ct) =>
        {
            // A full citizen ID in a URL ends up in proxy and access logs: it goes in the body of POST /households/search.
            if (HouseholdService.IsFullCitizenId(q))
                throw ValidationFailed.One("q", "ค้นหาด้วยเลขประจำตัวประชาชนเต็ม 13 หลักต้องส่งในเนื้อความ: POST /api/v1/households/search {\"q\": \"...\"}",
                    "Search by a full 13-digit citizen ID in the body instead: POST /api/v1/households/search {\"q\": \"...\"}.");
            return TypedResults.Ok(await households.SearchAsync(http.User.ToCaller(), subdistrictCode, q, villageNo, page ?? 1, pageSize ?? 50, ct,
                status, projectId));
        });
        api.MapPost("/households/search", async (HouseholdSearch body, HttpContext http, HouseholdService households, CancellationToken ct) =>
            TypedResults.Ok(await households.SearchAsync(http.User.ToCaller(), body.SubdistrictCode, body.Q, body.VillageNo, body.Page ?? 1, body.PageSize ?? 50, ct,
                body.Status, body.ProjectId)));
        api.MapPatch("/households/{id:long}", async (long id, ChangeHousehold body, HttpContext http, HouseholdService households, CancellationToken ct) =>
            TypedResults.Ok(await households.ChangeAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/households/{id:long}", async (long id, HttpContext http, HouseholdService households, CancellationToken ct) =>
            TypedResults.Ok(await households.GetAsync(http.User.ToCaller(), id, ct)));
    }
}
