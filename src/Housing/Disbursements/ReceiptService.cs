using System.Security.Cryptography;
using Dapper;
using Housing.Access;
using Housing.Milestones;
using Npgsql;

namespace Housing.Disbursements;

public sealed record ReceiptView(long Id, long DisbursementId, string ContentType, int SizeBytes, string Sha256, DateTime CreatedAt);

/// <summary>The photo of a payment's receipt (JPEG or PNG, checked by its bytes, 5 MB at most), stored in the database as
/// the milestones' photos are. Up to <see cref="MaxReceipts"/> a payment; the same picture twice is stored once.</summary>
public sealed class ReceiptService(NpgsqlDataSource db)
{
    public const int MaxReceipts = 5;

    const string Columns = "id, disbursement_id, content_type, size_bytes, sha256, created_at";

    /// <summary>The receipt photos' ids (oldest first) by payment, of the payments that <paramref name="disbursements"/> (SQL
    /// naming their ids) selects: for the lists of a home's payments, the cash book and the voucher. The caller checked the area.</summary>
    internal static async Task<ILookup<long, long>> IdsAsync(NpgsqlConnection conn, System.Data.IDbTransaction? tx, string disbursements, object args)
        => (await conn.QueryAsync<(long DisbursementId, long Id)>(
            $"SELECT r.disbursement_id, r.id FROM disbursement_receipts r WHERE r.disbursement_id IN ({disbursements}) ORDER BY r.id", args, tx))
            .ToLookup(r => r.DisbursementId, r => r.Id);

    /// <summary>A receipt photo's bytes, read only where the caller may read (as a milestone's photo is).</summary>
    public Task<Photo> PhotoAsync(Caller caller, long receiptId, CancellationToken ct = default)
        => StoredPhotos.ReadAsync(db, caller, """
            SELECT r.content_type, r.content
            FROM disbursement_receipts r JOIN disbursements d ON d.id = r.disbursement_id JOIN projects p ON p.id = d.project_id
            WHERE r.id = @id
            """, receiptId, () => NotFound.Of($"รูปใบเสร็จเลขที่ {receiptId}", $"Receipt photo {receiptId}"), ct);

    public async Task<Saved<ReceiptView>> AddAsync(Caller caller, long disbursementId, byte[] content, CancellationToken ct = default)
    {
        var v = new Validator();
        var image = ImageCheck.Read(content);
        if (content.Length == 0) v.Add("file", "กรุณาเลือกรูปใบเสร็จ", "Choose a photo of the receipt.");
        else if (content.Length > MilestoneService.MaxPhotoBytes) v.Add("file", "รูปภาพใหญ่เกิน 5 MB", "The photo is larger than 5 MB.");
        else v.Check(image is not null, "file", "รับเฉพาะรูป JPEG หรือ PNG", "Only JPEG or PNG photos are accepted.");
        v.ThrowIfInvalid();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The payment's row lock (it is never updated: the ledger is append-only) queues uploads to one payment, so the
        // count holds. An outsider's statement finds (and locks) nothing.
        var found = await conn.ExecuteScalarAsync<long?>($"""
            SELECT d.id FROM disbursements d JOIN projects p ON p.id = d.project_id
            WHERE d.id = @disbursementId AND {Areas.Writable("p.subdistrict_code")} FOR UPDATE OF d
            """, Areas.Args(caller, AreaRight.RecordMoney, new { disbursementId }), tx);
        if (found is null)
        {
            var of = await conn.ExecuteScalarAsync<long?>("SELECT project_id FROM disbursements WHERE id = @disbursementId", new { disbursementId }, tx);
            throw Areas.Refusal(caller, of is long p ? await Areas.OfProjectAsync(conn, p, tx, ct) : null, () => NotFound.Of($"รายการจ่ายเลขที่ {disbursementId}", $"Disbursement {disbursementId}"));
        }
        var existing = (await conn.QueryAsync<ReceiptView>($"SELECT {Columns} FROM disbursement_receipts WHERE disbursement_id = @disbursementId", new { disbursementId }, tx)).ToList();
        if (existing.FirstOrDefault(r => r.Sha256 == sha256) is { } same) return new Saved<ReceiptView>(same, true);
        if (existing.Count >= MaxReceipts)
            throw new Conflict($"รายการจ่ายหนึ่งมีรูปใบเสร็จได้ไม่เกิน {MaxReceipts} รูป", $"A payment has at most {MaxReceipts} receipt photos.");
        var row = await conn.QuerySingleAsync<ReceiptView>($"""
            INSERT INTO disbursement_receipts (disbursement_id, content_type, size_bytes, sha256, content, created_by)
            VALUES (@disbursementId, @ContentType, @size, @sha256, @content, @ActorId)
            RETURNING {Columns}
            """, new { disbursementId, image!.ContentType, size = content.Length, sha256, content, caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "disbursement.receipt", "disbursement_receipt", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<ReceiptView>(row, false);
    }
}
