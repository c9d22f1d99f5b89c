using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Housing.Rollups;
using Microsoft.AspNetCore.Html;

namespace Housing.Web.Rollups;

/// <summary>
/// The fiscal year month by month as inline SVG drawn on the server: cumulative money received from CODI and disbursed,
/// two lines on one baht scale. Drawn in phone-sized units (360 wide) with 14-unit text, so labels stay at 12 px or more
/// on any screen 310 px wide or wider, and print as drawn.
/// </summary>
public static class CumulativeChart
{
    // The legend's two rows and the scale's top above the plot, a row each: on a phone the text grows to 16 units (site.css).
    const int Width = 360, Left = 8, Right = 352, Top = 72, Bottom = 202, Height = 232, FontSize = 14;

    public static IHtmlContent Render(IReadOnlyList<RollupMonth> months)
    {
        var h = HtmlEncoder.Default;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var title = Lang.T("รับจาก พอช. และเบิกจ่าย สะสมรายเดือน", "Received from CODI and disbursed, cumulative by month");
        sb.Append(inv, $"""<svg class="spend-chart" data-testid="monthly-chart" viewBox="0 0 {Width} {Height}" role="img" aria-label="{h.Encode(title)}" xmlns="http://www.w3.org/2000/svg" font-size="{FontSize}">""");
        sb.Append(inv, $"""<title>{h.Encode(title)}</title>""");
        var last = months.Count > 0 ? months[^1] : new RollupMonth("", 0, 0, 0);
        sb.Append(inv, $"""<rect x="0" y="5" width="12" height="12" class="received"/><text x="16" y="16">{h.Encode(Lang.T("รับ", "Received"))} {Thai.Baht(last.Received, Lang.IsEnglish ? Thai.EnglishCulture : Thai.ThaiCulture)}</text>""");
        sb.Append(inv, $"""<rect x="0" y="31" width="12" height="12" class="paid"/><text x="16" y="42">{h.Encode(Lang.T("เบิกจ่าย", "Disbursed"))} {Thai.Baht(last.Disbursed, Lang.IsEnglish ? Thai.EnglishCulture : Thai.ThaiCulture)} · {h.Encode(Lang.T($"เสร็จ {last.CompletedHouseholds} หลัง", $"{last.CompletedHouseholds} completed"))}</text>""");
        var max = months.Count == 0 ? 0 : Math.Max(months.Max(m => m.Received), months.Max(m => m.Disbursed));
        sb.Append(inv, $"""<line x1="{Left}" y1="{Bottom}" x2="{Right}" y2="{Bottom}" class="axis"/>""");
        if (months.Count > 0 && max > 0)
        {
            double X(int i) => months.Count == 1 ? (Left + Right) / 2.0 : Left + i * (Right - Left) / (double)(months.Count - 1);
            double Y(decimal v) => Bottom - (double)(v / max) * (Bottom - Top);
            foreach (var (cls, value) in new (string, Func<RollupMonth, decimal>)[] { ("received", m => m.Received), ("paid", m => m.Disbursed) })
            {
                var points = string.Join(" ", months.Select((m, i) => string.Create(inv, $"{X(i):0.#},{Y(value(m)):0.#}")));
                sb.Append(inv, $"""<polyline points="{points}" class="line {cls}" fill="none"/>""");
            }
            for (var i = 0; i < months.Count; i++)
            {
                var m = months[i];
                sb.Append(inv, $"""<circle cx="{X(i):0.#}" cy="{Y(m.Disbursed):0.#}" r="3" class="paid"><title>{h.Encode($"{Label(m.Month)}: {Lang.T("รับ", "received")} {Lang.Baht(m.Received)} · {Lang.T("เบิกจ่าย", "disbursed")} {Lang.Baht(m.Disbursed)}")}</title></circle>""");
            }
            sb.Append(inv, $"""<text x="{Right}" y="{Top - 4}" text-anchor="end" class="muted">{h.Encode(Short(max))}</text>""");
        }
        // A month's name every third month (Oct, Jan, Apr, Jul), so the labels never crowd.
        for (var i = 0; i < months.Count; i += 3)
        {
            var x = months.Count == 1 ? (Left + Right) / 2.0 : Left + i * (Right - Left) / (double)(months.Count - 1);
            var anchor = i == 0 ? "start" : "middle";
            sb.Append(inv, $"""<text x="{x:0.#}" y="{Bottom + 20}" text-anchor="{anchor}">{h.Encode(Label(months[i].Month))}</text>""");
        }
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }

    /// <summary>"ต.ค. 68" / "Oct 68": the month and the Buddhist Era year's last two digits.</summary>
    static string Label(string month)
    {
        var d = Housing.Ledgers.MonthKey.Parse(month) ?? new DateOnly(2000, 1, 1);
        var text = Thai.Date(d, Lang.IsEnglish ? Thai.EnglishCulture : Thai.ThaiCulture);
        return text[(text.IndexOf(' ') + 1)..^4] + ((d.Year + Thai.BuddhistEraOffset) % 100).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The scale's top: "1.36 ล้านบาท" / "1.36 M baht".</summary>
    static string Short(decimal v) => v >= 1_000_000
        ? (v / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + Lang.T(" ล้านบาท", " M baht")
        : Thai.Baht(v, Lang.IsEnglish ? Thai.EnglishCulture : Thai.ThaiCulture);
}
