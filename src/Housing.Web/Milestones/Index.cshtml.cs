using Housing.Ledgers;
using Housing.Milestones;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Milestones;

/// <summary>A home's construction progress: the stages reached, the next one to record, photos from the phone's camera, and the
/// latest standing stage withdrawn with a reason when it was saved by mistake (it stays listed, marked withdrawn).</summary>
public sealed class IndexModel(MilestoneService milestones, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    public AllocationMoney Home { get; private set; } = null!;
    public IReadOnlyList<MilestoneView> Milestones { get; private set; } = [];
    public MilestoneService.Stage? Next { get; private set; }
    public bool CanRecord { get; private set; }
    public long? PhotoFor { get; private set; }
    /// <summary>The home's latest stage that is not withdrawn: the only one the service lets go.</summary>
    public MilestoneView? Latest { get; private set; }
    public long? WithdrawingId { get; private set; }
    [BindProperty] public string? WithdrawReason { get; set; }
    [BindProperty] public string? ReachedOn { get; set; }
    [BindProperty] public string? Note { get; set; }

    public async Task OnGetAsync(long allocationId, CancellationToken ct)
    {
        ReachedOn = MoneyText.DateInput(Thai.Today());
        await LoadAsync(allocationId, ct);
    }

    /// <summary>The next stage, with a photo taken there if one was chosen (the phone's script sends the same through the API).</summary>
    public async Task<IActionResult> OnPostAsync(long allocationId, string? stage, IFormFile? photo, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Saved<MilestoneView>? saved = null;
        if (await TryAsync(async () => saved = await milestones.RecordAsync(caller, allocationId, new RecordMilestone(stage, Date(ReachedOn, "reachedOn"), Note), ct)))
        {
            var bytes = await MilestoneEndpoints.BytesAsync(photo, ct);
            if (bytes.Length == 0 || await TryAsync(() => milestones.AddPhotoAsync(caller, saved!.Value.Id, bytes, null, ct)))
                return Redirect($"/Milestones/{allocationId}");
            PhotoFor = saved!.Value.Id;
        }
        await LoadAsync(allocationId, ct);
        return Page();
    }

    /// <summary>The photo, and the thumbnail the page drew from it on the phone (a data: URL; absent when the browser could not).</summary>
    public async Task<IActionResult> OnPostPhotoAsync(long allocationId, long milestoneId, IFormFile? photo, string? thumbnail, CancellationToken ct)
    {
        var bytes = await MilestoneEndpoints.BytesAsync(photo, ct);
        if (await TryAsync(() => milestones.AddPhotoAsync(User.ToCaller(), milestoneId, bytes, DataUrl(thumbnail), ct)))
            return Redirect($"/Milestones/{allocationId}#m{milestoneId}");
        PhotoFor = milestoneId;
        await LoadAsync(allocationId, ct);
        return Page();
    }

    /// <summary>Withdraws the latest standing stage; a refusal (payments rest on it, not the latest) is the service's message, and nothing changes.</summary>
    public async Task<IActionResult> OnPostWithdrawAsync(long allocationId, long milestoneId, CancellationToken ct)
    {
        if (await TryAsync(() => milestones.WithdrawAsync(User.ToCaller(), milestoneId, new WithdrawMilestone(WithdrawReason), ct)))
            return Redirect($"/Milestones/{allocationId}#m{milestoneId}");
        WithdrawingId = milestoneId;
        ReachedOn ??= MoneyText.DateInput(Thai.Today());
        await LoadAsync(allocationId, ct);
        return Page();
    }

    static byte[]? DataUrl(string? s)
    {
        var comma = s?.IndexOf(',') ?? -1;
        if (s is null || comma < 0 || !s.StartsWith("data:image/", StringComparison.Ordinal)) return null;
        var bytes = new byte[s.Length];
        return Convert.TryFromBase64String(s[(comma + 1)..], bytes, out var n) ? bytes[..n] : null;
    }

    async Task LoadAsync(long allocationId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        (Project, Home) = await ledgers.HomeAsync(caller, allocationId, ct);
        Milestones = await milestones.ListAsync(caller, allocationId, ct);
        CanRecord = caller.CanRecordMilestone(Project.SubdistrictCode) && !Home.Cancelled;
        // A withdrawn stage no longer counts: the next one is the stage after the latest standing one.
        Latest = Milestones.Where(m => m.WithdrawnAt is null).MaxBy(m => m.StageOrder);
        Next = MilestoneService.Stages.ElementAtOrDefault(Latest?.StageOrder ?? 0);
    }
}
