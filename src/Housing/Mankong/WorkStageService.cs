using System.Security.Cryptography;
using Dapper;
using Housing.Access;
using Housing.Milestones;
using Npgsql;

namespace Housing.Mankong;

public sealed record RecordWorkStage(string? Stage, DateOnly? ReachedOn, string? Note);

public sealed record WorkPhotoView(long Id, long WorkStageId, string ContentType, int SizeBytes, string Sha256, bool HasThumbnail, DateTime CreatedAt);

public sealed record WorkStageView(long Id, long WorkId, string Stage, int StageOrder, DateOnly ReachedOn, string? Note, DateTime CreatedAt)
{
    public IReadOnlyList<WorkPhotoView> Photos { get; init; } = [];
}

/// <summary>
/// A community work's progress: surveyed, contracted, started, completed, in that order, each with up to 5 photos
/// (the same checks as the homes' milestone photos: JPEG or PNG read from the bytes, 5 MB at most). Those who record
/// a home's milestones record a work's: the province's staff and the project's treasurers.
/// </summary>
public sealed class WorkStageService(NpgsqlDataSource db, TimeProvider clock)
{
    public sealed record Stage(string Code, int Order, string NameTh, string NameEn);

    public static readonly Stage[] Stages =
    [
        new("surveyed", 1, "สำรวจและออกแบบ", "Surveyed"),
        new("contracted", 2, "ทำสัญญาจ้าง", "Contracted"),
        new("started", 3, "เริ่มก่อสร้าง", "Started"),
        new("completed", 4, "แล้วเสร็จ", "Completed"),
    ];

    const string Columns = "id, work_id, stage, stage_order, reached_on, note, created_at";
    const string PhotoColumns = "id, work_stage_id, content_type, size_bytes, sha256, thumbnail IS NOT NULL AS has_thumbnail, created_at";

    sealed record WorkOf(long ProjectId, string SubdistrictCode);

    public async Task<Saved<WorkStageView>> RecordAsync(Caller caller, long workId, RecordWorkStage cmd, CancellationToken ct = default)
    {
        var stage = Stages.FirstOrDefault(s => s.Code == cmd.Stage?.Trim());
        var v = new Validator().Check(stage is not null, "stage", "ขั้นตอนไม่ถูกต้อง", $"The stage must be one of {string.Join(", ", Stages.Select(s => s.Code))}.");
        v.PastDate(cmd.ReachedOn, "reachedOn", clock);
        v.Optional(cmd.Note, "note", "หมายเหตุ", "The note", 1000);
        v.ThrowIfInvalid();
        var note = string.IsNullOrWhiteSpace(cmd.Note) ? null : cmd.Note.Trim();

        await using var conn = await db.OpenConnectionAsync(ct);
        await FindAsync(conn, caller, workId, (c, s) => c.CanRecordMilestone(s), ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The work's row lock queues two writers of its stages, so the order check holds.
        await conn.ExecuteAsync(new CommandDefinition("SELECT 1 FROM works WHERE id = @workId FOR UPDATE", new { workId }, tx, cancellationToken: ct));
        var last = await conn.QuerySingleOrDefaultAsync<WorkStageView>(new CommandDefinition(
            $"SELECT {Columns} FROM work_stages WHERE work_id = @workId ORDER BY stage_order DESC LIMIT 1", new { workId }, tx, cancellationToken: ct));
        if (last is not null && last.Stage == stage!.Code && last.ReachedOn == cmd.ReachedOn && last.Note == note)
            return new Saved<WorkStageView>(last, true); // the same save again (a double tap): answer the first
        if (last?.StageOrder == Stages.Length)
            throw new Conflict("บันทึกครบทุกขั้นตอนแล้ว", "Every stage has been recorded already.");
        var expected = Stages[last?.StageOrder ?? 0];
        if (stage!.Order != expected.Order)
            throw new Conflict($"ผิดลำดับ: ขั้นตอนถัดไปคือ {expected.NameTh}", $"Out of order: the next stage is {expected.NameEn} ({expected.Code}).")
                { Extensions = { ["expectedStage"] = expected.Code } };
        if (last is not null && cmd.ReachedOn < last.ReachedOn)
            throw ValidationFailed.One("reachedOn", $"วันที่ต้องไม่ก่อนขั้นตอนก่อนหน้า ({Thai.Date(last.ReachedOn, Thai.ThaiCulture)})",
                $"The date must not be before the previous stage's ({Thai.Date(last.ReachedOn, Thai.EnglishCulture)}).");
        var row = await conn.QuerySingleAsync<WorkStageView>(new CommandDefinition($"""
            INSERT INTO work_stages (work_id, stage, stage_order, reached_on, note, created_by) VALUES (@workId, @Code, @Order, @ReachedOn, @note, @ActorId)
            RETURNING {Columns}
            """, new { workId, stage.Code, stage.Order, cmd.ReachedOn, note, caller.ActorId }, tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "work.stage", "work", workId, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<WorkStageView>(row, false);
    }

    /// <summary>A work's stages in order, each with its photos (without their bytes).</summary>
    public async Task<IReadOnlyList<WorkStageView>> ListAsync(Caller caller, long workId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await FindAsync(conn, caller, workId, (c, s) => c.CanRead(s), ct);
        return await ReadAsync(conn, [workId], ct);
    }

    /// <summary>The stages of several works (a project's works page), in order, with their photos.</summary>
    internal static async Task<IReadOnlyList<WorkStageView>> ReadAsync(NpgsqlConnection conn, long[] workIds, CancellationToken ct)
    {
        var stages = await conn.QueryAsync<WorkStageView>(new CommandDefinition(
            $"SELECT {Columns} FROM work_stages WHERE work_id = ANY(@workIds) ORDER BY work_id, stage_order", new { workIds }, cancellationToken: ct));
        var photos = (await conn.QueryAsync<WorkPhotoView>(new CommandDefinition($"""
            SELECT {PhotoColumns} FROM work_photos WHERE work_stage_id IN (SELECT id FROM work_stages WHERE work_id = ANY(@workIds)) ORDER BY id
            """, new { workIds }, cancellationToken: ct))).ToLookup(p => p.WorkStageId);
        return stages.Select(s => s with { Photos = photos[s.Id].ToList() }).ToList();
    }

    /// <summary>Adds a photo to a stage, checked as a milestone's photo is. The same picture sent twice is stored once.</summary>
    public async Task<Saved<WorkPhotoView>> AddPhotoAsync(Caller caller, long stageId, byte[] content, byte[]? thumbnail, CancellationToken ct = default)
    {
        var v = new Validator();
        var image = ImageCheck.Read(content);
        if (content.Length == 0) v.Add("file", "กรุณาเลือกรูปภาพ", "Choose a photo.");
        else if (content.Length > MilestoneService.MaxPhotoBytes) v.Add("file", "รูปภาพใหญ่เกิน 5 MB", "The photo is larger than 5 MB.");
        else v.Check(image is not null, "file", "รับเฉพาะรูป JPEG หรือ PNG", "Only JPEG or PNG photos are accepted.");
        if (thumbnail is { Length: > 0 })
        {
            var t = ImageCheck.Read(thumbnail);
            v.Check(thumbnail.Length <= MilestoneService.MaxThumbnailBytes && t is { Width: <= MilestoneService.MaxThumbnailSide, Height: <= MilestoneService.MaxThumbnailSide },
                "thumbnail", "รูปย่อต้องเป็น JPEG หรือ PNG ไม่เกิน 640 จุด", "The thumbnail must be a JPEG or PNG of at most 640 pixels a side.");
        }
        v.ThrowIfInvalid();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));

        await using var conn = await db.OpenConnectionAsync(ct);
        var workId = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT work_id FROM work_stages WHERE id = @stageId", new { stageId }, cancellationToken: ct)) ?? throw StageNotFound(stageId);
        await FindAsync(conn, caller, workId, (c, s) => c.CanRecordMilestone(s), ct, () => StageNotFound(stageId));
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The stage's row lock queues uploads to one stage, so the count of 5 holds.
        await conn.ExecuteAsync(new CommandDefinition("SELECT 1 FROM work_stages WHERE id = @stageId FOR UPDATE", new { stageId }, tx, cancellationToken: ct));
        var existing = (await conn.QueryAsync<WorkPhotoView>(new CommandDefinition(
            $"SELECT {PhotoColumns} FROM work_photos WHERE work_stage_id = @stageId", new { stageId }, tx, cancellationToken: ct))).ToList();
        if (existing.FirstOrDefault(p => p.Sha256 == sha256) is { } same) return new Saved<WorkPhotoView>(same, true);
        if (existing.Count >= MilestoneService.MaxPhotos)
            throw new Conflict($"แต่ละขั้นตอนมีรูปได้ไม่เกิน {MilestoneService.MaxPhotos} รูป", $"A stage has at most {MilestoneService.MaxPhotos} photos.");
        var row = await conn.QuerySingleAsync<WorkPhotoView>(new CommandDefinition($"""
            INSERT INTO work_photos (work_stage_id, content_type, size_bytes, sha256, content, thumbnail, created_by)
            VALUES (@stageId, @ContentType, @size, @sha256, @content, @thumbnail, @ActorId)
            RETURNING {PhotoColumns}
            """, new { stageId, image!.ContentType, size = content.Length, sha256, content, thumbnail = thumbnail is { Length: > 0 } ? thumbnail : null, caller.ActorId },
            tx, cancellationToken: ct));
        await Audit.WriteAsync(conn, tx, caller, "work.photo", "work_photo", row.Id, null, row, ct);
        await tx.CommitAsync(ct);
        return new Saved<WorkPhotoView>(row, false);
    }

    /// <summary>A work photo's bytes, or its thumbnail (the photo itself when none was made).</summary>
    public Task<Photo> PhotoAsync(Caller caller, long photoId, bool thumbnail, CancellationToken ct = default)
        => StoredPhotos.ReadAsync(db, caller, $"""
            SELECT ph.content_type, {(thumbnail ? "coalesce(ph.thumbnail, ph.content)" : "ph.content")}
            FROM work_photos ph JOIN work_stages s ON s.id = ph.work_stage_id JOIN works w ON w.id = s.work_id JOIN projects p ON p.id = w.project_id
            WHERE ph.id = @id
            """, photoId, () => PhotoNotFound(photoId), ct);

    /// <summary>Finds the work's project (unlocked) and checks the caller on it before anything is locked.</summary>
    internal static async Task<long> FindAsync(NpgsqlConnection conn, Caller caller, long workId, Func<Caller, string, bool> allowed, CancellationToken ct,
        Func<NotFound>? notFound = null)
    {
        notFound ??= () => WorkService.WorkNotFound(workId);
        var w = await conn.QuerySingleOrDefaultAsync<WorkOf>(new CommandDefinition("""
            SELECT w.project_id, p.subdistrict_code FROM works w JOIN projects p ON p.id = w.project_id WHERE w.id = @workId
            """, new { workId }, cancellationToken: ct)) ?? throw notFound();
        caller.EnsureAllowed(allowed(caller, w.SubdistrictCode), w.SubdistrictCode, notFound);
        return w.ProjectId;
    }

    static NotFound StageNotFound(long id) => NotFound.Of($"ขั้นตอนงานชุมชนเลขที่ {id}", $"Work stage {id}");
    static NotFound PhotoNotFound(long id) => NotFound.Of($"รูปงานชุมชนเลขที่ {id}", $"Work photo {id}");
}
