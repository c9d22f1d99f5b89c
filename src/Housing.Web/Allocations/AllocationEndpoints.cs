using Housing.Allocations;

namespace Housing.Web.Allocations;

public static class AllocationEndpoints
{
    public static void MapAllocationEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Allocations");
        api.MapPost("/projects/{id:long}/allocations", async (long id, Allocate body, HttpContext http, AllocationService allocations, CancellationToken ct) =>
        {
            var allocation = await allocations.CreateAsync(http.User.ToCaller(), id, body, ct);
            return TypedResults.Created($"/api/v1/allocations/{allocation.Id}", allocation);
        });
        api.MapGet("/projects/{id:long}/allocations", async (long id, HttpContext http, AllocationService allocations, CancellationToken ct) =>
            TypedResults.Ok(await allocations.ListAsync(http.User.ToCaller(), id, ct)));
        api.MapGet("/households/{id:long}/allocations", async (long id, HttpContext http, AllocationService allocations, CancellationToken ct) =>
            TypedResults.Ok(await allocations.ForHouseholdAsync(http.User.ToCaller(), id, ct)));
        api.MapGet("/allocations/{id:long}", async (long id, HttpContext http, AllocationService allocations, CancellationToken ct) =>
            TypedResults.Ok(await allocations.GetAsync(http.User.ToCaller(), id, ct)));
        api.MapPut("/allocations/{id:long}", async (long id, ChangeAllocation body, HttpContext http, AllocationService allocations, CancellationToken ct) =>
            TypedResults.Ok(await allocations.ChangeAsync(http.User.ToCaller(), id, body, ct)));
        api.MapPost("/allocations/{id:long}/cancel", async (long id, CancelAllocation body, HttpContext http, AllocationService allocations, CancellationToken ct) =>
            TypedResults.Ok(await allocations.CancelAsync(http.User.ToCaller(), id, body, ct)));
    }
}
