using Dapper;
using Npgsql;

namespace Housing.Geography;

public sealed record Province(string Code, string NameTh, string NameEn);
public sealed record District(string Code, string ProvinceCode, string NameTh, string NameEn);
public sealed record Subdistrict(string Code, string DistrictCode, string NameTh, string NameEn, string? PostalCode);

/// <summary>Thailand's divisions: public reference data, readable by anyone signed in.</summary>
public sealed class GeographyService(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<Province>> ProvincesAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Province>("SELECT code, name_th, name_en FROM provinces ORDER BY code")).ToList();
    }

    public async Task<Province> ProvinceAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<Province>("SELECT code, name_th, name_en FROM provinces WHERE code = @code", new { code })
            ?? throw NotFound.Of($"จังหวัดรหัส {code}", $"Province {code}");
    }

    public async Task<IReadOnlyList<District>> DistrictsAsync(string provinceCode, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<District>(
            "SELECT code, province_code, name_th, name_en FROM districts WHERE province_code = @provinceCode ORDER BY code", new { provinceCode })).ToList();
        if (rows.Count == 0 && !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM provinces WHERE code = @provinceCode)", new { provinceCode }))
            throw NotFound.Of($"จังหวัดรหัส {provinceCode}", $"Province {provinceCode}");
        return rows;
    }

    public async Task<IReadOnlyList<Subdistrict>> SubdistrictsAsync(string districtCode, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Subdistrict>(
            "SELECT code, district_code, name_th, name_en, postal_code FROM subdistricts WHERE district_code = @districtCode ORDER BY code", new { districtCode })).ToList();
        if (rows.Count == 0 && !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM districts WHERE code = @districtCode)", new { districtCode }))
            throw NotFound.Of($"อำเภอรหัส {districtCode}", $"District {districtCode}");
        return rows;
    }

    /// <summary>Every subdistrict of these provinces with its district, in one query (the pickers of the staff's forms).</summary>
    public async Task<IReadOnlyList<(Subdistrict Subdistrict, District District)>> SubdistrictsOfProvincesAsync(IReadOnlyList<string> provinces, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Subdistrict, District, (Subdistrict, District)>(new CommandDefinition("""
            SELECT s.code, s.district_code, s.name_th, s.name_en, s.postal_code, d.code, d.province_code, d.name_th, d.name_en
            FROM subdistricts s JOIN districts d ON d.code = s.district_code
            WHERE d.province_code = ANY(@provinces)
            ORDER BY d.code, s.code
            """, new { provinces = provinces.ToArray() }, cancellationToken: ct), (s, d) => (s, d), splitOn: "code")).ToList();
    }

    /// <summary>The names of these provinces and subdistricts, in one query (a user's area on the home page).</summary>
    public async Task<IReadOnlyList<(string Code, string NameTh, string NameEn)>> NamesAsync(IReadOnlyList<string> provinces, IReadOnlyList<string> subdistricts, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<(string, string, string)>(new CommandDefinition("""
            SELECT code, name_th, name_en FROM provinces WHERE code = ANY(@provinces)
            UNION ALL
            SELECT code, name_th, name_en FROM subdistricts WHERE code = ANY(@subdistricts)
            ORDER BY 1
            """, new { provinces = provinces.ToArray(), subdistricts = subdistricts.ToArray() }, cancellationToken: ct))).ToList();
    }

    public async Task<Subdistrict?> SubdistrictAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<Subdistrict>(
            "SELECT code, district_code, name_th, name_en, postal_code FROM subdistricts WHERE code = @code", new { code });
    }
}
