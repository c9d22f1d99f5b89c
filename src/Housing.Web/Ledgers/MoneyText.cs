using System.Globalization;
using Housing.Ledgers;
using Housing.Milestones;

namespace Housing.Web.Ledgers;

/// <summary>Names of the money and progress codes in the user's language, and the dates of BE date inputs.</summary>
public static class MoneyText
{
    /// <summary>The money codes by their one set of names (<see cref="MoneyNames"/>), which the workbook and the audit log share.</summary>
    public static string Method(string code) => MoneyNames.Method(code).Current;

    public static string PayeeType(string code) => MoneyNames.PayeeType(code).Current;

    public static string Kind(string kind) => MoneyNames.Kind(kind).Current;

    public static string Stage(string? code) => MilestoneService.Stages.FirstOrDefault(s => s.Code == code) is { } s
        ? Lang.T(s.NameTh, s.NameEn) : Lang.T("ยังไม่เริ่ม", "Not started");

    /// <summary>A home's stage as pages show it, labelled: "ขั้นตอน: สำรวจ" / "Stage: Surveyed".</summary>
    public static string StageLabel(string? code) => $"{Lang.T("ขั้นตอน:", "Stage:")} {Stage(code)}";

    /// <summary>A search status of the register (<see cref="Housing.Households.HouseholdService.Statuses"/>), as its filter names it.</summary>
    public static string Status(string code) => code switch
    {
        "unallocated" => Lang.T("ยังไม่ได้รับการจัดสรร", "Not allocated"),
        "allocated" => Lang.T("ได้รับการจัดสรรแล้ว (ทุกขั้นตอน)", "Allocated (any stage)"),
        "not_started" => StageLabel(null),
        _ => StageLabel(code),
    };

    /// <summary>A row's status in the register: not allocated, or the stage of its home, labelled.</summary>
    public static string StatusLabel(string? code) => code is null or "unallocated" ? Status("unallocated") : StageLabel(code == "not_started" ? null : code);

    /// <summary>The allocation pages' names, so every page says the same.</summary>
    public static string WorkType(string code) => Housing.Allocations.WorkTypes.Name(code).Current;

    /// <summary>A table's figure: "12,500.50" (the column says baht).</summary>
    public static string Number(decimal d) => d.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>A date input's value as people type it: day/month/Buddhist year ("2/12/2569"), which the form shows.</summary>
    public static string DateInput(DateOnly d) => $"{d.Day}/{d.Month}/{d.Year + 543}";

    /// <summary>A date input's value: d/M/BBBB in the Buddhist Era (also with . or -), or ISO yyyy-MM-dd (what the phone's script
    /// sends). Never parsed with th-TH's calendar; a Gregorian year typed as d/M/yyyy is refused rather than guessed.</summary>
    public static DateOnly? ParseDate(string? s)
    {
        s = s?.Trim();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso)) return iso;
        var parts = s?.Split('/', '.', '-') ?? [];
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var be) || be is < 2400 or > 2700) return null;
        try { return new DateOnly(be - 543, month, day); }
        catch (ArgumentOutOfRangeException) { return null; }
    }

    /// <summary>A BE month input's value as people type it: month/Buddhist year ("12/2569") of a "yyyy-MM" month.</summary>
    public static string MonthInput(string? yyyyMm)
        => Housing.Ledgers.MonthKey.Parse(yyyyMm) is DateOnly m ? $"{m.Month}/{m.Year + 543}" : yyyyMm ?? "";

    /// <summary>A month input's value, m/BBBB in the Buddhist Era (also with . or -), or yyyy-MM (the phone's script, or an
    /// older page), as the "yyyy-MM" the services take; null when it is not a month.</summary>
    public static string? ParseMonth(string? s)
    {
        s = s?.Trim();
        if (Housing.Ledgers.MonthKey.Parse(s) is { Year: < 2400 } iso) return Housing.Ledgers.MonthKey.Of(iso);
        var parts = s?.Split('/', '.', '-') ?? [];
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var month) && month is >= 1 and <= 12
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var be) && be is >= 2400 and <= 2700
            ? Housing.Ledgers.MonthKey.Of(new DateOnly(be - 543, month, 1)) : null;
    }

    public static string MonthHint => Lang.T("พิมพ์เดือนเป็น เดือน/ปี พ.ศ. เช่น 12/2569", "Type the month as month/BE year, e.g. 12/2569.");
}
