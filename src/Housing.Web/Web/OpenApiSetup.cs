using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Housing.Web;

/// <summary>The OpenAPI document: the bearer scheme every endpoint but sign-in requires, the problem answers each
/// kind of endpoint can give, and a summary per endpoint.</summary>
public static class OpenApiSetup
{
    const string Bearer = "Bearer", Problem = "ProblemDetails";

    /// <summary>Summaries kept in one table rather than on each feature's Map call, so the features' files stay as they
    /// are. An endpoint with its own <c>.WithSummary(...)</c> keeps that one.</summary>
    static readonly Dictionary<string, string> Summaries = new()
    {
        ["POST /api/v1/auth/token"] = "Sign in: a bearer token for a username and password",
        ["POST /api/v1/users"] = "Create a user (Admin)",
        ["POST /api/v1/projects/{id}/savings"] = "Report a Baan Mankong savings group's balance and members for a month",
        ["GET /api/v1/projects/{id}/savings"] = "A Baan Mankong project's savings reports, oldest first",
        ["POST /api/v1/projects/{id}/loans"] = "Lend to the project's cooperative (savings of at least 10 % first), with its schedule",
        ["GET /api/v1/loans/{id}"] = "A loan with its schedule, what was paid and its arrears",
        ["POST /api/v1/loans/{id}/drawdowns"] = "Draw on a loan, never past its amount",
        ["POST /api/v1/loans/{id}/repayments"] = "Record a repayment (Idempotency-Key): oldest instalment due first, interest first",
        ["POST /api/v1/loans/{id}/moratorium"] = "Move the instalments due in a range of months past the end, with a reason",
        ["POST /api/v1/projects/{id}/works"] = "Add a community work (road, drainage, water, ...) within the project's amount",
        ["GET /api/v1/projects/{id}/works"] = "A Baan Mankong project's community works",
        ["POST /api/v1/works/{id}/disbursements"] = "Pay a contractor for a work (Idempotency-Key), within the work and the project's cash",
        ["POST /api/v1/work-disbursements/{id}/reverse"] = "Reverse a payment for a community work (a negative entry, with a reason)",
        ["GET /api/v1/projects/{id}/work-disbursements"] = "The payments and reversals of a project's community works",
        ["GET /api/v1/projects/{id}/loans"] = "A Baan Mankong project's loans, each with its schedule and arrears",
        ["POST /api/v1/works/{id}/stages"] = "Record a community work's next stage: surveyed, contracted, started, completed",
        ["GET /api/v1/works/{id}/stages"] = "A community work's stages with their photos",
        ["POST /api/v1/work-stages/{id}/photos"] = "Attach a photo (JPEG or PNG, 5 MB at most) to a work's stage",
        ["GET /api/v1/work-photos/{id}"] = "A community work's photo",
        ["GET /api/v1/work-photos/{id}/thumbnail"] = "A community work photo's thumbnail",
        ["GET /api/v1/exports/loan-book.xlsx"] = "The Baan Mankong loan book of a province: each loan, its schedule, what was paid and the arrears",
        ["GET /api/v1/rollups/mankong"] = "Loans outstanding, arrears by age and savings against the 10 % line, per area",
        ["PATCH /api/v1/users/{id}"] = "Change a user's role, area, name or activity (Admin); their sessions end at once",
        ["POST /api/v1/users/{id}/password"] = "Set a user's new password (Admin); their sessions end",
        ["POST /api/v1/auth/password"] = "Change your own password; every session of yours ends",
        ["GET /api/v1/users"] = "List users (Admin)",
        ["GET /api/v1/audit"] = "Search the audit log (Admin)",
        ["GET /api/v1/provinces"] = "List provinces",
        ["GET /api/v1/provinces/{code}/districts"] = "List a province's districts",
        ["GET /api/v1/districts/{code}/subdistricts"] = "List a district's subdistricts",
        ["POST /api/v1/budgets"] = "Create a budget for a program, fiscal year and province",
        ["GET /api/v1/budgets"] = "List budgets",
        ["GET /api/v1/budgets/{id}"] = "Get a budget",
        ["POST /api/v1/budgets/{id}/projects"] = "Create a project within a budget",
        ["GET /api/v1/projects/{id}"] = "Get a project with its totals",
        ["POST /api/v1/households"] = "Register a household",
        ["GET /api/v1/households"] = "Search the register by subdistrict, village, name or partial ID (full citizen IDs: POST /households/search)",
        ["POST /api/v1/households/search"] = "Search the register, the query in the body (for full citizen IDs)",
        ["GET /api/v1/households/{id}"] = "Get a household",
        ["POST /api/v1/households/import"] = "Import households from a CSV or XLSX file: all rows or none",
        ["GET /api/v1/households/import/template.xlsx"] = "The import template as a workbook",
        ["GET /api/v1/households/import/template.csv"] = "The import template as CSV",
        ["POST /api/v1/projects/{id}/allocations"] = "Allocate a budget to a household of the project",
        ["GET /api/v1/projects/{id}/allocations"] = "List a project's allocations",
        ["GET /api/v1/households/{id}/allocations"] = "List a household's allocations",
        ["GET /api/v1/allocations/{id}"] = "Get an allocation",
        ["PUT /api/v1/allocations/{id}"] = "Change an allocation's amount or work, with a reason",
        ["POST /api/v1/allocations/{id}/cancel"] = "Cancel an allocation, with a reason",
        ["POST /api/v1/allocations/{id}/disbursements"] = "Record a payment (Idempotency-Key header)",
        ["GET /api/v1/allocations/{id}/disbursements"] = "List an allocation's payments",
        ["POST /api/v1/disbursements/{id}/reverse"] = "Reverse a payment with a negative entry",
        ["POST /api/v1/projects/{id}/transfers"] = "Record a tranche received from CODI",
        ["GET /api/v1/projects/{id}/ledger"] = "The project's cash book with its running balance",
        ["GET /api/v1/projects/{id}/ledger/monthly"] = "The project's monthly report",
        ["GET /api/v1/projects/{id}/ledger/monthly.xlsx"] = "One month's cash report as a workbook (?month=yyyy-MM): opening, entries, closing, Thai words, signatures",
        ["GET /api/v1/projects/{id}/households.xlsx"] = "The committee's household list of a project as a workbook",
        ["GET /api/v1/rollups/monthly"] = "Received, disbursed and completed homes month by month, cumulative, for a fiscal year and an area",
        ["POST /api/v1/allocations/{id}/milestones"] = "Record the next construction stage of a home",
        ["GET /api/v1/allocations/{id}/milestones"] = "List a home's stages",
        ["POST /api/v1/milestones/{id}/photos"] = "Add a photo to a stage (multipart)",
        ["POST /api/v1/milestones/{id}/withdraw"] = "Withdraw a home's latest stage saved by mistake, with a reason",
        ["POST /api/v1/disbursements/{id}/receipt"] = "Attach the photo of a payment's receipt (multipart)",
        ["GET /api/v1/receipts/{id}"] = "The photo of a payment's receipt",
        ["GET /api/v1/photos/{id}"] = "A stage's photo",
        ["GET /api/v1/photos/{id}/thumbnail"] = "A stage's photo, small",
        ["GET /api/v1/rollups"] = "Spend versus target at one level",
        ["POST /api/v1/rollups/refresh"] = "Queue a full rollup recompute",
        ["GET /api/v1/jobs"] = "Recent job runs",
        ["GET /api/v1/jobs/schedule"] = "The jobs' next fire times",
        ["GET /api/v1/jobs/{id}"] = "Get a job run",
        ["POST /api/v1/jobs/{job}/run"] = "Run a job now",
        ["GET /api/v1/exports/rollup.xlsx"] = "The rollup workbook",
        ["GET /api/v1/attention"] = "What needs attention in the caller's area (stalled homes, idle cash, missing photos, year end, funded again), oldest first",
        ["PATCH /api/v1/households/{id}"] = "Correct a household (head, address, members, income; citizen ID by Admins), with a reason",
        ["PATCH /api/v1/budgets/{id}"] = "Change a budget's target or amount, with a reason; never below what its projects hold",
        ["PATCH /api/v1/projects/{id}"] = "Change a project's name, target or amount, with a reason; never below what it allocated or received, never past its budget",
        ["POST /api/v1/projects/{id}/cancel"] = "Cancel a project while no money has moved, with a reason",
        ["POST /api/v1/transfers/{id}/reverse"] = "Reverse a tranche received with a negative entry; never leaving less cash than was paid",
        ["POST /api/v1/projects/{id}/refunds"] = "Record money the council returned to CODI, within the cash on hand",
        ["GET /api/v1/programs/{program}/years/{fiscalYear}"] = "A program year's rules: cap per home, tranches, payment gates",
        ["PUT /api/v1/programs/{program}/years/{fiscalYear}"] = "Set a program year's rules (Admin)",
    };

    public static IServiceCollection AddHousingOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "POST /api/v1/auth/token, then send Authorization: Bearer <accessToken>.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] }];
            return Task.CompletedTask;
        });
        o.AddOperationTransformer(async (operation, context, ct) =>
        {
            var d = context.Description;
            var method = d.HttpMethod ?? "GET";
            var route = System.Text.RegularExpressions.Regex.Replace(d.RelativePath ?? "", @"\{(\w+)(:[^}]*)?\}", "{$1}"); // {id:long} → {id}
            if (string.IsNullOrEmpty(operation.Summary) && Summaries.TryGetValue($"{method} /{route}", out var summary))
                operation.Summary = summary;
            var anonymous = d.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any();
            if (anonymous) operation.Security = []; // sign-in itself needs no token

            var document = context.Document!;
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!document.Components.Schemas.ContainsKey(Problem))
                document.AddComponent(Problem, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
            var writes = method is "POST" or "PUT" or "PATCH" or "DELETE";
            var statuses = new List<(int, string)>();
            if (writes || d.ParameterDescriptions.Any(p => p.Source.Id is "Query" or "Body" or "Form" or "FormFile"))
                statuses.Add((400, "Bad input: the problem names the field"));
            statuses.Add((401, anonymous ? "Wrong username or password, or locked for a while" : "Not signed in: no valid bearer token"));
            if (!anonymous) statuses.Add((403, "Outside the caller's role or area"));
            if (d.ParameterDescriptions.Any(p => p.Source.Id == "Path")) statuses.Add((404, "Not found, or outside the caller's area"));
            if (writes && !anonymous) statuses.Add((409, "A rule of the money or the data would break"));
            operation.Responses ??= new OpenApiResponses();
            foreach (var (status, description) in statuses)
                operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(Problem, document) } },
                });
        });
    });
}
