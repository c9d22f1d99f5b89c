using Housing.Mankong;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Housing.Web.Mankong;

/// <summary>Baan Mankong's community finance: savings reports, loans to the cooperative, community works.</summary>
public static class MankongEndpoints
{
    public static void MapMankongEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Baan Mankong");
        api.MapPost("/projects/{id:long}/savings", async (long id, RecordSavings body, HttpContext http, SavingsService savings, CancellationToken ct)
            => TypedResults.Created($"/api/v1/projects/{id}/savings", await savings.RecordAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/projects/{id:long}/savings", async (long id, HttpContext http, SavingsService savings, CancellationToken ct)
            => TypedResults.Ok(await savings.ListAsync(http.User.ToCaller(), id, ct)));
    }
}
