using Housing.Jobs;

namespace Housing.Web.Jobs;

public sealed record JobRunRequested(long JobRunId);

public static class JobEndpoints
{
    public static void MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Jobs");
        api.MapGet("/jobs", async (int? limit, HttpContext http, JobService jobs, CancellationToken ct)
            => TypedResults.Ok(await jobs.ListRunsAsync(http.User.ToCaller(), limit ?? 50, ct)));
        api.MapGet("/jobs/schedule", async (HttpContext http, JobService jobs, CancellationToken ct)
            => TypedResults.Ok(await jobs.ListJobsAsync(http.User.ToCaller(), ct)));
        api.MapGet("/jobs/{id:long}", async (long id, HttpContext http, JobService jobs, CancellationToken ct)
            => TypedResults.Ok(await jobs.FindRunAsync(http.User.ToCaller(), id, ct)));
        api.MapPost("/jobs/{job}/run", (string job, HttpContext http, JobService jobs, CancellationToken ct) => RequestAsync(job, http, jobs, ct));
        // API.md's name for run-now of the full recompute.
        api.MapPost("/rollups/refresh", (HttpContext http, JobService jobs, CancellationToken ct) => RequestAsync(JobService.RollupsFull, http, jobs, ct))
            .WithTags("Rollups");
    }

    static async Task<IResult> RequestAsync(string job, HttpContext http, JobService jobs, CancellationToken ct)
    {
        var id = await jobs.RequestAsync(http.User.ToCaller(), job, ct);
        return TypedResults.Accepted($"/api/v1/jobs/{id}", new JobRunRequested(id));
    }
}
