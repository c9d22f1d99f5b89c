using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Housing;

/// <summary>The <c>Idempotency-Key</c> a client (a phone's outbox) sends with a write it may send again, and the hash that
/// tells "the same request again" (answer the first row) from "the same key, other figures" (a 409).</summary>
public static class Idempotency
{
    /// <summary>The key trimmed, or null when none was sent; a key of more than 200 characters is a 400.</summary>
    public static string? Key(Validator v, string? key)
    {
        var k = key?.Trim();
        if (k is null) return null;
        v.Check(k.Length is >= 1 and <= 200, "Idempotency-Key", "Idempotency-Key ต้องยาว 1–200 ตัวอักษร", "The Idempotency-Key must be 1–200 characters.");
        return k;
    }

    /// <summary>SHA-256 over the fields, normalised by the caller (amounts as 0.00, dates as ISO).</summary>
    public static string Hash(params object?[] fields)
    {
        var text = string.Join('\u001f', fields.Select(f => f switch
        {
            null => "",
            decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => f.ToString(),
        }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static Conflict Reused(long id, string idName)
        => new("Idempotency-Key นี้ใช้กับรายการอื่นไปแล้ว", "This Idempotency-Key was already used for a different entry.") { Extensions = { [idName] = id } };
}
