using System.Data;
using Dapper;
using Housing.Access;
using Housing.Budgets;
using Npgsql;

namespace Housing.Allocations;

public sealed record Allocate(long? HouseholdId, decimal? Amount, string? WorkType);
public sealed record ChangeAllocation(decimal? Amount, string? WorkType, string? Reason);
public sealed record CancelAllocation(string? Reason);

/// <summary>The budget for one home. <see cref="Paid"/> is what the ledger has paid out on it (net of reversals).</summary>
public sealed record AllocationView(long Id, long ProjectId, long HouseholdId, string HeadName, string CitizenIdMasked, string HouseNo, int? VillageNo,
    string SubdistrictCode, string Program, int FiscalYear, decimal Amount, string WorkType, decimal Paid,
    DateTime? CancelledAt, string? CancelReason, DateTime CreatedAt)
{
    public bool IsCancelled => CancelledAt is not null;
}

public sealed record Candidate(long Id, string HeadName, string HouseNo, int? VillageNo);

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
               a.cancelled_at, a.cancel_reason, a.created_at
        FROM allocations a JOIN households h ON h.id = a.household_id
        """ + "\n"; // ends in a newline, so a WHERE can follow

    public static NotFound AllocationNotFound(long id) => NotFound.Of($"การจัดสรรเลขที่ {id}", $"Allocation {id}");

    sealed record ProjectArea(string SubdistrictCode, string Program, int FiscalYear);
    sealed record LockedProject(long Id, string SubdistrictCode, string Program, int FiscalYear, decimal Amount);

    /// <summary>Locks the project (the parent of every allocation limit) if the caller may manage it.
    /// An outsider's statement finds (and locks) nothing; a second, non-locking look-up then tells 404 from 403.</summary>
    static async Task<LockedProject> LockProjectAsync(IDbConnection conn, IDbTransaction tx, Caller caller, long projectId)
    {
        var p = await conn.QuerySingleOrDefaultAsync<LockedProject>($"""
            SELECT p.id, p.subdistrict_code, b.program, b.fiscal_year, p.amount
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

    static void CheckReason(Validator v, string? reason) => v.Required(reason, "reason", "เหตุผล", "A reason", 1000);

    public async Task<AllocationView> CreateAsync(Caller caller, long projectId, Allocate cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Check(cmd.HouseholdId is > 0, "householdId", "กรุณาเลือกครัวเรือน", "A household is required.");
        v.Money(cmd.Amount, "amount");
        CheckWorkType(v, cmd.WorkType);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var project = await LockProjectAsync(conn, tx, caller, projectId);
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
        var left = project.Amount - await AllocatedAsync(conn, tx, projectId);
        if (cmd.Amount > left) throw OverProject(left);

        // ON CONFLICT: the same household allocated in another project at this moment (that project's lock does not cover it).
        var id = await conn.ExecuteScalarAsync<long?>("""
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type, created_by)
            VALUES (@projectId, @HouseholdId, @Program, @FiscalYear, @Amount, @WorkType, @ActorId)
            ON CONFLICT (household_id, program, fiscal_year) WHERE cancelled_at IS NULL DO NOTHING
            RETURNING id
            """, new { projectId, cmd.HouseholdId, project.Program, project.FiscalYear, cmd.Amount, cmd.WorkType, caller.ActorId }, tx);
        if (id is null)
            throw AlreadyHeld(await conn.ExecuteScalarAsync<long>("""
                SELECT id FROM allocations WHERE household_id = @HouseholdId AND program = @Program AND fiscal_year = @FiscalYear AND cancelled_at IS NULL
                """, new { cmd.HouseholdId, project.Program, project.FiscalYear }, tx), project);
        var view = await ReadAsync(conn, tx, id.Value);
        await Audit.WriteAsync(conn, tx, caller, "allocation.create", "allocation", id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
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
        CheckReason(v, cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (project, before) = await LockAsync(conn, tx, caller, id);
        if (before.IsCancelled) throw Cancelled(id);
        if (cmd.Amount < before.Paid)
            throw new Conflict($"จำนวนเงินต่ำกว่าที่จ่ายไปแล้ว {Thai.Baht(before.Paid, Thai.ThaiCulture)} ไม่ได้",
                $"The amount cannot be below the {Thai.Baht(before.Paid, Thai.EnglishCulture)} already paid.") { Extensions = { ["paid"] = before.Paid } };
        var left = project.Amount - await AllocatedAsync(conn, tx, project.Id, exceptId: id);
        if (cmd.Amount > left) throw OverProject(left);

        await conn.ExecuteAsync("UPDATE allocations SET amount = @Amount, work_type = @WorkType WHERE id = @id", new { cmd.Amount, cmd.WorkType, id }, tx);
        var after = await ReadAsync(conn, tx, id);
        await Audit.WriteAsync(conn, tx, caller, "allocation.change", "allocation", id, before, new { after, reason = cmd.Reason!.Trim() }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>Cancels with a written reason; refused once anything has been paid on it (cancelling would go below the paid amount).</summary>
    public async Task<AllocationView> CancelAsync(Caller caller, long id, CancelAllocation cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        CheckReason(v, cmd.Reason);
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
            SELECT h.id, h.head_name, h.house_no, h.village_no FROM households h
            WHERE h.subdistrict_code = @SubdistrictCode
              AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.household_id = h.id AND a.program = @Program
                              AND a.fiscal_year = @FiscalYear AND a.cancelled_at IS NULL)
            ORDER BY h.village_no NULLS LAST, h.head_name
            LIMIT 500
            """, p)).ToList();
    }
}
