using Housing.Budgets;

namespace Housing.Web.Budgets;

public static class BudgetEndpoints
{
    public static void MapBudgetEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Budgets");
        api.MapPost("/budgets", async (CreateBudget body, HttpContext http, BudgetService budgets, CancellationToken ct) =>
        {
            var budget = await budgets.CreateAsync(http.User.ToCaller(), body, ct);
            return TypedResults.Created($"/api/v1/budgets/{budget.Id}", budget);
        });
        api.MapGet("/budgets", async (int? fiscalYear, string? program, string? provinceCode, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.ListAsync(http.User.ToCaller(), fiscalYear, program, provinceCode, ct)));
        api.MapGet("/budgets/{id:long}", async (long id, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.GetAsync(http.User.ToCaller(), id, ct)));
        api.MapPost("/budgets/{id:long}/projects", async (long id, CreateProject body, HttpContext http, BudgetService budgets, CancellationToken ct) =>
        {
            var project = await budgets.CreateProjectAsync(http.User.ToCaller(), id, body, ct);
            return TypedResults.Created($"/api/v1/projects/{project.Id}", project);
        });
        api.MapPatch("/budgets/{id:long}", async (long id, ChangeBudget body, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.ChangeAsync(http.User.ToCaller(), id, body, ct)));
        api.MapPatch("/projects/{id:long}", async (long id, ChangeProject body, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.ChangeProjectAsync(http.User.ToCaller(), id, body, ct)));
        api.MapPost("/projects/{id:long}/cancel", async (long id, CancelProject body, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.CancelProjectAsync(http.User.ToCaller(), id, body, ct)));
        api.MapGet("/projects/{id:long}", async (long id, HttpContext http, BudgetService budgets, CancellationToken ct) =>
            TypedResults.Ok(await budgets.GetProjectAsync(http.User.ToCaller(), id, ct)));
    }
}
