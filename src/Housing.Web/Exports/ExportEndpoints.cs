using System.IO.Pipelines;
using Housing.Exports;

namespace Housing.Web.Exports;

public static class ExportEndpoints
{
    public static void MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Exports");
        api.MapGet("/exports/rollup.xlsx", async (int? fiscalYear, string? program, string? provinceCode, bool? households, HttpContext http,
            ExportService exports, CancellationToken ct) =>
        {
            var workbook = await exports.RollupWorkbookAsync(http.User.ToCaller(), new ExportQuery(fiscalYear, program, provinceCode, households), ct);
            await StreamAsync(http, workbook, ct);
        }).Produces(200, contentType: RollupWorkbook.ContentType);
    }

    /// <summary>
    /// The zip and XML writers write synchronously, which ASP.NET Core refuses on a response body; so
    /// the workbook is written on its own task into a small pipe (it waits when 1 MiB is unread) that
    /// is copied to the response asynchronously. Memory stays at the pipe's size.
    /// </summary>
    static async Task StreamAsync(HttpContext http, RollupWorkbook workbook, CancellationToken ct)
    {
        http.Response.ContentType = RollupWorkbook.ContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{workbook.FileName}\"";
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var writing = Task.Run(async () =>
        {
            try
            {
                await using (var stream = pipe.Writer.AsStream(leaveOpen: true)) await workbook.WriteAsync(stream, ct);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, ct);
        try { await pipe.Reader.CopyToAsync(http.Response.Body, ct); }
        catch
        {
            // The client went away: close the pipe so the writer stops, wait for it, and report the copy's failure.
            await pipe.Reader.CompleteAsync();
            try { await writing; } catch (Exception e) when (e is not OutOfMemoryException) { }
            throw;
        }
        await pipe.Reader.CompleteAsync();
        await writing;
    }
}
