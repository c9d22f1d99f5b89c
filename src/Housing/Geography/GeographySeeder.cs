using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Housing.Geography;

/// <summary>Loads the shipped geography CSVs (Geography/Data, DOPA codes) into the database when they differ
/// from what is loaded: one transaction, insert or update by code, nothing deleted (households point at codes).</summary>
public static class GeographySeeder
{
    const long LockKey = 0x47656F; // "Geo"

    sealed record ProvinceCsv(string Code, string NameTh, string NameEn);
    sealed record DistrictCsv(string Code, string ProvinceCode, string NameTh, string NameEn);
    sealed record SubdistrictCsv(string Code, string DistrictCode, string NameTh, string NameEn, string? PostalCode);

    static byte[] Resource(string name)
    {
        using var s = typeof(GeographySeeder).Assembly.GetManifestResourceStream($"geography/{name}.csv")
            ?? throw new InvalidOperationException($"geography/{name}.csv is not embedded");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>The rows after the header, as string arrays (the shipped files' column order is fixed).</summary>
    static List<string[]> Parse(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8);
        return Csv.Rows(reader).Skip(1).Where(r => r.Length > 1).ToList();
    }

    public static async Task<bool> SeedAsync(NpgsqlDataSource db, ILogger logger, CancellationToken ct = default)
    {
        byte[] p = Resource("provinces"), d = Resource("districts"), s = Resource("subdistricts");
        var checksum = Convert.ToHexStringLower(SHA256.HashData([.. p, .. d, .. s]));

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx);
        var loaded = await conn.ExecuteScalarAsync<string?>("SELECT checksum FROM reference_data WHERE name = 'geography'", transaction: tx);
        if (loaded == checksum) return false;

        var provinces = Parse(p).Select(r => new ProvinceCsv(r[0], r[1], r[2])).ToList();
        var districts = Parse(d).Select(r => new DistrictCsv(r[0], r[1], r[2], r[3])).ToList();
        var subdistricts = Parse(s).Select(r => new SubdistrictCsv(r[0], r[1], r[2], r[3], r.Length > 4 ? r[4] : null)).ToList();
        await conn.ExecuteAsync("""
            INSERT INTO provinces (code, name_th, name_en) SELECT * FROM unnest(@c::text[], @th::text[], @en::text[])
            ON CONFLICT (code) DO UPDATE SET name_th = excluded.name_th, name_en = excluded.name_en
            """, new { c = provinces.Select(x => x.Code).ToArray(), th = provinces.Select(x => x.NameTh).ToArray(), en = provinces.Select(x => x.NameEn).ToArray() }, tx);
        await conn.ExecuteAsync("""
            INSERT INTO districts (code, province_code, name_th, name_en) SELECT * FROM unnest(@c::text[], @p::text[], @th::text[], @en::text[])
            ON CONFLICT (code) DO UPDATE SET province_code = excluded.province_code, name_th = excluded.name_th, name_en = excluded.name_en
            """, new { c = districts.Select(x => x.Code).ToArray(), p = districts.Select(x => x.ProvinceCode).ToArray(), th = districts.Select(x => x.NameTh).ToArray(), en = districts.Select(x => x.NameEn).ToArray() }, tx);
        await conn.ExecuteAsync("""
            INSERT INTO subdistricts (code, district_code, name_th, name_en, postal_code) SELECT * FROM unnest(@c::text[], @d::text[], @th::text[], @en::text[], @pc::text[])
            ON CONFLICT (code) DO UPDATE SET district_code = excluded.district_code, name_th = excluded.name_th, name_en = excluded.name_en, postal_code = excluded.postal_code
            """, new
            {
                c = subdistricts.Select(x => x.Code).ToArray(), d = subdistricts.Select(x => x.DistrictCode).ToArray(), th = subdistricts.Select(x => x.NameTh).ToArray(),
                en = subdistricts.Select(x => x.NameEn).ToArray(), pc = subdistricts.Select(x => string.IsNullOrWhiteSpace(x.PostalCode) ? null : x.PostalCode).ToArray(),
            }, tx);
        await conn.ExecuteAsync("""
            INSERT INTO reference_data (name, checksum) VALUES ('geography', @checksum)
            ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, loaded_at = now()
            """, new { checksum }, tx);
        await tx.CommitAsync(ct);
        logger.LogInformation("Loaded geography: {Provinces} provinces, {Districts} districts, {Subdistricts} subdistricts", provinces.Count, districts.Count, subdistricts.Count);
        return true;
    }
}
