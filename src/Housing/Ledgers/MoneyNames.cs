namespace Housing.Ledgers;

/// <summary>
/// The one set of names of the money codes, in Thai and English: a cash book entry's kind, a payee's type and a
/// payment's method. The pages (MoneyText), the monthly workbook and the audit log all read these, so a code is called
/// the same wherever it shows. A code without a name reads as itself, never as another code's name.
/// </summary>
public static class MoneyNames
{
    /// <summary>The kinds of <see cref="LedgerEntry"/>, and of a transfers row (whose <c>reversal</c> the cash book calls
    /// <c>transfer_reversal</c>; the audit log shows the row's own code).</summary>
    static readonly Dictionary<string, Msg> Kinds = new()
    {
        ["transfer"] = new("รับเงินโอนจาก พอช.", "Received from CODI"),
        ["transfer_reversal"] = new("กลับรายการเงินโอน", "Transfer reversed"),
        ["refund"] = new("คืนเงินให้ พอช.", "Returned to CODI"),
        ["payment"] = new("จ่าย", "Payment"),
        ["work_payment"] = new("จ่ายค่างานสาธารณูปโภค", "Paid for a community work"),
        ["reversal"] = new("กลับรายการ", "Reversal"),
    };

    /// <summary>A home's payees (<see cref="Disbursements.DisbursementService.PayeeTypes"/>) and a community work's
    /// (<see cref="Mankong.WorkService.PayeeTypes"/>).</summary>
    static readonly Dictionary<string, Msg> PayeeTypes = new()
    {
        ["household"] = new("ครัวเรือน", "Household"),
        ["supplier"] = new("ร้านค้า/ผู้ขายวัสดุ", "Supplier"),
        ["contractor"] = new("ผู้รับเหมา", "Contractor"),
    };

    /// <summary><see cref="Disbursements.DisbursementService.Methods"/>, which a work's payments share.</summary>
    static readonly Dictionary<string, Msg> Methods = new()
    {
        ["transfer"] = new("โอนเงิน", "Transfer"),
        ["cash"] = new("เงินสด", "Cash"),
        ["cheque"] = new("เช็ค", "Cheque"),
    };

    public static Msg Kind(string code) => Name(Kinds, code);
    public static Msg PayeeType(string code) => Name(PayeeTypes, code);
    public static Msg Method(string code) => Name(Methods, code);

    static Msg Name(Dictionary<string, Msg> names, string code) => names.TryGetValue(code, out var m) ? m : new(code, code);
}
