using Housing.Disbursements;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Disbursements;

public static class DisbursementEndpoints
{
    public static void MapDisbursementEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Disbursements");
        api.MapPost("/allocations/{id:long}/disbursements", RecordAsync);
        api.MapGet("/allocations/{id:long}/disbursements", async (long id, HttpContext http, DisbursementService payments, CancellationToken ct)
            => TypedResults.Ok(await payments.ListAsync(http.User.ToCaller(), id, ct)));
        api.MapPost("/disbursements/{id:long}/reverse", ReverseAsync);
        // Multipart from scripts holding a bearer token; the payment page posts through its own handler, which checks antiforgery.
        api.MapPost("/disbursements/{id:long}/receipt", ReceiptAsync).DisableAntiforgery();
        api.MapGet("/receipts/{id:long}", async (long id, HttpContext http, ReceiptService receipts, CancellationToken ct)
            => Milestones.MilestoneEndpoints.PhotoFile(http, await receipts.PhotoAsync(http.User.ToCaller(), id, ct)));
    }

    /// <summary>201 for a new payment; 200 with the first answer when the Idempotency-Key was seen before.</summary>
    static async Task<Results<Created<DisbursementView>, Ok<DisbursementView>>> RecordAsync(long id, RecordDisbursement body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, DisbursementService payments, CancellationToken ct)
    {
        var (row, replayed) = await payments.RecordAsync(http.User.ToCaller(), id, body, idempotencyKey, ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/allocations/{id}/disbursements", row);
    }

    /// <summary>Form field <c>file</c>: the photo of the receipt. The same picture again is a 200 with the first answer.</summary>
    static async Task<Results<Created<ReceiptView>, Ok<ReceiptView>>> ReceiptAsync(long id, IFormFile? file, HttpContext http, ReceiptService receipts, CancellationToken ct)
    {
        var (row, replayed) = await receipts.AddAsync(http.User.ToCaller(), id, await Milestones.MilestoneEndpoints.BytesAsync(file, ct), ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/receipts/{row.Id}", row);
    }

    static async Task<Created<DisbursementView>> ReverseAsync(long id, ReverseDisbursement body, HttpContext http, DisbursementService payments, CancellationToken ct)
    {
        var row = await payments.ReverseAsync(http.User.ToCaller(), id, body, ct);
        return TypedResults.Created($"/api/v1/allocations/{row.AllocationId}/disbursements", row);
    }
}
