using Housing.Rollups;

namespace Housing.Web.Rollups;

public static class RollupEndpoints
{
    public static void MapRollupEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Rollups");
        api.MapGet("/rollups", async (int? fiscalYear, string? program, string? level, string? parent, HttpContext http, RollupService rollups, CancellationToken ct)
            => TypedResults.Ok(await rollups.ListAsync(http.User.ToCaller(), new RollupQuery(fiscalYear, program, level, parent), ct)));
        api.MapGet("/rollups/monthly", async (int? fiscalYear, string? program, string? code, string? level, HttpContext http, RollupService rollups, CancellationToken ct)
            => TypedResults.Ok(await rollups.MonthlyAsync(http.User.ToCaller(), fiscalYear, program, code, level, ct)));
    }
}
