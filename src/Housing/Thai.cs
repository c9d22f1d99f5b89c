using System.Globalization;

namespace Housing;

/// <summary>Thai conventions: Buddhist Era dates and fiscal years, baht, citizen IDs.</summary>
public static class Thai
{
    public const int BuddhistEraOffset = 543;
    public static readonly CultureInfo ThaiCulture = CultureInfo.GetCultureInfo("th-TH");
    public static readonly CultureInfo EnglishCulture = CultureInfo.GetCultureInfo("en-GB");
    static readonly string[] ThaiMonths = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."];
    static readonly string[] EnglishMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    static bool IsEnglish(CultureInfo? c) => (c ?? CultureInfo.CurrentUICulture).TwoLetterISOLanguageName == "en";

    /// <summary>"20 ม.ค. 2565" or "20 Jan 2565": the year is Buddhist Era in both languages.</summary>
    public static string Date(DateOnly d, CultureInfo? culture = null)
        => $"{d.Day} {(IsEnglish(culture) ? EnglishMonths : ThaiMonths)[d.Month - 1]} {d.Year + BuddhistEraOffset}";

    public static string DateTime(DateTimeOffset t, CultureInfo? culture = null)
    {
        var local = TimeZoneInfo.ConvertTime(t, Bangkok);
        return $"{Date(DateOnly.FromDateTime(local.DateTime), culture)} {local:HH:mm}";
    }

    /// <summary>Thailand keeps one time zone all year (UTC+7, no daylight saving).</summary>
    public static readonly TimeZoneInfo Bangkok = FindBangkok();

    static TimeZoneInfo FindBangkok()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("Asia/Bangkok"); }
        catch (TimeZoneNotFoundException) { return TimeZoneInfo.CreateCustomTimeZone("Asia/Bangkok", TimeSpan.FromHours(7), "Bangkok", "Bangkok"); }
    }

    public static DateOnly Today(TimeProvider? clock = null)
        => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime((clock ?? TimeProvider.System).GetUtcNow(), Bangkok).DateTime);

    /// <summary>The Thai government fiscal year (1 Oct – 30 Sep) holding a date, in Buddhist Era: 1 Oct 2021 → 2565.</summary>
    public static int FiscalYear(DateOnly d) => (d.Month >= 10 ? d.Year + 1 : d.Year) + BuddhistEraOffset;

    public static (DateOnly First, DateOnly Last) FiscalYearDates(int fiscalYearBe)
    {
        var ce = fiscalYearBe - BuddhistEraOffset;
        return (new DateOnly(ce - 1, 10, 1), new DateOnly(ce, 9, 30));
    }

    /// <summary>"1,358,500.00 บาท" / "1,358,500.00 baht".</summary>
    public static string Baht(decimal amount, CultureInfo? culture = null)
        => amount.ToString("#,##0.00", CultureInfo.InvariantCulture) + (IsEnglish(culture) ? " baht" : " บาท");

    public static string Number(long n) => n.ToString("#,##0", CultureInfo.InvariantCulture);
}

/// <summary>The 13-digit Thai citizen ID: checksum and masking (it is personal data under the PDPA).</summary>
public static class CitizenId
{
    /// <summary>Strips the usual dashes and spaces: "1-2345-67890-12-1" → "1234567890121".</summary>
    public static string Normalize(string? raw) => new((raw ?? "").Where(c => c is not ('-' or ' ')).ToArray());

    /// <summary>13 digits whose last is (11 − Σ dᵢ·(13 − i) mod 11) mod 10 over the first 12.</summary>
    public static bool IsValid(string? id)
        => id is { Length: 13 } && id.All(char.IsAsciiDigit) && CheckDigit(id) == id[12] - '0';

    /// <summary>The check digit for 12 leading digits (for generating valid test IDs).</summary>
    public static int CheckDigit(string first12)
    {
        var sum = 0;
        for (var i = 0; i < 12; i++) sum += (first12[i] - '0') * (13 - i);
        return (11 - sum % 11) % 10;
    }

    /// <summary>"1-xxxx-xxxxx-12-1": the first digit and the last three stay, enough to tell records apart.</summary>
    public static string Mask(string id)
        => id.Length == 13 ? $"{id[0]}-xxxx-xxxxx-{id[10..12]}-{id[12]}" : "x-xxxx-xxxxx-xx-x";

    public static string Format(string id)
        => id.Length == 13 ? $"{id[0]}-{id[1..5]}-{id[5..10]}-{id[10..12]}-{id[12]}" : id;
}
