using Housing.Milestones;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Milestones;

public static class MilestoneEndpoints
{
    public static void MapMilestoneEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Milestones");
        api.MapPost("/allocations/{id:long}/milestones", RecordAsync);
        api.MapGet("/allocations/{id:long}/milestones", async (long id, HttpContext http, MilestoneService milestones, CancellationToken ct)
            => TypedResults.Ok(await milestones.ListAsync(http.User.ToCaller(), id, ct)));
        // Multipart from scripts holding a bearer token; the page posts through its own handler, which checks antiforgery.
        api.MapPost("/milestones/{id:long}/photos", AddPhotoAsync).DisableAntiforgery();
        api.MapPost("/milestones/{id:long}/withdraw", WithdrawAsync);
        api.MapGet("/photos/{id:long}", (long id, HttpContext http, MilestoneService m, CancellationToken ct) => PhotoAsync(id, false, http, m, ct));
        api.MapGet("/photos/{id:long}/thumbnail", (long id, HttpContext http, MilestoneService m, CancellationToken ct) => PhotoAsync(id, true, http, m, ct));
    }

    /// <summary>201 for a new stage; 200 with the first answer when the Idempotency-Key was seen before (a phone's outbox
    /// then sends the photos to /milestones/{id}/photos, where the same picture again is stored once).</summary>
    static async Task<Results<Created<MilestoneView>, Ok<MilestoneView>>> RecordAsync(long id, RecordMilestone body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, MilestoneService milestones, CancellationToken ct)
    {
        var (row, replayed) = await milestones.RecordAsync(http.User.ToCaller(), id, body, ct, idempotencyKey);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/allocations/{id}/milestones", row);
    }

    static async Task<Created<MilestoneView>> WithdrawAsync(long id, WithdrawMilestone body, HttpContext http, MilestoneService milestones, CancellationToken ct)
    {
        var row = await milestones.WithdrawAsync(http.User.ToCaller(), id, body, ct);
        return TypedResults.Created($"/api/v1/allocations/{row.AllocationId}/milestones", row);
    }

    /// <summary>Form fields: <c>file</c> (the photo) and optionally <c>thumbnail</c> (a small JPEG or PNG made on the phone).</summary>
    static async Task<Results<Created<PhotoView>, Ok<PhotoView>>> AddPhotoAsync(long id, IFormFile? file, IFormFile? thumbnail, HttpContext http,
        MilestoneService milestones, CancellationToken ct)
    {
        var (row, replayed) = await milestones.AddPhotoAsync(http.User.ToCaller(), id, await BytesAsync(file, ct), await BytesAsync(thumbnail, ct), ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/photos/{row.Id}", row);
    }

    /// <summary>Reads an upload, stopping just past the photo limit so an oversized file is refused without reading all of it.</summary>
    public static async Task<byte[]> BytesAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null) return [];
        await using var s = file.OpenReadStream();
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await s.ReadAsync(buffer, ct)) > 0 && ms.Length <= MilestoneService.MaxPhotoBytes) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }

    static async Task<FileContentHttpResult> PhotoAsync(long id, bool thumbnail, HttpContext http, MilestoneService milestones, CancellationToken ct)
        => PhotoFile(http, await milestones.PhotoAsync(http.User.ToCaller(), id, thumbnail, ct));

    /// <summary>A stored photo (a milestone's, a receipt's) as the answer: it never changes, so the caller's browser keeps it a day.</summary>
    public static FileContentHttpResult PhotoFile(HttpContext http, Photo photo)
    {
        http.Response.Headers.CacheControl = "private, max-age=86400";
        return TypedResults.File(photo.Content, photo.ContentType);
    }
}
