using System.Globalization;

namespace Housing.Web;

/// <summary>Text in the user's language: <c>Lang.T("บันทึก", "Save")</c>. Thai unless the user switched to English.</summary>
public static class Lang
{
    public const string CookieName = "housing.lang";
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";
    public static string T(string th, string en) => IsEnglish ? en : th;
    public static string Code => IsEnglish ? "en" : "th";
    public static string Date(DateOnly d) => Thai.Date(d);
    public static string Date(DateTimeOffset t) => Thai.DateTime(t);
    public static string Baht(decimal a) => Thai.Baht(a);
}
