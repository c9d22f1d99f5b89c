using Housing.Transfers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Housing.Web.Transfers;

public static class TransferEndpoints
{
    public static void MapTransferEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Transfers");
        api.MapPost("/projects/{id:long}/transfers", RecordAsync);
    }

    static async Task<Created<TransferView>> RecordAsync(long id, RecordTransfer body, HttpContext http, TransferService transfers, CancellationToken ct)
    {
        var row = await transfers.RecordAsync(http.User.ToCaller(), id, body, ct);
        return TypedResults.Created($"/api/v1/projects/{id}/ledger", row);
    }
}
