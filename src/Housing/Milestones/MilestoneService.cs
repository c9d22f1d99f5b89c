using System.Security.Cryptography;
using Dapper;
using Housing.Access;
using Housing.Disbursements;
using Npgsql;

namespace Housing.Milestones;

public sealed record RecordMilestone(string? Stage, DateOnly? ReachedOn, string? Note);

public sealed record PhotoView(long Id, long MilestoneId, string ContentType, int SizeBytes, string Sha256, bool HasThumbnail, DateTime CreatedAt);

/// <summary>A stage of a home; <see cref="WithdrawnAt"/> and <see cref="WithdrawReason"/> are null while it stands.</summary>
public sealed record MilestoneView(long Id, long AllocationId, string Stage, short StageOrder, DateOnly ReachedOn, string? Note, DateTime CreatedAt,
    DateTime? WithdrawnAt, string? WithdrawReason)
{
    public IReadOnlyList<PhotoView> Photos { get; init; } = [];
}

public sealed record Photo(string ContentType, byte[] Content);

/// <summary>Construction progress per home, stage by stage in the fixed order, with up to 5 photos each.
/// Photos are stored in the database (bytea) so that a database backup holds the evidence too.</summary>
public sealed partial class MilestoneService(NpgsqlDataSource db, TimeProvider clock)
{
    public sealed record Stage(string Code, short Order, string NameTh, string NameEn);

    public static readonly Stage[] Stages =
    [
        new("surveyed", 1, "สำรวจ", "Surveyed"),
        new("approved", 2, "อนุมัติ", "Approved"),
        new("materials_bought", 3, "จัดซื้อวัสดุ", "Materials bought"),
        new("construction_started", 4, "เริ่มก่อสร้าง", "Construction started"),
        new("structure_done", 5, "โครงสร้างแล้วเสร็จ", "Structure done"),
        new("completed", 6, "แล้วเสร็จ", "Completed"),
        new("handed_over", 7, "ส่งมอบ", "Handed over"),
    ];

    public const int MaxPhotos = 5;
    public const int MaxPhotoBytes = 5 * 1024 * 1024;
    public const int MaxThumbnailBytes = 256 * 1024;
    public const int MaxThumbnailSide = 640;

    const string Columns = "id, allocation_id, stage, stage_order, reached_on, note, created_at, withdrawn_at, withdraw_reason";
    const string PhotoColumns = "id, milestone_id, content_type, size_bytes, sha256, thumbnail IS NOT NULL AS has_thumbnail, created_at";

    /// <summary>Records the next stage. With <paramref name="idempotencyKey"/> (a phone's outbox sends one), the same key again
    /// answers the first milestone and writes nothing; the same key with another stage, date or note is a 409.</summary>
    public async Task<Saved<MilestoneView>> RecordAsync(Caller caller, long allocationId, RecordMilestone cmd, CancellationToken ct = default, string? idempotencyKey = null)
    {
        var stage = Stages.FirstOrDefault(s => s.Code == cmd.Stage?.Trim());
        var v = new Validator().Check(stage is not null, "stage", "ขั้นตอนไม่ถูกต้อง", $"The stage must be one of {string.Join(", ", Stages.Select(s => s.Code))}.");
        v.PastDate(cmd.ReachedOn, "reachedOn", clock);
        v.Optional(cmd.Note, "note", "หมายเหตุ", "The note", 1000);
        var key = Idempotency.Key(v, idempotencyKey);
        v.ThrowIfInvalid();
        var note = string.IsNullOrWhiteSpace(cmd.Note) ? null : cmd.Note.Trim();
        var hash = key is null ? null : Idempotency.Hash(allocationId, stage!.Code, cmd.ReachedOn, note);

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The allocation row lock queues two writers of the same home's milestones, so the order check holds.
        // An outsider's statement finds (and locks) nothing.
        var a = await conn.QuerySingleOrDefaultAsync<(string SubdistrictCode, bool Cancelled)>($"""
            SELECT (SELECT p.subdistrict_code FROM projects p WHERE p.id = a.project_id), a.cancelled_at IS NOT NULL FROM allocations a
            WHERE a.id = @allocationId AND {Areas.WritableProject("a.project_id")} FOR UPDATE OF a
            """, Areas.Args(caller, AreaRight.RecordMilestone, new { allocationId }), tx);
        if (a.SubdistrictCode is null)
            throw Areas.Refusal(caller, (await Areas.OfAllocationAsync(conn, allocationId, tx, ct))?.SubdistrictCode,
                () => Allocations.AllocationService.AllocationNotFound(allocationId));

        // Looked up after the lock: a concurrent request with this key waited on it, and now finds the first one's row.
        if (key is not null && await conn.QuerySingleOrDefaultAsync<(long Id, string? Hash)?>(
                "SELECT id, request_hash FROM milestones WHERE allocation_id = @allocationId AND idempotency_key = @key", new { allocationId, key }, tx) is { } seen)
        {
            if (seen.Hash != hash) throw Idempotency.Reused(seen.Id, "milestoneId");
            return new Saved<MilestoneView>(await conn.QuerySingleAsync<MilestoneView>($"SELECT {Columns} FROM milestones WHERE id = @Id", new { seen.Id }, tx), true);
        }
        var last = await conn.QuerySingleOrDefaultAsync<MilestoneView>(
            $"SELECT {Columns} FROM milestones WHERE allocation_id = @allocationId AND withdrawn_at IS NULL ORDER BY stage_order DESC LIMIT 1", new { allocationId }, tx);
        if (last is not null && last.Stage == stage!.Code && last.ReachedOn == cmd.ReachedOn && last.Note == note)
            return new Saved<MilestoneView>(last, true); // the same save again (a double tap): answer the first
        if (a.Cancelled) throw new Conflict("การจัดสรรนี้ถูกยกเลิกแล้ว", "This allocation is cancelled.");
        if (last?.StageOrder == Stages.Length)
            throw new Conflict("บันทึกครบทุกขั้นตอนแล้ว", "Every stage has been recorded already.");
        var expected = Stages[last?.StageOrder ?? 0]; // stage_order n sits at index n - 1, so index n is the next one
        if (stage!.Order != expected.Order)
            throw new Conflict($"ผิดลำดับ: ขั้นตอนถัดไปคือ {expected.NameTh}", $"Out of order: the next stage is {expected.NameEn} ({expected.Code}).")
                { Extensions = { ["expectedStage"] = expected.Code } };
        if (last is not null && cmd.ReachedOn < last.ReachedOn)
            throw ValidationFailed.One("reachedOn", $"วันที่ต้องไม่ก่อนขั้นตอนก่อนหน้า ({Thai.Date(last.ReachedOn, Thai.ThaiCulture)})",
                $"The date must not be before the previous stage's ({Thai.Date(last.ReachedOn, Thai.EnglishCulture)}).");

        var row = await conn.QuerySingleAsync<MilestoneView>($"""
            INSERT INTO milestones (allocation_id, stage, stage_order, reached_on, note, idempotency_key, request_hash, created_by)
            VALUES (@allocationId, @Code, @Order, @ReachedOn, @note, @key, @hash, @ActorId)
            RETURNING {Columns}
            """, new { allocationId, stage.Code, stage.Order, cmd.ReachedOn, note, key, hash, caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "milestone.record", "milestone", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<MilestoneView>(row, false);
    }

    /// <summary>A home's milestones in stage order, each with its photos (without their bytes).</summary>
    public async Task<IReadOnlyList<MilestoneView>> ListAsync(Caller caller, long allocationId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var place = await Areas.OfAllocationAsync(conn, allocationId, ct: ct) ?? throw Allocations.AllocationService.AllocationNotFound(allocationId);
        caller.EnsureCanRead(place.SubdistrictCode, () => Allocations.AllocationService.AllocationNotFound(allocationId));
        var milestones = await conn.QueryAsync<MilestoneView>($"SELECT {Columns} FROM milestones WHERE allocation_id = @allocationId ORDER BY stage_order, id", new { allocationId });
        var photos = (await conn.QueryAsync<PhotoView>($"""
            SELECT {PhotoColumns} FROM milestone_photos
            WHERE milestone_id IN (SELECT id FROM milestones WHERE allocation_id = @allocationId) ORDER BY id
            """, new { allocationId })).ToLookup(p => p.MilestoneId);
        return milestones.Select(m => m with { Photos = photos[m.Id].ToList() }).ToList();
    }

    /// <summary>Adds a JPEG or PNG (checked by its bytes, 5 MB at most) to a milestone, with an optional small thumbnail
    /// the phone made. The same picture sent twice (a double tap) is stored once.</summary>
    public async Task<Saved<PhotoView>> AddPhotoAsync(Caller caller, long milestoneId, byte[] content, byte[]? thumbnail, CancellationToken ct = default)
    {
        var v = new Validator();
        var image = ImageCheck.Read(content);
        if (content.Length == 0) v.Add("file", "กรุณาเลือกรูปภาพ", "Choose a photo.");
        else if (content.Length > MaxPhotoBytes) v.Add("file", "รูปภาพใหญ่เกิน 5 MB", "The photo is larger than 5 MB.");
        else v.Check(image is not null, "file", "รับเฉพาะรูป JPEG หรือ PNG", "Only JPEG or PNG photos are accepted.");
        if (thumbnail is { Length: > 0 })
        {
            var t = ImageCheck.Read(thumbnail);
            v.Check(thumbnail.Length <= MaxThumbnailBytes && t is { Width: <= MaxThumbnailSide, Height: <= MaxThumbnailSide }, "thumbnail",
                "รูปย่อต้องเป็น JPEG หรือ PNG ไม่เกิน 640 จุด", "The thumbnail must be a JPEG or PNG of at most 640 pixels a side.");
        }
        v.ThrowIfInvalid();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The milestone row lock queues uploads to one milestone, so the count of 5 holds. An outsider's statement finds (and locks) nothing.
        var allocationId = await conn.ExecuteScalarAsync<long?>($"""
            SELECT m.allocation_id FROM milestones m
            WHERE m.id = @milestoneId AND (SELECT {Areas.WritableProject("a.project_id")} FROM allocations a WHERE a.id = m.allocation_id)
            FOR UPDATE OF m
            """, Areas.Args(caller, AreaRight.RecordMilestone, new { milestoneId }), tx);
        if (allocationId is null)
        {
            var of = await conn.ExecuteScalarAsync<long?>("SELECT allocation_id FROM milestones WHERE id = @milestoneId", new { milestoneId }, tx);
            throw Areas.Refusal(caller, of is long a ? (await Areas.OfAllocationAsync(conn, a, tx, ct))?.SubdistrictCode : null, () => MilestoneNotFound(milestoneId));
        }
        var existing = await conn.QueryAsync<PhotoView>($"SELECT {PhotoColumns} FROM milestone_photos WHERE milestone_id = @milestoneId", new { milestoneId }, tx);
        if (existing.FirstOrDefault(p => p.Sha256 == sha256) is { } same) return new Saved<PhotoView>(same, true);
        if (existing.Count() >= MaxPhotos)
            throw new Conflict($"แต่ละขั้นตอนมีรูปได้ไม่เกิน {MaxPhotos} รูป", $"A milestone has at most {MaxPhotos} photos.");
        var row = await conn.QuerySingleAsync<PhotoView>($"""
            INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content, thumbnail, created_by)
            VALUES (@milestoneId, @ContentType, @size, @sha256, @content, @thumbnail, @ActorId)
            RETURNING {PhotoColumns}
            """, new { milestoneId, image!.ContentType, size = content.Length, sha256, content, thumbnail = thumbnail is { Length: > 0 } ? thumbnail : null, caller.ActorId }, tx);
        await Audit.WriteAsync(conn, tx, caller, "milestone.photo", "milestone_photo", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<PhotoView>(row, false);
    }

    /// <summary>A photo's bytes, or its thumbnail (the photo itself when none was made), read only where the caller may read.</summary>
    public Task<Photo> PhotoAsync(Caller caller, long photoId, bool thumbnail, CancellationToken ct = default)
        => StoredPhotos.ReadAsync(db, caller, $"""
            SELECT ph.content_type, {(thumbnail ? "coalesce(ph.thumbnail, ph.content)" : "ph.content")}
            FROM milestone_photos ph JOIN milestones m ON m.id = ph.milestone_id JOIN allocations a ON a.id = m.allocation_id
                 JOIN projects p ON p.id = a.project_id
            WHERE ph.id = @id
            """, photoId, () => PhotoNotFound(photoId), ct);

    static NotFound MilestoneNotFound(long id) => NotFound.Of($"ขั้นตอนเลขที่ {id}", $"Milestone {id}");
    static NotFound PhotoNotFound(long id) => NotFound.Of($"รูปเลขที่ {id}", $"Photo {id}");
}
