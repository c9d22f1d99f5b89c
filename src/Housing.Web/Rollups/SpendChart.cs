using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Housing.Rollups;
using Microsoft.AspNetCore.Html;

namespace Housing.Web.Rollups;

/// <summary>
/// Spend-versus-target bars as inline SVG drawn on the server: no script, the same on a phone and on
/// paper. Per row, the upper bar is money paid as a share of the budget, the lower homes completed as
/// a share of the target; each track is 100 %.
/// </summary>
public static class SpendChart
{
    // Phone-sized units (a 360 px screen draws it 1:1): the name on its own line, the two bars beneath it.
    const int Width = 360, BarWidth = 290, RowHeight = 50, Top = 24;

    public static IHtmlContent Render(IReadOnlyList<RollupRow> rows, Func<RollupRow, string> label)
    {
        var h = HtmlEncoder.Default;
        var height = Top + rows.Count * RowHeight;
        var sb = new StringBuilder();
        var title = Lang.T("เบิกจ่ายเทียบงบประมาณ และสร้างเสร็จเทียบเป้าหมาย", "Paid against budget and homes completed against target");
        sb.Append(CultureInfo.InvariantCulture, $"""<svg class="spend-chart" data-testid="spend-chart" viewBox="0 0 {Width} {height}" role="img" aria-label="{h.Encode(title)}" xmlns="http://www.w3.org/2000/svg" font-size="12">""");
        sb.Append(CultureInfo.InvariantCulture, $"""<title>{h.Encode(title)}</title>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<rect x="0" y="4" width="10" height="10" class="paid"/><text x="14" y="13">{h.Encode(Lang.T("เบิกจ่าย % ของงบ", "Paid, % of budget"))}</text>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<rect x="170" y="4" width="10" height="10" class="done"/><text x="184" y="13">{h.Encode(Lang.T("สร้างเสร็จ % ของเป้า", "Completed, % of target"))}</text>""");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var y = Top + i * RowHeight;
            var name = label(r);
            sb.Append(CultureInfo.InvariantCulture, $"""<g data-code="{h.Encode(r.Code)}"><title>{h.Encode($"{name}: {Pct(r.PercentBudgetPaid)} · {Pct(r.PercentTargetCompleted)}")}</title>""");
            sb.Append(CultureInfo.InvariantCulture, $"""<text x="0" y="{y + 12}" font-weight="600">{h.Encode(Clip(name))}</text>""");
            Bar(sb, y + 18, r.PercentBudgetPaid, "paid");
            Bar(sb, y + 32, r.PercentTargetCompleted, "done");
            sb.Append("</g>");
        }
        sb.Append("</svg>");
        return new HtmlString(sb.ToString());
    }

    static void Bar(StringBuilder sb, int y, decimal percent, string cls)
    {
        var w = (double)Math.Clamp(percent, 0, 100) / 100 * BarWidth;
        sb.Append(CultureInfo.InvariantCulture, $"""<rect x="0" y="{y}" width="{BarWidth}" height="11" class="track"/>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<rect x="0" y="{y}" width="{w:0.#}" height="11" class="{cls}"/>""");
        sb.Append(CultureInfo.InvariantCulture, $"""<text x="{BarWidth + 6}" y="{y + 10}">{Pct(percent)}</text>""");
    }

    public static string Pct(decimal p) => p.ToString("0.0", CultureInfo.InvariantCulture) + " %";

    static string Clip(string s) => s.Length <= 48 ? s : s[..47] + "…";
}
