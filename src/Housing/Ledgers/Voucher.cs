namespace Housing.Ledgers;

/// <summary>A payment as its voucher shows it: the payee, the amount, the home it paid for and how.</summary>
public sealed record VoucherRow(long Id, long ProjectId, long AllocationId, DateOnly PaidOn, string Payee, string PayeeType, string Method, string? ReceiptNo,
    string? Note, decimal Amount, long? ReversesId, long? ReversedById, string? Reason, string HeadName, string HouseNo, int? VillageNo, string WorkType)
{
    /// <summary>Its receipt photos (<c>GET /receipts/{id}</c>), oldest first.</summary>
    public IReadOnlyList<long> ReceiptIds { get; init; } = [];
}

/// <summary>The payment voucher (ใบสำคัญรับเงิน) of one payment of a project.</summary>
public sealed record Voucher(ProjectMoney Project, VoucherRow Payment)
{
    public const string Sql = """
        SELECT d.id, d.project_id, d.allocation_id, d.paid_on, d.payee, d.payee_type, d.method, d.receipt_no, d.note, d.amount, d.reverses_id,
               (SELECT r.id FROM disbursements r WHERE r.reverses_id = d.id) AS reversed_by_id, d.reason,
               h.head_name, h.house_no, h.village_no, a.work_type
        FROM disbursements d JOIN allocations a ON a.id = d.allocation_id JOIN households h ON h.id = a.household_id
        WHERE d.id = @disbursementId
        """;
}
