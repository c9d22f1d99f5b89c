using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Transfers;

public sealed record RecordTransfer(decimal? Amount, DateOnly? ReceivedOn, string? Reference);

public sealed record TransferView(long Id, long ProjectId, decimal Amount, DateOnly ReceivedOn, string Reference, DateTime CreatedAt);

/// <summary>Tranches the council receives from CODI for a project: the cash that payments draw on.</summary>
public sealed class TransferService(NpgsqlDataSource db, TimeProvider clock)
{
    const string Columns = "id, project_id, amount, received_on, reference, created_at";

    /// <summary>Records a tranche. A CODI reference names one tranche, so the same reference again with the same amount
    /// and date is a repeat (a double tap): the first row is answered and nothing is written; with other figures it is a 409.</summary>
    /// <para>With <paramref name="idempotencyKey"/> (a phone's outbox sends one), the same key again answers the first row; the same
    /// key with other figures is a 409.</para>
    public async Task<Saved<TransferView>> RecordAsync(Caller caller, long projectId, RecordTransfer cmd, CancellationToken ct = default, string? idempotencyKey = null)
    {
        var v = new Validator().Money(cmd.Amount, "amount");
        v.PastDate(cmd.ReceivedOn, "receivedOn", clock);
        v.Required(cmd.Reference, "reference", "เลขที่อ้างอิง", "The reference", 100);
        var key = Idempotency.Key(v, idempotencyKey);
        v.ThrowIfInvalid();
        var hash = key is null ? null : Idempotency.Hash(projectId, cmd.Amount, cmd.ReceivedOn, cmd.Reference!.Trim());

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The project row is the lock every money write of this project queues on; an outsider's statement finds (and locks) nothing.
        var locked = await conn.ExecuteScalarAsync<string?>(
            $"SELECT subdistrict_code FROM projects WHERE id = @projectId AND {Areas.Writable("subdistrict_code")} FOR UPDATE",
            Areas.Args(caller, AreaRight.RecordMoney, new { projectId }), tx);
        if (locked is null)
            throw Areas.Refusal(caller, await Areas.OfProjectAsync(conn, projectId, tx, ct), () => Budgets.BudgetService.ProjectNotFound(projectId));
        var reference = cmd.Reference!.Trim();
        // Looked up after the project lock: a concurrent request with this key waited on it, and now finds the first one's row.
        if (key is not null && await conn.QuerySingleOrDefaultAsync<(long Id, string? Hash)?>(
                "SELECT id, request_hash FROM transfers WHERE project_id = @projectId AND idempotency_key = @key", new { projectId, key }, tx) is { } keyed)
        {
            if (keyed.Hash != hash) throw Idempotency.Reused(keyed.Id, "transferId");
            return new Saved<TransferView>(await conn.QuerySingleAsync<TransferView>($"SELECT {Columns} FROM transfers WHERE id = @Id", new { keyed.Id }, tx), true);
        }
        var seen = await conn.QuerySingleOrDefaultAsync<TransferView>(
            $"SELECT {Columns} FROM transfers WHERE project_id = @projectId AND reference = @reference", new { projectId, reference }, tx);
        if (seen is not null)
        {
            if (seen.Amount != cmd.Amount || seen.ReceivedOn != cmd.ReceivedOn)
                throw new Conflict($"มีเงินโอนเลขที่อ้างอิง {reference} แล้ว", $"A transfer with reference {reference} is already recorded.")
                    { Extensions = { ["transferId"] = seen.Id } };
            return new Saved<TransferView>(seen, true);
        }
        var row = await conn.QuerySingleAsync<TransferView>($"""
            INSERT INTO transfers (project_id, amount, received_on, reference, idempotency_key, request_hash, created_by)
            VALUES (@projectId, @Amount, @ReceivedOn, @reference, @key, @hash, @ActorId)
            RETURNING {Columns}
            """, new { projectId, cmd.Amount, cmd.ReceivedOn, reference, key, hash, caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "transfer.record", "transfer", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<TransferView>(row, false);
    }

    /// <summary>Money dates: given, not in the future (Thai time), not before the programs began.</summary>
}
