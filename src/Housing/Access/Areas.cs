using System.Data;
using Dapper;

namespace Housing.Access;

/// <summary>Which of <see cref="Caller"/>'s write rules a locking statement filters by.</summary>
public enum AreaRight
{
    /// <summary><see cref="Caller.CanManage"/>: budgets, projects, allocations.</summary>
    Manage,
    /// <summary><see cref="Caller.CanRecordMoney"/>: transfers, payments, reversals.</summary>
    RecordMoney,
    /// <summary><see cref="Caller.CanRecordMilestone"/>: milestones and their photos.</summary>
    RecordMilestone,
}

/// <summary>
/// The caller's area as SQL, and the one look-up of where a row lies.
/// A write's locking statement carries <see cref="Writable"/> in its WHERE: rows outside the caller's area are never
/// returned, so never locked, and an outsider neither waits on another area's writers nor makes them wait. Only when
/// nothing came back does the write look again, without a lock (<see cref="Refusal"/>), to answer 404 or 403.
/// </summary>
public static class Areas
{
    /// <summary>True where the caller has the right the parameters of <see cref="Args"/> were made for. The column holds a
    /// subdistrict code (6 digits) or a province code (2): either way its first two digits are the province.</summary>
    public static string Writable(string column)
        => $"(@AreaAll OR {column} = ANY(@AreaSubdistricts) OR left({column}, 2) = ANY(@AreaProvinces))";

    /// <summary><see cref="Writable"/> for the project whose id is <paramref name="projectId"/>, as a scalar subquery: a locking
    /// statement over allocations or milestones filters by it without joining projects. Joined, a prepared statement's generic
    /// plan (Npgsql prepares, PostgreSQL goes generic after five runs) merge-joined along the projects' primary key from its
    /// first row, and read every project up to the one wanted: 13 ms at 20,000 projects. A scalar subquery is one index probe.</summary>
    public static string WritableProject(string projectId)
        => $"(SELECT {Writable("wp.subdistrict_code")} FROM projects wp WHERE wp.id = {projectId})";

    /// <summary><paramref name="args"/> and the caller's area for <see cref="Writable"/>, following <see cref="Caller"/>'s rules:
    /// an admin everywhere, a treasurer in its subdistricts (money, milestones), staff in its provinces (manage, milestones).</summary>
    public static DynamicParameters Args(Caller caller, AreaRight right, object args)
    {
        var p = new DynamicParameters(args);
        p.Add("AreaAll", caller.IsAdmin);
        p.Add("AreaSubdistricts", right != AreaRight.Manage && caller.Role == Role.Treasurer ? caller.SubdistrictCodes.ToArray() : Array.Empty<string>());
        p.Add("AreaProvinces", right != AreaRight.RecordMoney && caller.Role == Role.ProvincialStaff ? caller.ProvinceCodes.ToArray() : Array.Empty<string>());
        return p;
    }

    /// <summary>True where the caller may read (<see cref="Caller.CanRead"/> as SQL) the subdistrict in <paramref name="column"/>;
    /// its parameters come from <see cref="ReadArgs"/>. A read that carries it in its WHERE never reads an outsider's row.</summary>
    public static string Readable(string column)
        => $"((@ReadProvinces::text[] IS NULL OR left({column}, 2) = ANY(@ReadProvinces)) AND (@ReadSubdistricts::text[] IS NULL OR {column} = ANY(@ReadSubdistricts)))";

    public static DynamicParameters ReadArgs(Caller caller, object args)
    {
        var p = new DynamicParameters(args);
        p.Add("ReadProvinces", caller.ReadableProvinces);
        p.Add("ReadSubdistricts", caller.ReadableSubdistricts);
        return p;
    }

    /// <summary>Where an allocation is: its project and that project's subdistrict (allocation → project → subdistrict).</summary>
    public sealed record Place(long ProjectId, string SubdistrictCode);

    public static Task<Place?> OfAllocationAsync(IDbConnection conn, long allocationId, IDbTransaction? tx = null, CancellationToken ct = default)
        => conn.QuerySingleOrDefaultAsync<Place?>(new CommandDefinition(
            "SELECT a.project_id, p.subdistrict_code FROM allocations a JOIN projects p ON p.id = a.project_id WHERE a.id = @allocationId",
            new { allocationId }, tx, cancellationToken: ct));

    public static Task<string?> OfProjectAsync(IDbConnection conn, long projectId, IDbTransaction? tx = null, CancellationToken ct = default)
        => conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT subdistrict_code FROM projects WHERE id = @projectId", new { projectId }, tx, cancellationToken: ct));

    /// <summary>The 404 or 403 for a write whose locking statement, filtered by <see cref="Writable"/>, found nothing:
    /// 404 when the row is missing or the caller may not even read it (its existence does not leak), else 403.</summary>
    public static HousingException Refusal(Caller caller, string? code, Func<NotFound> notFound)
    {
        if (code is null) return notFound();
        var visible = code.Length == 2 ? caller.CanReadProvince(code) : caller.CanRead(code);
        return visible ? new Forbidden() : notFound();
    }
}
