using Housing.Rollups;

namespace Housing.Web.Rollups;

public static class RollupEndpoints
{
    public static void MapRollupEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Rollups");
        api.MapGet("/rollups", async (int? fiscalYear, string? program, string? level, string? parent, HttpContext http, RollupService rollups, CancellationToken ct)
            => TypedResults.Ok(await rollups.ListAsync(http.User.ToCaller(), new RollupQuery(fiscalYear, program, level, parent), ct)));
    }
}
