using Housing.Rules;

namespace Housing.Web.Rules;

public static class RuleEndpoints
{
    public static void MapRuleEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Rules");
        // Readable by anyone signed in: the rules every staff member and treasurer works by.
        api.MapGet("/programs/{program}/years/{fiscalYear:int}", async (string program, int fiscalYear, ProgramYearService years, CancellationToken ct) =>
            TypedResults.Ok(await years.GetAsync(program, fiscalYear, ct)));
        api.MapPut("/programs/{program}/years/{fiscalYear:int}", async (string program, int fiscalYear, SetProgramYear body, HttpContext http,
            ProgramYearService years, CancellationToken ct) =>
            TypedResults.Ok(await years.SetAsync(http.User.ToCaller(), program, fiscalYear, body, ct)));
    }
}
