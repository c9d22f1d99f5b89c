using Dapper;
using Housing.Access;

namespace Housing.Households;

public sealed partial class HouseholdService
{
    public const int MaxPageSize = 200;

    /// <summary>The values of a search's <c>status</c>: no live allocation, any live allocation, a live allocation with no
    /// standing stage yet, or the latest standing stage of it.</summary>
    public static readonly string[] Statuses = ["unallocated", "allocated", "not_started", .. Milestones.MilestoneService.Stages.Select(s => s.Code)];

    // The area as a list of subdistricts, so the (subdistrict_code, id) index finds a province's households
    // without reading the whole national register.
    const string Filter = """
         WHERE (@provinces::text[] IS NULL OR h.subdistrict_code IN (SELECT code FROM subdistricts WHERE left(code, 2) = ANY(@provinces)))
           AND (@subdistricts::text[] IS NULL OR h.subdistrict_code = ANY(@subdistricts))
           AND (@subdistrictCode::text IS NULL OR h.subdistrict_code = @subdistrictCode)
           AND (@villageNo::int IS NULL OR h.village_no = @villageNo)
           AND (@text::text IS NULL OR h.head_name ILIKE '%' || @pattern || '%' OR h.citizen_id = @id OR h.house_no = @text)
        """ + "\n"; // ends in a newline, so ORDER BY can follow

    /// <summary>A household's status as the search filters and shows it: of its latest live allocation (in the project, with
    /// one), the latest standing stage, <c>not_started</c> without one, <c>unallocated</c> with no such allocation.</summary>
    static string StatusSql(bool inProject) => $"""
        coalesce((SELECT coalesce((SELECT m.stage FROM milestones m WHERE m.allocation_id = a.id AND m.withdrawn_at IS NULL
                                   ORDER BY m.stage_order DESC LIMIT 1), 'not_started')
                  FROM allocations a WHERE a.household_id = h.id AND a.cancelled_at IS NULL{(inProject ? " AND a.project_id = @projectId" : "")}
                  ORDER BY a.id DESC LIMIT 1), 'unallocated')
        """;

    /// <summary>Is this search text a whole citizen ID (13 digits, dashes and spaces aside)? Such a text must not travel in a URL.</summary>
    public static bool IsFullCitizenId(string? q)
        => q is not null && CitizenId.Normalize(q.Trim()) is { Length: 13 } id && !id.AsSpan().ContainsAnyExceptInRange('0', '9');

    /// <summary>The register within the caller's area: by subdistrict and village, a text that matches the head's name, a whole
    /// citizen ID or a house number, a <paramref name="status"/> (one of <see cref="Statuses"/>) and the homes of a project.
    /// The filters combine; the area's conditions come first, so a project outside the area finds nothing. IDs masked.</summary>
    public async Task<Paged<HouseholdView>> SearchAsync(Caller caller, string? subdistrictCode = null, string? q = null, int? villageNo = null,
        int page = 1, int pageSize = 50, CancellationToken ct = default, string? status = null, long? projectId = null)
    {
        status = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        if (status is not null && !Statuses.Contains(status))
            throw ValidationFailed.One("status", "สถานะไม่ถูกต้อง", $"The status must be one of {string.Join(", ", Statuses)}.");
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var text = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        var args = new
        {
            provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts,
            subdistrictCode = string.IsNullOrWhiteSpace(subdistrictCode) ? null : subdistrictCode.Trim(), villageNo,
            text, pattern = text?.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_"), id = text is null ? null : CitizenId.Normalize(text),
            status, projectId, pageSize, offset = (page - 1L) * pageSize, // long: a huge page number must not wrap to a negative offset
        };
        // Only the filters given join the allocations: a plain search reads the register alone.
        var filter = Filter;
        if (projectId is not null)
            filter += "   AND EXISTS (SELECT FROM allocations a WHERE a.household_id = h.id AND a.cancelled_at IS NULL AND a.project_id = @projectId)\n";
        if (status == "allocated") filter += $"   AND {StatusSql(projectId is not null)} <> 'unallocated'\n";
        else if (status is not null) filter += $"   AND {StatusSql(projectId is not null)} = @status\n";

        await using var conn = await db.OpenConnectionAsync(ct);
        // count(*) OVER () gives the total with the page in one round trip.
        var rows = (await conn.QueryAsync<Row>(Select.Replace("h.created_at", "h.created_at, count(*) OVER () AS total") + filter +
            " ORDER BY h.id LIMIT @pageSize OFFSET @offset", args)).ToList();
        // Past the last page there is no row to carry the count: ask for it alone.
        var total = rows.Count > 0 ? rows[0].Total : page == 1 ? 0 : await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM households h" + filter, args);
        // The page's statuses, for its rows only (rows the area filter let through).
        var statuses = rows.Count == 0 ? new Dictionary<long, string>() : (await conn.QueryAsync<(long Id, string Status)>(
            $"SELECT h.id, {StatusSql(projectId is not null)} FROM households h WHERE h.id = ANY(@ids)",
            new { ids = rows.Select(r => r.Id).ToArray(), projectId })).ToDictionary(x => x.Id, x => x.Status);
        return new Paged<HouseholdView>(rows.Select(r => r.View(showId: false) with { Status = statuses.GetValueOrDefault(r.Id) }).ToList(), page, pageSize, total);
    }
}
