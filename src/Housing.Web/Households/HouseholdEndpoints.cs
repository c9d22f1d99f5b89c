using Housing.Households;

namespace Housing.Web.Households;

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
        api.MapGet("/households", async (string? subdistrictCode, string? q, int? villageNo, int? page, int? pageSize,
            HttpContext http, HouseholdService households, CancellationToken ct) =>
            TypedResults.Ok(await households.SearchAsync(http.User.ToCaller(), subdistrictCode, q, villageNo, page ?? 1, pageSize ?? 50, ct)));
        api.MapGet("/households/{id:long}", async (long id, HttpContext http, HouseholdService households, CancellationToken ct) =>
            TypedResults.Ok(await households.GetAsync(http.User.ToCaller(), id, ct)));
    }
}
