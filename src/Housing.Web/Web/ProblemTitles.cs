using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Housing.Web;

/// <summary>The titles of problem details in the caller's language, and what to say when the framework cannot read a
/// request (its own message names internal parameter types, such as "CreateBudget body").</summary>
public static partial class ProblemTitles
{
    static readonly Dictionary<int, Msg> Titles = new()
    {
        [400] = new("คำขอไม่ถูกต้อง", "Bad request"),
        [401] = new("ยังไม่ได้เข้าสู่ระบบ", "Not signed in"),
        [403] = new("ไม่มีสิทธิ์", "Forbidden"),
        [404] = new("ไม่พบ", "Not found"),
        [405] = new("ใช้วิธีเรียกนี้ไม่ได้", "Method not allowed"),
        [409] = new("ขัดกับข้อมูลที่มีอยู่", "Conflict"),
        [413] = new("ข้อมูลใหญ่เกินไป", "Payload too large"),
        [415] = new("ไม่รองรับชนิดข้อมูลนี้", "Unsupported media type"),
        [429] = new("ส่งคำขอบ่อยเกินไป", "Too many requests"),
        [500] = new("ระบบขัดข้อง", "Internal error"),
        [503] = new("ระบบยังไม่พร้อมให้บริการ", "Service unavailable"),
    };

    public static string For(int status, CultureInfo culture)
        => Titles.TryGetValue(status, out var m) ? m.For(culture)
            : culture.TwoLetterISOLanguageName == "en" ? ReasonPhrases.GetReasonPhrase(status) : "เกิดข้อผิดพลาด";

    /// <summary>The English defaults the framework fills in (ProblemDetailsDefaults, the reason phrases, validation):
    /// these are replaced by <see cref="For"/>; a title the app chose (a validation summary) is kept.</summary>
    public static bool IsDefault(string? title, int status)
        => title is null || title.Equals(ReasonPhrases.GetReasonPhrase(status), StringComparison.OrdinalIgnoreCase)
            || title is "An error occurred while processing your request." or "One or more validation errors occurred."
            || Titles.TryGetValue(status, out var m) && title == m.En;

    /// <summary>A request the framework could not bind, said without its internal names: where the JSON broke, which
    /// parameter was missing or malformed.</summary>
    public static Msg Unreadable(BadHttpRequestException b)
    {
        if (b.InnerException is JsonException j)
        {
            var at = j.Path is { Length: > 0 } path ? path : "$";
            var line = (j.LineNumber ?? 0) + 1;
            return new($"ข้อมูล JSON ไม่ถูกต้อง (ที่ {at} บรรทัด {line})", $"The body is not valid JSON (at {at}, line {line}).");
        }
        if (b.StatusCode == 413) return new("ข้อมูลที่ส่งมาใหญ่เกินกำหนด", "The body is larger than allowed.");
        if (b.StatusCode == 415) return new("ส่งข้อมูลเป็น JSON (Content-Type: application/json) หรือแบบฟอร์มตามที่ปลายทางนี้รับ",
            "Send the body as JSON (Content-Type: application/json), or as the form this endpoint takes.");
        if (Parameter().Match(b.Message) is { Success: true } p)
        {
            var name = p.Groups["name"].Value;
            return p.Groups["kind"].Value == "Required"
                ? new($"ต้องระบุ {name}", $"{name} is required.")
                : new($"ค่าของ {name} ไม่ถูกต้อง", $"The value of {name} is not valid.");
        }
        if (b.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && b.Message.Contains("JSON", StringComparison.Ordinal))
            return new("ต้องส่งข้อมูลเป็น JSON ในเนื้อความของคำขอ", "The request needs a JSON body.");
        return new("อ่านคำขอไม่ได้", "The request could not be read.");
    }

    // 'Failed to bind parameter "int page" from "x".', 'Required parameter "long id" was not provided from route.':
    // the parameter's name only, never its type.
    [GeneratedRegex("^(?<kind>Failed to bind|Required) parameter \"(?:[^\" ]+ )?(?<name>[A-Za-z0-9_]+)\"")]
    private static partial Regex Parameter();
}
