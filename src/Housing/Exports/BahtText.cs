namespace Housing.Exports;

/// <summary>
/// An amount in Thai words as Excel's BAHTTEXT writes it on cheques and vouchers: "สองหมื่นห้าพันแปดสิบบาทถ้วน",
/// "สองหมื่นเก้าร้อยบาทห้าสิบห้าสตางค์", "ห้าสิบสตางค์". Satang are rounded to two places (half away from zero).
/// </summary>
public static class BahtText
{
    static readonly string[] Digits = ["ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"];
    static readonly string[] Places = ["", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน"];

    public static string Of(decimal amount)
    {
        var rounded = Math.Round(Math.Abs(amount), 2, MidpointRounding.AwayFromZero);
        var baht = decimal.Truncate(rounded);
        var satang = (int)((rounded - baht) * 100);
        var sign = amount < 0 && rounded != 0 ? "ลบ" : "";
        if (baht == 0 && satang == 0) return "ศูนย์บาทถ้วน";
        var text = baht == 0 ? "" : Words(baht) + "บาท";
        return sign + text + (satang == 0 ? "ถ้วน" : Words(satang) + "สตางค์");
    }

    /// <summary>A whole number: groups of six digits joined by ล้าน ("สิบเอ็ดล้าน").</summary>
    static string Words(decimal n)
    {
        if (n >= 1_000_000)
        {
            var millions = decimal.Truncate(n / 1_000_000);
            var rest = n - millions * 1_000_000;
            return Words(millions) + "ล้าน" + (rest == 0 ? "" : Group((int)rest, afterHigher: true));
        }
        return Group((int)n);
    }

    /// <summary>Up to six digits. A one in the tens is สิบ, a two ยี่สิบ; a one in the units after other digits is เอ็ด (11, 21, 101),
    /// also when those digits are the millions before the group (1,000,001 is หนึ่งล้านเอ็ด, as BAHTTEXT writes it).</summary>
    static string Group(int n, bool afterHigher = false)
    {
        var s = "";
        var digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[i] - '0';
            var place = digits.Length - 1 - i;
            if (d == 0) continue;
            if (place == 1) s += d switch { 1 => "สิบ", 2 => "ยี่สิบ", _ => Digits[d] + "สิบ" };
            else if (place == 0 && d == 1 && (digits.Length > 1 || afterHigher)) s += "เอ็ด";
            else s += Digits[d] + Places[place];
        }
        return s;
    }
}
