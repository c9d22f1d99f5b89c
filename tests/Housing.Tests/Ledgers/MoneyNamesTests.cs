using System.Globalization;
using Housing.Disbursements;
using Housing.Ledgers;
using Housing.Mankong;
using Housing.Web.Ledgers;

namespace Housing.Tests.Ledgers;

/// <summary>The money codes have one set of names (<see cref="MoneyNames"/>), which the pages, the monthly workbook and the
/// audit log read: every code the services accept is named in both languages, and a code without a name reads as itself.</summary>
public sealed class MoneyNamesTests
{
    /// <summary>The kinds of a cash book line (<see cref="LedgerEntry"/>: what LedgerService's SQL writes) and of a
    /// transfers row (transfer, reversal, refund), which the audit log shows.</summary>
    static readonly string[] EntryKinds = ["transfer", "transfer_reversal", "refund", "payment", "work_payment", "reversal"];

    public static TheoryData<string, string> Codes()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in DisbursementService.PayeeTypes.Union(WorkService.PayeeTypes)) data.Add("payeeType", t);
        foreach (var m in DisbursementService.Methods) data.Add("method", m);
        foreach (var k in EntryKinds) data.Add("kind", k);
        return data;
    }

    static Msg Name(string field, string code) => field switch
    {
        "payeeType" => MoneyNames.PayeeType(code),
        "method" => MoneyNames.Method(code),
        _ => MoneyNames.Kind(code),
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_a_service_accepts_has_a_Thai_and_an_English_name(string field, string code)
    {
        var name = Name(field, code);
        Assert.False(string.IsNullOrWhiteSpace(name.Th), $"{field} {code}: no Thai name");
        Assert.False(string.IsNullOrWhiteSpace(name.En), $"{field} {code}: no English name");
        Assert.NotEqual(code, name.Th);
        Assert.NotEqual(code, name.En);
        Assert.Matches("[\u0E00-\u0E7F]", name.Th);
        Assert.DoesNotMatch("[\u0E00-\u0E7F]", name.En);
    }

    [Fact]
    public void A_contractor_is_a_contractor_and_a_code_without_a_name_reads_as_itself_on_the_pages_too()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = Thai.ThaiCulture;
            Assert.Equal(["ผู้รับเหมา", "ร้านค้า/ผู้ขายวัสดุ", "ครัวเรือน"], new[] { "contractor", "supplier", "household" }.Select(MoneyText.PayeeType));
            Assert.Equal("cooperative", MoneyText.PayeeType("cooperative"));
            CultureInfo.CurrentUICulture = Thai.EnglishCulture;
            Assert.Equal(["Contractor", "Supplier", "Household"], new[] { "contractor", "supplier", "household" }.Select(MoneyText.PayeeType));
            Assert.Equal(["Transfer", "Cash", "Cheque", "card"], new[] { "transfer", "cash", "cheque", "card" }.Select(MoneyText.Method));
            Assert.Equal(["Received from CODI", "Payment", "loan_drawdown"], new[] { "transfer", "payment", "loan_drawdown" }.Select(MoneyText.Kind));
        }
        finally { CultureInfo.CurrentUICulture = before; }
        Assert.Equal(new Msg("cooperative", "cooperative"), MoneyNames.PayeeType("cooperative"));
    }

    [Fact]
    public void The_audit_log_names_the_codes_as_the_pages_do()
    {
        var changes = Housing.Access.AuditLabels.Changes(null, """{"payeeType":"contractor","method":"cheque","kind":"work_payment"}""", Thai.EnglishCulture);
        Assert.Equal([("Payee type", "Contractor"), ("Method", "Cheque"), ("Kind", "Paid for a community work")], changes.Select(c => (c.Label, c.After)).ToArray());
        var road = Housing.Access.AuditLabels.Changes(null, """{"kind":"road"}""", Thai.ThaiCulture);
        Assert.Equal("road", Assert.Single(road).After); // a work's kind is no money code: shown as it is, never as a payment
    }
}
