using Housing.Mankong;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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

        api.MapPost("/projects/{id:long}/loans", async (long id, CreateLoan body, HttpContext http, LoanService loans, CancellationToken ct)
            => TypedResults.Created($"/api/v1/loans/{id}", await loans.CreateAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/loans/{id:long}", async (long id, HttpContext http, LoanService loans, CancellationToken ct)
            => TypedResults.Ok(await loans.GetAsync(http.User.ToCaller(), id, ct)));
        api.MapPost("/loans/{id:long}/drawdowns", async (long id, RecordLoanMoney body, HttpContext http, LoanPaymentService money, CancellationToken ct)
            => TypedResults.Created($"/api/v1/loans/{id}", await money.DrawAsync(http.User.ToCaller(), id, body, ct)));
        api.MapPost("/loans/{id:long}/repayments", RepayAsync);
        api.MapPost("/loans/{id:long}/moratorium", async (long id, Moratorium body, HttpContext http, LoanService loans, CancellationToken ct)
            => TypedResults.Created($"/api/v1/loans/{id}", await loans.MoratoriumAsync(http.User.ToCaller(), id, body, ct)));

        api.MapPost("/projects/{id:long}/works", async (long id, CreateWork body, HttpContext http, WorkService works, CancellationToken ct)
            => TypedResults.Created($"/api/v1/projects/{id}/works", await works.CreateAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/projects/{id:long}/works", async (long id, HttpContext http, WorkService works, CancellationToken ct)
            => TypedResults.Ok(await works.ListAsync(http.User.ToCaller(), id, ct)));
        api.MapPost("/works/{id:long}/disbursements", PayWorkAsync);
        api.MapPost("/work-disbursements/{id:long}/reverse", async (long id, Housing.Disbursements.ReverseDisbursement body, HttpContext http, WorkService works, CancellationToken ct)
            => TypedResults.Created($"/api/v1/work-disbursements/{id}", await works.ReverseAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/projects/{id:long}/work-disbursements", async (long id, HttpContext http, WorkService works, CancellationToken ct)
            => TypedResults.Ok(await works.PaymentsAsync(http.User.ToCaller(), id, ct)));
        api.MapGet("/projects/{id:long}/loans", async (long id, HttpContext http, LoanService loans, CancellationToken ct)
            => TypedResults.Ok(await loans.ListAsync(http.User.ToCaller(), id, ct)));

        api.MapPost("/works/{id:long}/stages", RecordStageAsync);
        api.MapGet("/works/{id:long}/stages", async (long id, HttpContext http, WorkStageService stages, CancellationToken ct)
            => TypedResults.Ok(await stages.ListAsync(http.User.ToCaller(), id, ct)));
        // Multipart from scripts holding a bearer token; the page posts through its own handler, which checks antiforgery.
        api.MapPost("/work-stages/{id:long}/photos", AddPhotoAsync).DisableAntiforgery();
        api.MapGet("/work-photos/{id:long}", (long id, HttpContext http, WorkStageService s, CancellationToken ct) => PhotoAsync(id, false, http, s, ct));
        api.MapGet("/work-photos/{id:long}/thumbnail", (long id, HttpContext http, WorkStageService s, CancellationToken ct) => PhotoAsync(id, true, http, s, ct));

        api.MapGet("/exports/loan-book.xlsx", async (string? provinceCode, HttpContext http, LoanBookWorkbook book, CancellationToken ct) =>
        {
            var (name, bytes) = await book.BuildAsync(http.User.ToCaller(), provinceCode, ct);
            return TypedResults.File(bytes, Housing.Exports.Report.ContentType, name);
        });
        api.MapGet("/rollups/mankong", async (string? level, string? parent, HttpContext http, LoanBookService book, CancellationToken ct)
            => TypedResults.Ok(await book.RollupAsync(http.User.ToCaller(), level, parent, ct)));
    }

    /// <summary>As a home's payment: 201 for a new one, 200 with the first answer when the Idempotency-Key was seen before.</summary>
    static async Task<Results<Created<WorkPaymentView>, Ok<WorkPaymentView>>> PayWorkAsync(long id, Housing.Disbursements.RecordDisbursement body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, WorkService works, CancellationToken ct)
    {
        var (row, replayed) = await works.PayAsync(http.User.ToCaller(), id, body, idempotencyKey, ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/works/{id}/disbursements", row);
    }

    static async Task<Results<Created<WorkStageView>, Ok<WorkStageView>>> RecordStageAsync(long id, RecordWorkStage body, HttpContext http,
        WorkStageService stages, CancellationToken ct)
    {
        var (row, replayed) = await stages.RecordAsync(http.User.ToCaller(), id, body, ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/works/{id}/stages", row);
    }

    /// <summary>Form fields: <c>file</c> (the photo) and optionally <c>thumbnail</c>, as for a milestone's photo.</summary>
    static async Task<Results<Created<WorkPhotoView>, Ok<WorkPhotoView>>> AddPhotoAsync(long id, IFormFile? file, IFormFile? thumbnail, HttpContext http,
        WorkStageService stages, CancellationToken ct)
    {
        var (row, replayed) = await stages.AddPhotoAsync(http.User.ToCaller(), id, await Milestones.MilestoneEndpoints.BytesAsync(file, ct),
            await Milestones.MilestoneEndpoints.BytesAsync(thumbnail, ct), ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/work-photos/{row.Id}", row);
    }

    static async Task<FileContentHttpResult> PhotoAsync(long id, bool thumbnail, HttpContext http, WorkStageService stages, CancellationToken ct)
        => Milestones.MilestoneEndpoints.PhotoFile(http, await stages.PhotoAsync(http.User.ToCaller(), id, thumbnail, ct));

    /// <summary>201 for a new repayment; 200 with the first answer when the Idempotency-Key was seen before.</summary>
    static async Task<Results<Created<RepaymentView>, Ok<RepaymentView>>> RepayAsync(long id, RecordLoanMoney body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, LoanPaymentService money, CancellationToken ct)
    {
        var (row, replayed) = await money.RepayAsync(http.User.ToCaller(), id, body, idempotencyKey, ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/loans/{id}", row);
    }
}
