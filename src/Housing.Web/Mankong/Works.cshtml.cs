using Housing.Disbursements;
using Housing.Ledgers;
using Housing.Mankong;
using Housing.Web.Ledgers;
using Housing.Web.Milestones;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Mankong;

public sealed class WorkForm
{
    public string? Kind { get; set; } = "road";
    public string? Name { get; set; }
    public decimal? Amount { get; set; }
}

public sealed class WorkPaymentForm
{
    public decimal? Amount { get; set; }
    public string? PaidOn { get; set; }
    public string? PayeeType { get; set; } = "contractor";
    public string? Payee { get; set; }
    public string? Method { get; set; } = "transfer";
    public string? ReceiptNo { get; set; }
    public string? IdempotencyKey { get; set; }
}

/// <summary>A Baan Mankong project's community works: each with its payments to contractors (and their reversal), its
/// stages with photos, and the staff's form to add a work.</summary>
public sealed class WorksModel(WorkService works, WorkStageService stages, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    public IReadOnlyList<WorkView> Works { get; private set; } = [];
    public ILookup<long, WorkPaymentView> Payments { get; private set; } = Array.Empty<WorkPaymentView>().ToLookup(p => p.WorkId);
    public ILookup<long, WorkStageView> Stages { get; private set; } = Array.Empty<WorkStageView>().ToLookup(s => s.WorkId);
    public bool CanManage { get; private set; }
    public bool CanPay { get; private set; }
    public bool CanRecordStage { get; private set; }
    /// <summary>The work (or stage, or payment) whose form failed: its errors show there, and it stays open.</summary>
    public string? FailedFor { get; private set; }
    public string? Done { get; private set; }
    [BindProperty] public WorkForm Input { get; set; } = new();
    [BindProperty] public WorkPaymentForm Pay { get; set; } = new();
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? ReachedOn { get; set; }
    [BindProperty] public string? Note { get; set; }

    public async Task OnGetAsync(long projectId, string? done, CancellationToken ct)
    {
        Done = done;
        await LoadAsync(projectId, ct);
    }

    public async Task<IActionResult> OnPostAsync(long projectId, CancellationToken ct)
    {
        if (await TryAsync(() => works.CreateAsync(User.ToCaller(), projectId, new CreateWork(Input.Kind, Input.Name, Input.Amount), ct)))
            return Redirect($"/Mankong/Works/{projectId}?done=work");
        return await FailAsync(projectId, "new", ct);
    }

    public async Task<IActionResult> OnPostPayAsync(long projectId, long workId, CancellationToken ct)
    {
        var cmd = new RecordDisbursement(Pay.Amount, Date(Pay.PaidOn, "paidOn"), Pay.Payee, Pay.ReceiptNo, Pay.PayeeType, Pay.Method, null);
        if (await TryAsync(() => works.PayAsync(User.ToCaller(), workId, cmd, Pay.IdempotencyKey, ct)))
            return Redirect($"/Mankong/Works/{projectId}?done=paid#w{workId}");
        return await FailAsync(projectId, $"pay{workId}", ct);
    }

    public async Task<IActionResult> OnPostReverseAsync(long projectId, long id, CancellationToken ct)
    {
        if (await TryAsync(() => works.ReverseAsync(User.ToCaller(), id, new ReverseDisbursement(Reason), ct)))
            return Redirect($"/Mankong/Works/{projectId}?done=reversed");
        return await FailAsync(projectId, $"rev{id}", ct);
    }

    public async Task<IActionResult> OnPostStageAsync(long projectId, long workId, string? stage, CancellationToken ct)
    {
        if (await TryAsync(() => stages.RecordAsync(User.ToCaller(), workId, new RecordWorkStage(stage, Date(ReachedOn, "reachedOn"), Note), ct)))
            return Redirect($"/Mankong/Works/{projectId}?done=stage#w{workId}");
        return await FailAsync(projectId, $"stage{workId}", ct);
    }

    public async Task<IActionResult> OnPostPhotoAsync(long projectId, long stageId, IFormFile? photo, CancellationToken ct)
    {
        var bytes = await MilestoneEndpoints.BytesAsync(photo, ct);
        if (await TryAsync(() => stages.AddPhotoAsync(User.ToCaller(), stageId, bytes, null, ct)))
            return Redirect($"/Mankong/Works/{projectId}?done=photo");
        return await FailAsync(projectId, $"photo{stageId}", ct);
    }

    async Task<IActionResult> FailAsync(long projectId, string failedFor, CancellationToken ct)
    {
        FailedFor = failedFor;
        await LoadAsync(projectId, ct);
        return Page();
    }

    async Task LoadAsync(long projectId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Works = await works.ListAsync(caller, projectId, ct); // first: it refuses projects of another program
        Project = await ledgers.ProjectAsync(caller, projectId, ct);
        Payments = (await works.PaymentsAsync(caller, projectId, ct)).ToLookup(p => p.WorkId);
        var all = new List<WorkStageView>();
        foreach (var w in Works) all.AddRange(await stages.ListAsync(caller, w.Id, ct));
        Stages = all.ToLookup(s => s.WorkId);
        CanManage = caller.CanManage(Project.SubdistrictCode);
        CanPay = caller.CanRecordMoney(Project.SubdistrictCode);
        CanRecordStage = caller.CanRecordMilestone(Project.SubdistrictCode);
        ReachedOn ??= MoneyText.DateInput(Thai.Today());
        if (FailedFor?.StartsWith("pay", StringComparison.Ordinal) != true) Pay = new WorkPaymentForm();
        Pay.PaidOn ??= MoneyText.DateInput(Thai.Today());
        Pay.IdempotencyKey ??= Guid.NewGuid().ToString("N");
    }
}
