using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Budgets;

public sealed record ChangeBudget(int? TargetHouseholds, decimal? Amount, string? Reason);
public sealed record ChangeProject(string? Name, int? TargetHouseholds, decimal? Amount, string? Reason);
public sealed record CancelProject(string? Reason);

/// <summary>Corrections of budgets and projects, each with a written reason and its audit row (before and after).
/// A change locks the budget, then the project (the order <see cref="CreateProjectAsync"/> and the allocations keep), so
/// the sums read after the locks are final.</summary>
public sealed partial class BudgetService
{

    static void Target(Validator v, int? target)
        => v.Check(target is null or (> 0 and <= 1_000_000), "targetHouseholds", "เป้าหมายจำนวนครัวเรือนต้องมากกว่าศูนย์", "The target households must be more than zero.");

    static Conflict BelowAllocated(int homes) => new($"เป้าหมายต่ำกว่าครัวเรือนที่จัดสรรแล้ว {homes:N0} ครัวเรือน ไม่ได้",
        $"The target cannot be below the {homes:N0} households already allocated.") { Extensions = { ["allocatedHouseholds"] = homes } };

    /// <summary>Changes a budget's target or amount; never below what its (live) projects hold, nor its target below the
    /// households allocated in them.</summary>
    public async Task<BudgetView> ChangeAsync(Caller caller, long id, ChangeBudget cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        Target(v, cmd.TargetHouseholds);
        if (cmd.Amount is not null) v.Money(cmd.Amount, "amount");
        v.Reason(cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockBudgetAsync(conn, tx, caller, id);
        var before = await conn.QuerySingleAsync<BudgetView>(BudgetSql + " WHERE b.id = @id", new { id }, tx);
        if (cmd.TargetHouseholds is int target)
        {
            // Its projects shared, so an allocation (which locks its project) waits or is counted: the homes read are final.
            var homes = await conn.ExecuteScalarAsync<int>("""
                WITH locked AS (SELECT id FROM projects WHERE budget_id = @id FOR SHARE)
                SELECT count(*)::int FROM allocations a WHERE a.project_id IN (SELECT id FROM locked) AND a.cancelled_at IS NULL
                """, new { id }, tx);
            if (target < homes) throw BelowAllocated(homes);
        }
        if (cmd.Amount is decimal amount && amount < before.Projected)
            throw new Conflict($"ต่ำกว่างบที่แบ่งให้โครงการแล้ว {Thai.Baht(before.Projected, Thai.ThaiCulture)} ไม่ได้",
                $"The amount cannot be below the {Thai.Baht(before.Projected, Thai.EnglishCulture)} its projects hold.") { Extensions = { ["projected"] = before.Projected } };
        await conn.ExecuteAsync("""
            UPDATE budgets SET target_households = coalesce(@TargetHouseholds, target_households), amount = coalesce(@Amount, amount) WHERE id = @id
            """, new { cmd.TargetHouseholds, cmd.Amount, id }, tx);
        var after = await conn.QuerySingleAsync<BudgetView>(BudgetSql + " WHERE b.id = @id", new { id }, tx);
        await Audit.WriteAsync(conn, tx, caller, "budget.change", "budget", id, before, new { after, reason = cmd.Reason!.Trim() }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>Changes a project's name, target or amount: never below what it allocated or received, never past its budget.</summary>
    public async Task<ProjectView> ChangeProjectAsync(Caller caller, long id, ChangeProject cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        if (cmd.Name is not null) v.Required(cmd.Name, "name", "ชื่อโครงการ", "The project name");
        Target(v, cmd.TargetHouseholds);
        if (cmd.Amount is not null) v.Money(cmd.Amount, "amount");
        v.Reason(cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = await LockProjectAsync(conn, tx, caller, id);
        if (before.IsCancelled) throw Transfers.TransferService.ProjectCancelled();
        if (cmd.TargetHouseholds is int target && target < before.Households) throw BelowAllocated(before.Households);
        if (cmd.Amount is decimal amount)
        {
            if (amount < before.Allocated)
                throw new Conflict($"ต่ำกว่าที่จัดสรรให้ครัวเรือนแล้ว {Thai.Baht(before.Allocated, Thai.ThaiCulture)} ไม่ได้",
                    $"The amount cannot be below the {Thai.Baht(before.Allocated, Thai.EnglishCulture)} allocated.") { Extensions = { ["allocated"] = before.Allocated } };
            var received = await conn.ExecuteScalarAsync<decimal>(
                "SELECT coalesce(sum(amount), 0) FROM transfers WHERE project_id = @id AND kind <> 'refund'", new { id }, tx);
            if (amount < received)
                throw new Conflict($"ต่ำกว่าเงินที่รับโอนแล้ว {Thai.Baht(received, Thai.ThaiCulture)} ไม่ได้",
                    $"The amount cannot be below the {Thai.Baht(received, Thai.EnglishCulture)} received.") { Extensions = { ["received"] = received } };
            // Baan Mankong: the community works it holds (WorkService.CreateAsync keeps them within the amount under this lock).
            var works = await conn.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(amount), 0) FROM works WHERE project_id = @id", new { id }, tx);
            if (amount < works)
                throw new Conflict($"ต่ำกว่างบงานชุมชนที่ตั้งไว้แล้ว {Thai.Baht(works, Thai.ThaiCulture)} ไม่ได้",
                    $"The amount cannot be below the {Thai.Baht(works, Thai.EnglishCulture)} its community works hold.") { Extensions = { ["works"] = works } };
            var budget = await conn.QuerySingleAsync<(decimal Amount, decimal Others)>("""
                SELECT b.amount, (SELECT coalesce(sum(p.amount), 0) FROM projects p WHERE p.budget_id = b.id AND p.cancelled_at IS NULL AND p.id <> @id) AS others
                FROM budgets b WHERE b.id = @BudgetId
                """, new { id, before.BudgetId }, tx);
            var left = budget.Amount - budget.Others;
            if (amount > left)
                throw new Conflict($"เกินงบประมาณ: ให้โครงการนี้ได้ไม่เกิน {Thai.Baht(left, Thai.ThaiCulture)}",
                    $"Over the budget: this project may have at most {Thai.Baht(left, Thai.EnglishCulture)}.") { Extensions = { ["remaining"] = left } };
        }
        await conn.ExecuteAsync("""
            UPDATE projects SET name = coalesce(@name, name), target_households = coalesce(@TargetHouseholds, target_households),
                                amount = coalesce(@Amount, amount)
            WHERE id = @id
            """, new { name = cmd.Name?.Trim(), cmd.TargetHouseholds, cmd.Amount, id }, tx);
        var after = await conn.QuerySingleAsync<ProjectView>(ProjectSql + " WHERE p.id = @id", new { id }, tx);
        await Audit.WriteAsync(conn, tx, caller, "project.change", "project", id, before, new { after, reason = cmd.Reason!.Trim() }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>Cancels a project while no money has moved (no transfer, no payment); its live allocations are cancelled
    /// with it, with the same reason, so the homes may be allocated elsewhere, and its amount goes back to the budget.</summary>
    public async Task<ProjectView> CancelProjectAsync(Caller caller, long id, CancelProject cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Reason(cmd.Reason);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = await LockProjectAsync(conn, tx, caller, id);
        if (before.IsCancelled) throw Transfers.TransferService.ProjectCancelled();
        var moved = await conn.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT FROM transfers WHERE project_id = @id) OR EXISTS (SELECT FROM disbursements WHERE project_id = @id)
                OR EXISTS (SELECT FROM work_payments WHERE project_id = @id)
                OR EXISTS (SELECT FROM loan_drawdowns d JOIN loans l ON l.id = d.loan_id WHERE l.project_id = @id)
            """, new { id }, tx);
        if (moved)
            throw new Conflict("ยกเลิกโครงการไม่ได้: มีการรับหรือจ่ายเงินแล้ว", "The project cannot be cancelled: money has moved.");
        var reason = cmd.Reason!.Trim();
        var cancelled = await conn.ExecuteAsync(
            "UPDATE allocations SET cancelled_at = now(), cancel_reason = @reason WHERE project_id = @id AND cancelled_at IS NULL", new { reason, id }, tx);
        await conn.ExecuteAsync("UPDATE projects SET cancelled_at = now(), cancel_reason = @reason WHERE id = @id", new { reason, id }, tx);
        var after = await conn.QuerySingleAsync<ProjectView>(ProjectSql + " WHERE p.id = @id", new { id }, tx);
        await Audit.WriteAsync(conn, tx, caller, "project.cancel", "project", id, before, new { after, reason, allocationsCancelled = cancelled }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>The budget row locked if the caller manages its province; an outsider's statement finds (and locks) nothing.</summary>
    static async Task LockBudgetAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, long budgetId)
    {
        var found = await conn.ExecuteScalarAsync<string?>(
            $"SELECT province_code FROM budgets WHERE id = @budgetId AND {Areas.Writable("province_code")} FOR UPDATE",
            Areas.Args(caller, AreaRight.Manage, new { budgetId }), tx);
        if (found is null)
            throw Areas.Refusal(caller, await conn.ExecuteScalarAsync<string?>("SELECT province_code FROM budgets WHERE id = @budgetId", new { budgetId }, tx),
                () => BudgetNotFound(budgetId));
    }

    /// <summary>Locks the project's budget, then the project, if the caller manages the project's subdistrict.</summary>
    static async Task<ProjectView> LockProjectAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, long id)
    {
        var found = await conn.ExecuteScalarAsync<string?>($"""
            SELECT b.province_code FROM budgets b JOIN projects p ON p.budget_id = b.id
            WHERE p.id = @id AND {Areas.Writable("p.subdistrict_code")}
            FOR UPDATE OF b
            """, Areas.Args(caller, AreaRight.Manage, new { id }), tx);
        if (found is null) throw Areas.Refusal(caller, await Areas.OfProjectAsync(conn, id, tx), () => ProjectNotFound(id));
        await conn.ExecuteAsync("SELECT 1 FROM projects WHERE id = @id FOR UPDATE", new { id }, tx);
        return await conn.QuerySingleAsync<ProjectView>(ProjectSql + " WHERE p.id = @id", new { id }, tx);
    }
}
