using Housing.Mankong;

namespace Housing.Web.Mankong;

/// <summary>Baan Mankong's codes in the user's language, so every page says the same.</summary>
public static class MankongText
{
    public static string Purpose(string code) => code == "land" ? Lang.T("ซื้อที่ดิน", "Land") : Lang.T("ที่อยู่อาศัย", "Housing");

    public static string Kind(string code) => code switch
    {
        "road" => Lang.T("ถนน", "Road"),
        "drainage" => Lang.T("ระบบระบายน้ำ", "Drainage"),
        "water" => Lang.T("ประปา", "Water"),
        "electricity" => Lang.T("ไฟฟ้า", "Electricity"),
        "building" => Lang.T("อาคารส่วนกลาง", "Community building"),
        _ => Lang.T("อื่น ๆ", "Other"),
    };

    public static string Stage(string? code) => WorkStageService.Stages.FirstOrDefault(s => s.Code == code) is { } s
        ? Lang.T(s.NameTh, s.NameEn) : Lang.T("ยังไม่เริ่ม", "Not started");

    static readonly string[] ThaiMonths = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."];
    static readonly string[] EnglishMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>"2026-05" → "พ.ค. 2569" (the Buddhist year in both languages, as every date here).</summary>
    public static string Month(string yyyyMm)
        => MankongProjects.ParseMonth(yyyyMm) is DateOnly m ? $"{(Lang.IsEnglish ? EnglishMonths : ThaiMonths)[m.Month - 1]} {m.Year + 543}" : yyyyMm;

    /// <summary>"พ.ค. 69": a chart's axis label.</summary>
    public static string ShortMonth(string yyyyMm)
        => MankongProjects.ParseMonth(yyyyMm) is DateOnly m ? $"{(Lang.IsEnglish ? EnglishMonths : ThaiMonths)[m.Month - 1]} {(m.Year + 543) % 100:00}" : yyyyMm;
}
