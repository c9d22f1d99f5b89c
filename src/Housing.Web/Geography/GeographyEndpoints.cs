using Housing.Geography;

namespace Housing.Web.Geography;

public static class GeographyEndpoints
{
    public static void MapGeographyEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Geography");
        api.MapGet("/provinces", async (GeographyService geo, CancellationToken ct) => TypedResults.Ok(await geo.ProvincesAsync(ct)));
        api.MapGet("/provinces/{code}/districts", async (string code, GeographyService geo, CancellationToken ct) => TypedResults.Ok(await geo.DistrictsAsync(code, ct)));
        api.MapGet("/districts/{code}/subdistricts", async (string code, GeographyService geo, CancellationToken ct) => TypedResults.Ok(await geo.SubdistrictsAsync(code, ct)));
    }
}
