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

    /// <summary>201 for a new repayment; 200 with the first answer when the Idempotency-Key was seen before.</summary>
    static async Task<Results<Created<RepaymentView>, Ok<RepaymentView>>> RepayAsync(long id, RecordLoanMoney body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http, LoanPaymentService money, CancellationToken ct)
    {
        var (row, replayed) = await money.RepayAsync(http.User.ToCaller(), id, body, idempotencyKey, ct);
        return replayed ? TypedResults.Ok(row) : TypedResults.Created($"/api/v1/loans/{id}", row);
    }
}
