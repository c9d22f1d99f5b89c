using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Housing.Mankong;
using Microsoft.AspNetCore.Html;

namespace Housing.Web.Mankong;

/// <summary>
/// The savings group's monthly balance as inline SVG bars drawn on the server (no script, the same on a phone and on
/// paper, like the rollups' bars), with the 10 % line: the savings a loan of <c>lineOf</c> needs. A bar at or above
/// the line is drawn in the "met" colour.
/// </summary>
public static class SavingsChart
{
    const int Width = 360, Height = 200, Left = 48, Bottom = 24, Top = 20;

    public static IHtmlContent Render(IReadOnlyList<SavingsView> months, decimal? lineOf)
    {
        var h = HtmlEncoder.Default;
        var line = lineOf is decimal a ? Math.Round(a * LoanService.SavingsShare, 2, MidpointRounding.AwayFromZero) : (decimal?)null;
        var max = Math.Max(months.Count == 0 ? 0 : months.Max(m => m.Balance), line ?? 0);
        if (max <= 0) max = 1;
        var plot = Height - Top - Bottom;
        double Y(decimal v) => Top + plot - (double)(v / max) * plot;
        var title = Lang.T("เงินออมรายเดือน และเส้น 10% ของเงินกู้", "Monthly savings and the 10 % line of the loan");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""<svg class="spend-chart savings-chart" data-testid="savings-chart" viewBox="0 0 {Width} {Height}" role="img" aria-label="{h.Encode(title)}" xmlns="http://www.w3.org/2000/svg" font-size="11">""");
        sb.Append(CultureInfo.InvariantCulture, $"""<title>{h.Encode(title)}</title>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<text x="0" y="12">{h.Encode(Thai.Baht(max))}</text><line x1="{Left}" y1="{Top + plot}" x2="{Width}" y2="{Top + plot}" stroke="#5b6b76"/>""");
        var slot = months.Count == 0 ? 0 : (double)(Width - Left) / months.Count;
        var labelEvery = Math.Max(1, (int)Math.Ceiling(months.Count / 6.0));
        for (var i = 0; i < months.Count; i++)
        {
            var m = months[i];
            var x = Left + i * slot;
            var y = Y(m.Balance);
            // Colours as attributes: the rollups' stylesheet sizes the chart, and no rule of its own is needed.
            var fill = line is decimal l && m.Balance >= l ? "#1b7f3b" : "#7fb3a8";
            sb.Append(CultureInfo.InvariantCulture, $"""<rect x="{x + slot * 0.15:0.#}" y="{y:0.#}" width="{slot * 0.7:0.#}" height="{Top + plot - y:0.#}" fill="{fill}" data-month="{m.Month}"><title>{h.Encode($"{MankongText.Month(m.Month)}: {Thai.Baht(m.Balance)} · {m.Members}")}</title></rect>""");
            if (i % labelEvery == 0)
                sb.Append(CultureInfo.InvariantCulture, $"""<text x="{x + slot / 2:0.#}" y="{Height - 8}" text-anchor="middle">{h.Encode(MankongText.ShortMonth(m.Month))}</text>""");
        }
        if (line is decimal ten)
        {
            var y = Y(ten);
            sb.Append(CultureInfo.InvariantCulture, $"""<g data-testid="ten-percent-line"><line x1="{Left}" y1="{y:0.#}" x2="{Width}" y2="{y:0.#}" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="5 3"/>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="0" y="{y + 4:0.#}" fill="#b3261e">10%</text><title>{h.Encode(Lang.T("10% ของเงินกู้", "10 % of the loan") + ": " + Thai.Baht(ten))}</title></g>""");
        }
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }
}
