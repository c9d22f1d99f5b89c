using Housing.Exports;

namespace Housing.Tests.Exports;

/// <summary>The words Excel's BAHTTEXT writes for the same amounts.</summary>
public sealed class BahtTextTests
{
    [Theory]
    [InlineData("0", "ศูนย์บาทถ้วน")]
    [InlineData("0.50", "ห้าสิบสตางค์")]
    [InlineData("0.01", "หนึ่งสตางค์")]
    [InlineData("0.21", "ยี่สิบเอ็ดสตางค์")]
    [InlineData("1", "หนึ่งบาทถ้วน")]
    [InlineData("10", "สิบบาทถ้วน")]
    [InlineData("11", "สิบเอ็ดบาทถ้วน")]
    [InlineData("20", "ยี่สิบบาทถ้วน")]
    [InlineData("21", "ยี่สิบเอ็ดบาทถ้วน")]
    [InlineData("101", "หนึ่งร้อยเอ็ดบาทถ้วน")]
    [InlineData("110", "หนึ่งร้อยสิบบาทถ้วน")]
    [InlineData("1000000", "หนึ่งล้านบาทถ้วน")]
    [InlineData("11000000", "สิบเอ็ดล้านบาทถ้วน")]
    [InlineData("21000000", "ยี่สิบเอ็ดล้านบาทถ้วน")]
    [InlineData("1000001", "หนึ่งล้านเอ็ดบาทถ้วน")]
    [InlineData("1000011", "หนึ่งล้านสิบเอ็ดบาทถ้วน")]
    [InlineData("21000001", "ยี่สิบเอ็ดล้านเอ็ดบาทถ้วน")]
    [InlineData("1000001.01", "หนึ่งล้านเอ็ดบาทหนึ่งสตางค์")]
    [InlineData("1.01", "หนึ่งบาทหนึ่งสตางค์")]
    [InlineData("1.21", "หนึ่งบาทยี่สิบเอ็ดสตางค์")]
    [InlineData("25080.00", "สองหมื่นห้าพันแปดสิบบาทถ้วน")]
    [InlineData("20900.55", "สองหมื่นเก้าร้อยบาทห้าสิบห้าสตางค์")]
    [InlineData("1358500", "หนึ่งล้านสามแสนห้าหมื่นแปดพันห้าร้อยบาทถ้วน")]
    [InlineData("125400.75", "หนึ่งแสนสองหมื่นห้าพันสี่ร้อยบาทเจ็ดสิบห้าสตางค์")]
    [InlineData("-8000", "ลบแปดพันบาทถ้วน")]
    [InlineData("12.345", "สิบสองบาทสามสิบห้าสตางค์")]
    public void Amounts_read_as_BAHTTEXT_writes_them(string amount, string words)
        => Assert.Equal(words, BahtText.Of(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));
}
