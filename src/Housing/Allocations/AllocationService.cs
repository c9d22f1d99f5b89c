using System.Data;
using Dapper;
using Housing.Access;
using Housing.Budgets;
using Npgsql;

namespace Housing.Allocations;

/// <summary><paramref name="OverrideReason"/>: why a home funded before (another program or year) is funded again, e.g. a
/// disaster rebuild after a repair; without it such a home is refused.</summary>
public sealed record Allocate(long? HouseholdId, decimal? Amount, string? WorkType, string? OverrideReason = null);
public sealed record ChangeAllocation(decimal? Amount, string? WorkType, string? Reason);
public sealed record CancelAllocation(string? Reason);

/// <summary>The budget for one home. <see cref="Paid"/> is what the ledger has paid out on it (net of reversals).</summary>
public sealed record AllocationView(long Id, long ProjectId, long HouseholdId, string HeadName, string CitizenIdMasked, string HouseNo, int? VillageNo,
    string SubdistrictCode, string Program, int FiscalYear, decimal Amount, string WorkType, decimal Paid,
    DateTime? CancelledAt, string? CancelReason, DateTime CreatedAt, string? OverrideReason = null)
{
    public bool IsCancelled => CancelledAt is not null;
}

/// <summary>A household the project may allocate, told apart from one of the same name by house, village and masked ID;
/// <see cref="FundedAllocationId"/>: its live allocation in another program or year (funded already).</summary>
public sealed record Candidate(long Id, string HeadName, string HouseNo, int? VillageNo, string CitizenIdMasked,
    long? FundedAllocationId, string? FundedProgram, int? FundedYear)
{
    public bool Funded => FundedAllocationId is not null;
}

public static class WorkTypes
{
    public static readonly (string Code, Msg Name)[] All =
    [
        ("repair", new("ซ่อมแซม", "Repair")),
        ("rebuild", new("สร้างใหม่ทดแทนหลังเดิม", "Rebuild")),
        ("new_build", new("สร้างบ้านใหม่", "New build")),
        ("infrastructure", new("สาธารณูปโภค", "Infrastructure")),
        ("land", new("ที่ดิน", "Land")),
    ];

    public static Msg Name(string code) => All.FirstOrDefault(w => w.Code == code).Name is { Th: not null } n ? n : new(code, code);
}

/// <summary>Budgets per home within a project. Every write locks the project row first, so staff allocating
/// the same project at once queue and the allocations never pass the project's amount.</summary>
public sealed class AllocationService(NpgsqlDataSource db)
{
    const string Select = """
        SELECT a.id, a.project_id, a.household_id, h.head_name, h.citizen_id AS citizen_id_masked, h.house_no, h.village_no, h.subdistrict_code,
               a.program, a.fiscal_year, a.amount, a.work_type,
               (SELECT coalesce(sum(d.amount), 0) FROM disbursements d WHERE d.allocation_id = a.id) AS paid,
               a.cancelled_at, a.cancel_reason, a.created_at, a.override_reason
        FROM allocations a JOIN households h ON h.id = a.household_id
        """ + "\n"; // ends in a newline, so a WHERE can follow

    public static NotFound AllocationNotFound(long id) => NotFound.Of($"การจัดสรรเลขที่ {id}", $"Allocation {id}");

    sealed record ProjectArea(string SubdistrictCode, string Program, int FiscalYear);
    sealed record LockedProject(long Id, string SubdistrictCode, string Program, int FiscalYear, decimal Amount, bool Cancelled, decimal? CapPerHome);

    /// <summary>Locks the project (the parent of every allocation limit) if the caller may manage it.
    /// An outsider's statement finds (and locks) nothing; a second, non-locking look-up then tells 404 from 403.</summary>
    static async Task<LockedProject> LockProjectAsync(IDbConnection conn, IDbTransaction tx, Caller caller, long projectId)
    {
        var p = await conn.QuerySingleOrDefaultAsync<LockedProject>($"""
            SELECT p.id, p.subdistrict_code, b.program, b.fiscal_year, p.amount, p.cancelled_at IS NOT NULL AS cancelled,
                   (SELECT y.cap_per_home FROM program_years y WHERE y.program = b.program AND y.fiscal_year = b.fiscal_year) AS cap_per_home
            FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId AND {Areas.Writable("p.subdistrict_code")} FOR UPDATE OF p
            """, Areas.Args(caller, AreaRight.Manage, new { projectId }), tx);
        return p ?? throw Areas.Refusal(caller, await Areas.OfProjectAsync(conn, projectId, tx), () => BudgetService.ProjectNotFound(projectId));
    }

    static Task<decimal> AllocatedAsync(IDbConnection conn, IDbTransaction tx, long projectId, long exceptId = 0)
        => conn.ExecuteScalarAsync<decimal>(
            "SELECT coalesce(sum(amount), 0) FROM allocations WHERE project_id = @projectId AND cancelled_at IS NULL AND id <> @exceptId",
            new { projectId, exceptId }, tx);

    static Conflict OverProject(decimal left) => new Conflict(
        $"เกินวงเงินโครงการ: เหลือให้จัดสรรได้อีก {Thai.Baht(left, Thai.ThaiCulture)}",
        $"Over the project's amount: {Thai.Baht(left, Thai.EnglishCulture)} is left to allocate.")
    { Extensions = { ["remaining"] = left } };

    static void CheckWorkType(Validator v, string? workType) => v.Check(WorkTypes.All.Any(w => w.Code == workType), "workType",
        "ประเภทงานต้องเป็น repair, rebuild, new_build, infrastructure หรือ land", "The work type must be repair, rebuild, new_build, infrastructure or land.");


    public async Task<AllocationView> CreateAsync(Caller caller, long projectId, Allocate cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Check(cmd.HouseholdId is > 0, "householdId", "กรุณาเลือกครัวเรือน", "A household is required.");
        v.Money(cmd.Amount, "amount");
        CheckWorkType(v, cmd.WorkType);
        var overrideReason = string.IsNullOrWhiteSpace(cmd.OverrideReason) ? null : cmd.OverrideReason.Trim();
        v.Optional(overrideReason, "overrideReason", "เหตุผลที่สนับสนุนซ้ำ", "The override reason", 1000);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var project = await LockProjectAsync(conn, tx, caller, projectId);
        if (project.Cancelled) throw Transfers.TransferService.ProjectCancelled();
        var household = await conn.QuerySingleOrDefaultAsync<string>(
            "SELECT subdistrict_code FROM households WHERE id = @HouseholdId", cmd, tx);
        if (household is null || !caller.CanRead(household))
            throw ValidationFailed.One("householdId", "ไม่พบครัวเรือนนี้", "There is no such household.");
        if (household != project.SubdistrictCode)
            throw ValidationFailed.One("householdId", "ครัวเรือนนี้ไม่ได้อยู่ในตำบลของโครงการ", "This household is not in the project's subdistrict.");

        var held = await conn.ExecuteScalarAsync<long?>("""
            SELECT id FROM allocations WHERE household_id = @HouseholdId AND program = @Program AND fiscal_year = @FiscalYear AND cancelled_at IS NULL
            """, new { cmd.HouseholdId, project.Program, project.FiscalYear }, tx);
        if (held is long existing) throw AlreadyHeld(existing, project);
        CheckCap(project, cmd.Amount!.Value);
        var left = project.Amount - await AllocatedAsync(conn, tx, projectId);
        if (cmd.Amount > left) throw OverProject(left);
        var funded = await FundedBeforeAsync(conn, tx, cmd.HouseholdId!.Value);
        if (funded is not null && overrideReason is null) throw FundedAlready(funded);

        // ON CONFLICT: the same household allocated in another project at this moment (that project's lock does not cover it).
        var id = await conn.ExecuteScalarAsync<long?>("""
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type, override_reason, created_by)
            VALUES (@projectId, @HouseholdId, @Program, @FiscalYear, @Amount, @WorkType, @overrideReason, @ActorId)
            ON CONFLICT (household_id, program, fiscal_year) WHERE cancelled_at IS NULL DO NOTHING
            RETURNING id
            """, new { projectId, cmd.HouseholdId, project.Program, project.FiscalYear, cmd.Amount, cmd.WorkType,
                overrideReason = funded is null ? null : overrideReason, caller.ActorId }, tx);
        if (id is null)
            throw AlreadyHeld(await conn.ExecuteScalarAsync<long>("""
                SELECT id FROM allocations WHERE household_id = @HouseholdId AND program = @Program AND fiscal_year = @FiscalYear AND cancelled_at IS NULL
                """, new { cmd.HouseholdId, project.Program, project.FiscalYear }, tx), project);
        var view = await ReadAsync(conn, tx, id.Value);
        await Audit.WriteAsync(conn, tx, caller, "allocation.create", "allocation", id, null, view, ct);
        if (funded is not null)
            await Audit.WriteAsync(conn, tx, caller, "allocation.override", "allocation", id, null,
                new { allocationId = id, projectId, householdId = cmd.HouseholdId, existingAllocationId = funded.Id, overrideReason }, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    sealed record Funded(long Id, long ProjectId, string Program, int FiscalYear);

    /// <summary>The household's live allocation, if any (in another program or year: the same one is refused before).
    /// Its row is locked first, so two projects allocating one home at once queue here (their project locks differ).</summary>
    static async Task<Funded?> FundedBeforeAsync(IDbConnection conn, IDbTransaction tx, long householdId)
    {
        await conn.ExecuteAsync("SELECT 1 FROM households WHERE id = @householdId FOR NO KEY UPDATE", new { householdId }, tx);
        return await conn.QueryFirstOrDefaultAsync<Funded>("""
            SELECT id, project_id, program, fiscal_year FROM allocations WHERE household_id = @householdId AND cancelled_at IS NULL ORDER BY id LIMIT 1
            """, new { householdId }, tx);
    }

    static Conflict FundedAlready(Funded f) => new Conflict(
        $"บ้านหลังนี้ได้รับการสนับสนุนแล้ว ({Programs.Name(f.Program).Th} ปี {f.FiscalYear} การจัดสรรเลขที่ {f.Id}): บ้านหนึ่งหลังได้รับการสนับสนุนครั้งเดียว "
        + "หากจำเป็นต้องสนับสนุนซ้ำ (เช่น สร้างใหม่หลังภัยพิบัติ) ให้ระบุเหตุผล",
        $"This home is funded already ({Programs.Name(f.Program).En} {f.FiscalYear}, allocation {f.Id}): a home is supported once. "
        + "To fund it again (a rebuild after a disaster), give a reason.")
    { Extensions = { ["existingAllocationId"] = f.Id, ["existingProjectId"] = f.ProjectId, ["existingUrl"] = $"/api/v1/allocations/{f.Id}" } };

    static void CheckCap(LockedProject p, decimal amount)
    {
        if (p.CapPerHome is decimal cap && amount > cap)
            throw new Conflict($"เกินเพดานต่อหลังของ{Programs.Name(p.Program).Th} ปี {p.FiscalYear}: ไม่เกิน {Thai.Baht(cap, Thai.ThaiCulture)}",
                $"Over the cap per home of {Programs.Name(p.Program).En} {p.FiscalYear}: at most {Thai.Baht(cap, Thai.EnglishCulture)}.")
            { Extensions = { ["capPerHome"] = cap } };
    }

    static Conflict AlreadyHeld(long existing, LockedProject p) => new Conflict(
        $"ครัวเรือนนี้ได้รับการจัดสรร{Programs.Name(p.Program).Th} ปี {p.FiscalYear} แล้ว (เลขที่ {existing})",
        $"This household already holds a {Programs.Name(p.Program).En} allocation for {p.FiscalYear} (number {existing}).")
    { Extensions = { ["existingId"] = existing } };

    static async Task<AllocationView> ReadAsync(IDbConnection conn, IDbTransaction? tx, long id)
        => (await QueryAsync(conn, " WHERE a.id = @id", new { id }, tx)).Single();

    /// <summary>The one way views are read: the citizen ID comes into the masked field and is masked here, so the
    /// full ID never leaves this class whatever query is added.</summary>
    static async Task<List<AllocationView>> QueryAsync(IDbConnection conn, string whereAndOrder, object args, IDbTransaction? tx = null)
        => (await conn.QueryAsync<AllocationView>(Select + whereAndOrder, args, tx))
            .Select(a => a with { CitizenIdMasked = CitizenId.Mask(a.CitizenIdMasked) }).ToList();

    /// <summary>Locks an allocation after its project (always project first, so writers queue in one order).</summary>
    async Task<(LockedProject Project, AllocationView Before)> LockAsync(IDbConnection conn, IDbTransaction tx, Caller caller, long id)
    {
        var owner = await Areas.OfAllocationAsync(conn, id, tx);
        if (owner is null || !caller.CanRead(owner.SubdistrictCode)) throw AllocationNotFound(id);
        var project = await LockProjectAsync(conn, tx, caller, owner.ProjectId);
        await conn.ExecuteAsync("SELECT 1 FROM allocations WHERE id = @id FOR UPDATE", new { id }, tx);
        return (project, await ReadAsync(conn, tx, id));
    }

    static Conflict Cancelled(long id) => new("การจัดสรรนี้ถูกยกเลิกแล้ว", $"Allocation {id} is cancelled.");

    /// <summary>Changes the amount or work type, with a written reason kept in the audit log. Never below what is paid, never over the project.</summary>
    public async Task<AllocationView> ChangeAsync(Caller caller, long id, ChangeAllocation cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Money(cmd.Amount, "amount");
        CheckWorkType(v, cmd.WorkType);
        v.Reason(cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (project, before) = await LockAsync(conn, tx, caller, id);
        if (before.IsCancelled) throw Cancelled(id);
        if (cmd.Amount < before.Paid)
            throw new Conflict($"จำนวนเงินต่ำกว่าที่จ่ายไปแล้ว {Thai.Baht(before.Paid, Thai.ThaiCulture)} ไม่ได้",
                $"The amount cannot be below the {Thai.Baht(before.Paid, Thai.EnglishCulture)} already paid.") { Extensions = { ["paid"] = before.Paid } };
        CheckCap(project, cmd.Amount!.Value);
        var left = project.Amount - await AllocatedAsync(conn, tx, project.Id, exceptId: id);
        if (cmd.Amount > left) throw OverProject(left);
        if (cmd.Amount < before.Amount && before.Paid > 0) await EnsureGatesCoverAsync(conn, tx, project, id, cmd.Amount.Value, before.Paid);

        await conn.ExecuteAsync("UPDATE allocations SET amount = @Amount, work_type = @WorkType WHERE id = @id", new { cmd.Amount, cmd.WorkType, id }, tx);
        var after = await ReadAsync(conn, tx, id);
        await Audit.WriteAsync(conn, tx, caller, "allocation.change", "allocation", id, before, new { after, reason = cmd.Reason!.Trim() }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>A lower amount must still cover what was paid under the payment gates: cut to what was paid, a home paid its
    /// first share at "materials bought" would read as paid in full before it was built. The stages are read under the
    /// project lock, which a withdrawal of a stage takes too.</summary>
    static async Task EnsureGatesCoverAsync(IDbConnection conn, IDbTransaction tx, LockedProject project, long id, decimal amount, decimal paid)
    {
        var r = await conn.QuerySingleAsync<(string? Gates, decimal Paid, int? Top, int Photos)>($"""
            SELECT (SELECT y.payment_gates::text FROM program_years y WHERE y.program = @Program AND y.fiscal_year = @FiscalYear),
                   {Rules.StandingStages.Columns}
            FROM (SELECT) x {Rules.StandingStages.Join("@id")}
            """, new { project.Program, project.FiscalYear, id }, tx);
        if (Rules.Gates.Allow(Rules.Gates.Parse(r.Gates), amount, Rules.StandingStages.Of(r.Top, r.Photos)) is { } allow && paid > allow.Payable)
            throw new Conflict(
                $"ลดจำนวนเงินไม่ได้: จ่ายไปแล้ว {Thai.Baht(paid, Thai.ThaiCulture)} เกินที่ขั้นตอนปัจจุบันให้จ่ายได้ {Thai.Baht(allow.Payable, Thai.ThaiCulture)} ({allow.Share:0.##}% ของยอดใหม่)",
                $"The amount cannot be lowered: the {Thai.Baht(paid, Thai.EnglishCulture)} paid is more than the {Thai.Baht(allow.Payable, Thai.EnglishCulture)} ({allow.Share:0.##} % of the new amount) its stages allow.")
                { Extensions = { ["paid"] = paid, ["payable"] = allow.Payable } };
    }

    /// <summary>Cancels with a written reason; refused once anything has been paid on it (cancelling would go below the paid amount).</summary>
    public async Task<AllocationView> CancelAsync(Caller caller, long id, CancelAllocation cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Reason(cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (_, before) = await LockAsync(conn, tx, caller, id);
        if (before.IsCancelled) throw Cancelled(id);
        if (before.Paid > 0)
            throw new Conflict($"ยกเลิกไม่ได้: จ่ายไปแล้ว {Thai.Baht(before.Paid, Thai.ThaiCulture)}",
                $"It cannot be cancelled: {Thai.Baht(before.Paid, Thai.EnglishCulture)} has been paid on it.") { Extensions = { ["paid"] = before.Paid } };

        await conn.ExecuteAsync("UPDATE allocations SET cancelled_at = now(), cancel_reason = @reason WHERE id = @id", new { reason = cmd.Reason!.Trim(), id }, tx);
        var after = await ReadAsync(conn, tx, id);
        await Audit.WriteAsync(conn, tx, caller, "allocation.cancel", "allocation", id, before, new { after, reason = after.CancelReason }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    public async Task<AllocationView> GetAsync(Caller caller, long id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var place = await Areas.OfAllocationAsync(conn, id, ct: ct);
        if (place is null || !caller.CanRead(place.SubdistrictCode)) throw AllocationNotFound(id);
        return await ReadAsync(conn, null, id);
    }

    /// <summary>A project's allocations, live first then cancelled, each with what has been paid on it.</summary>
    public async Task<IReadOnlyList<AllocationView>> ListAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var subdistrict = await Areas.OfProjectAsync(conn, projectId, ct: ct);
        if (subdistrict is null || !caller.CanRead(subdistrict)) throw BudgetService.ProjectNotFound(projectId);
        return await QueryAsync(conn, " WHERE a.project_id = @projectId ORDER BY a.cancelled_at IS NOT NULL, a.id", new { projectId });
    }

    /// <summary>Every allocation a household has had, newest year first: its help, traceable across programs and years.</summary>
    public async Task<IReadOnlyList<AllocationView>> ForHouseholdAsync(Caller caller, long householdId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var subdistrict = await conn.ExecuteScalarAsync<string?>("SELECT subdistrict_code FROM households WHERE id = @householdId", new { householdId });
        if (subdistrict is null || !caller.CanRead(subdistrict)) throw Households.HouseholdService.HouseholdNotFound(householdId);
        return await QueryAsync(conn, " WHERE a.household_id = @householdId ORDER BY a.fiscal_year DESC, a.id", new { householdId });
    }

    /// <summary>Households of the project's subdistrict with no live allocation in its program and year: who may still be allocated.</summary>
    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(Caller caller, long projectId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var p = await conn.QuerySingleOrDefaultAsync<ProjectArea>("""
            SELECT p.subdistrict_code, b.program, b.fiscal_year FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId
            """, new { projectId });
        if (p is null || !caller.CanRead(p.SubdistrictCode)) throw BudgetService.ProjectNotFound(projectId);
        return (await conn.QueryAsync<Candidate>("""
            SELECT h.id, h.head_name, h.house_no, h.village_no, h.citizen_id AS citizen_id_masked,
                   f.id AS funded_allocation_id, f.program AS funded_program, f.fiscal_year AS funded_year
            FROM households h
            LEFT JOIN LATERAL (SELECT a.id, a.program, a.fiscal_year FROM allocations a WHERE a.household_id = h.id AND a.cancelled_at IS NULL
                               ORDER BY a.id LIMIT 1) f ON true
            WHERE h.subdistrict_code = @SubdistrictCode
              AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.household_id = h.id AND a.program = @Program
                              AND a.fiscal_year = @FiscalYear AND a.cancelled_at IS NULL)
            ORDER BY f.id IS NOT NULL, h.village_no NULLS LAST, h.head_name, h.house_no
            LIMIT 500
            """, p)).Select(c => c with { CitizenIdMasked = CitizenId.Mask(c.CitizenIdMasked) }).ToList();
    }
}
