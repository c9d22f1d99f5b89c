using Housing.Ledgers;

namespace Housing.Web.Ledgers;

public static class LedgerEndpoints
{
    public static void MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Ledgers");
        api.MapGet("/projects/{id:long}/ledger", async (long id, HttpContext http, LedgerService ledgers, CancellationToken ct)
            => TypedResults.Ok(await ledgers.LedgerAsync(http.User.ToCaller(), id, ct)));
        api.MapGet("/projects/{id:long}/ledger/monthly", async (long id, HttpContext http, LedgerService ledgers, CancellationToken ct)
            => TypedResults.Ok(await ledgers.MonthlyAsync(http.User.ToCaller(), id, ct)));
        api.MapGet("/projects/{id:long}/ledger/monthly.xlsx", async (long id, string? month, HttpContext http, LedgerService ledgers, CancellationToken ct) =>
        {
            var (name, bytes) = await ledgers.MonthWorkbookAsync(http.User.ToCaller(), id, month, ct);
            return TypedResults.File(bytes, Housing.Exports.Report.ContentType, name);
        });
        api.MapGet("/projects/{id:long}/households.xlsx", async (long id, HttpContext http, LedgerService ledgers, CancellationToken ct) =>
        {
            var (name, bytes) = await ledgers.HouseholdListWorkbookAsync(http.User.ToCaller(), id, ct);
            return TypedResults.File(bytes, Housing.Exports.Report.ContentType, name);
        });
    }
}
