using Housing.Transfers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Transfers;

public static class TransferEndpoints
{
    public static void MapTransferEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Transfers");
        api.MapPost("/projects/{id:long}/transfers", RecordAsync);
        api.MapPost("/transfers/{id:long}/reverse", async (long id, ReverseTransfer body, HttpContext http, TransferService transfers, CancellationToken ct) =>
        {
            var row = await transfers.ReverseAsync(http.User.ToCaller(), id, body, ct);
            return TypedResults.Created($"/api/v1/projects/{row.ProjectId}/ledger", row);
        });
        api.MapPost("/projects/{id:long}/refunds", async (long id, RecordRefund body, HttpContext http, TransferService transfers, CancellationToken ct) =>
        {
            var row = await transfers.RefundAsync(http.User.ToCaller(), id, body, ct);
            return TypedResults.Created($"/api/v1/projects/{id}/ledger", row);
        });
    }

    /// <summary>201 for a new tranche; 200 with the first answer when the same reference, amount and date come again, or the
    /// same Idempotency-Key.</summary>
    static async Task<Results<Created<TransferView>, Ok<TransferView>>> RecordAsync(long id, RecordTransfer body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, TransferService transfers, CancellationToken ct)
    {
        var (row, replayed) = await transfers.RecordAsync(http.User.ToCaller(), id, body, ct, idempotencyKey);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/projects/{id}/ledger", row);
    }
}
