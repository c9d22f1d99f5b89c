namespace Housing.Tests;

public sealed class ThaiTests
{
    [Theory]
    [InlineData("1101700203450", true)]
    [InlineData("3100600445619", true)]
    [InlineData("1101700203451", false)]
    [InlineData("110170020345", false)]
    [InlineData("11017002034500", false)]
    [InlineData("1101700a03450", false)]
    [InlineData(null, false)]
    public void The_citizen_ID_checksum_is_checked(string? id, bool valid) => Assert.Equal(valid, CitizenId.IsValid(id));

    [Fact]
    public void Check_digits_make_valid_IDs_and_IDs_are_masked_and_formatted()
    {
        var first12 = "110170020345";
        Assert.True(CitizenId.IsValid(first12 + CitizenId.CheckDigit(first12)));
        Assert.Equal("1-xxxx-xxxxx-45-0", CitizenId.Mask("1101700203450"));
        Assert.Equal("1-1017-00203-45-0", CitizenId.Format("1101700203450"));
        Assert.Equal("1101700203450", CitizenId.Normalize("1-1017-00203-45-0"));
    }

    [Theory]
    [InlineData(2021, 10, 1, 2565)]
    [InlineData(2022, 9, 30, 2565)]
    [InlineData(2022, 1, 20, 2565)]
    [InlineData(2017, 12, 31, 2561)]
    [InlineData(2026, 11, 22, 2570)]
    public void The_fiscal_year_runs_October_to_September_in_Buddhist_Era(int y, int m, int d, int fy)
        => Assert.Equal(fy, Thai.FiscalYear(new DateOnly(y, m, d)));

    [Fact]
    public void Dates_and_baht_read_the_Thai_way_in_both_languages()
    {
        Assert.Equal((new DateOnly(2021, 10, 1), new DateOnly(2022, 9, 30)), Thai.FiscalYearDates(2565));
        Assert.Equal("20 ม.ค. 2565", Thai.Date(new DateOnly(2022, 1, 20), Thai.ThaiCulture));
        Assert.Equal("20 Jan 2565", Thai.Date(new DateOnly(2022, 1, 20), Thai.EnglishCulture));
        Assert.Equal("1,358,500.00 บาท", Thai.Baht(1_358_500m, Thai.ThaiCulture));
        Assert.Equal("20,900.00 baht", Thai.Baht(20_900m, Thai.EnglishCulture));
        Assert.Equal("1 ต.ค. 2564 07:00", Thai.DateTime(new DateTimeOffset(2021, 10, 1, 0, 0, 0, TimeSpan.Zero), Thai.ThaiCulture));
    }

    [Fact]
    public void Money_input_is_checked_for_sign_decimals_and_size()
    {
        static string? Error(decimal? a) { var v = new Validator().Money(a, "amount"); try { v.ThrowIfInvalid(); return null; } catch (ValidationFailed e) { return e.Errors["amount"][0].En; } }
        Assert.Null(Error(20_900.00m));
        Assert.Null(Error(99_999_999.99m));
        Assert.Equal("The amount must be more than zero.", Error(0m));
        Assert.Equal("The amount must be more than zero.", Error(-1m));
        Assert.Equal("The amount may have at most 2 decimals.", Error(1.005m));
        Assert.Equal("The amount is over 99,999,999.99 baht.", Error(100_000_000m));
        Assert.Equal("An amount is required.", Error(null));
    }
}
