using Housing.Jobs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Jobs;

/// <summary>What a Hangfire user expects of its dashboard: each job's next and last fire, run-now, and the recent runs.</summary>
public sealed class JobsModel(JobService jobs) : PageModel
{
    public IReadOnlyList<JobInfo> Jobs { get; private set; } = [];
    public IReadOnlyList<JobRun> Runs { get; private set; } = [];
    public long? Queued { get; private set; }

    public async Task OnGetAsync(long? queued, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Queued = queued;
        Jobs = await jobs.ListJobsAsync(caller, ct);
        Runs = await jobs.ListRunsAsync(caller, 50, ct);
    }

    public async Task<IActionResult> OnPostRunAsync(string job, CancellationToken ct)
        => RedirectToPage(new { queued = await jobs.RequestAsync(User.ToCaller(), job, ct) });

    public static string When(DateTime? t) => t is DateTime v ? Lang.Date(new DateTimeOffset(v, TimeSpan.Zero)) + v.ToString(":ss", System.Globalization.CultureInfo.InvariantCulture) : "–";

    public static string Status(string s) => s switch
    {
        "queued" => Lang.T("รอคิว", "Queued"), "running" => Lang.T("กำลังทำงาน", "Running"),
        "succeeded" => Lang.T("สำเร็จ", "Succeeded"), _ => Lang.T("ล้มเหลว", "Failed"),
    };
}
