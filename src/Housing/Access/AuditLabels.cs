using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Housing.Access;

/// <summary>One changed (or, for a new record, recorded) field of an audit entry, as a person reads it.</summary>
public sealed record AuditChange(string Field, string Label, string? Before, string? After);

/// <summary>
/// The audit log in words: every action the code writes named in Thai and English, the fields of the rows it records
/// with their labels, and values as a Thai auditor reads them (Buddhist Era dates, baht, names instead of codes).
/// A test finds every action written in the source and fails for one without a label here.
/// </summary>
public static partial class AuditLabels
{
    public static readonly IReadOnlyDictionary<string, Msg> Actions = new Dictionary<string, Msg>
    {
        ["user.create"] = new("เพิ่มผู้ใช้", "Add a user"),
        ["user.update"] = new("แก้ไขผู้ใช้ (บทบาท พื้นที่ การใช้งาน)", "Change a user (role, area, activity)"),
        ["user.set_password"] = new("ตั้งรหัสผ่านใหม่ให้ผู้ใช้", "Set a user's new password"),
        ["user.change_password"] = new("เปลี่ยนรหัสผ่านของตนเอง", "Change one's own password"),
        ["user.locked"] = new("ล็อกบัญชีเพราะใส่รหัสผ่านผิดหลายครั้ง", "Lock an account after failed sign-ins"),
        ["household.create"] = new("ลงทะเบียนครัวเรือน", "Register a household"),
        ["household.view_citizen_id"] = new("ดูเลขประจำตัวประชาชนเต็ม", "View a full citizen ID"),
        ["household.import"] = new("นำเข้าครัวเรือนจากไฟล์", "Import households from a file"),
        ["budget.create"] = new("ตั้งงบประมาณ", "Set a budget"),
        ["project.create"] = new("สร้างโครงการ", "Create a project"),
        ["allocation.create"] = new("อนุมัติงบรายครัวเรือน", "Allocate a budget to a home"),
        ["allocation.change"] = new("แก้ไขงบรายครัวเรือน", "Change a home's budget"),
        ["allocation.cancel"] = new("ยกเลิกงบรายครัวเรือน", "Cancel a home's budget"),
        ["transfer.record"] = new("บันทึกรับเงินโอนจาก พอช.", "Record money received from CODI"),
        ["disbursement.record"] = new("บันทึกการจ่ายเงิน", "Record a payment"),
        ["disbursement.reverse"] = new("กลับรายการจ่ายเงิน", "Reverse a payment"),
        ["milestone.record"] = new("บันทึกความคืบหน้าการก่อสร้าง", "Record construction progress"),
        ["milestone.photo"] = new("แนบรูปถ่ายความคืบหน้า", "Attach a progress photo"),
        ["job.request"] = new("สั่งงานเบื้องหลัง", "Request a background job"),
        ["job.join"] = new("ขอคำนวณซ้ำระหว่างที่งานเดิมรออยู่ (รวมกับงานเดิม)", "Ask for a run already waiting (joined it)"),
        ["household.registered_elsewhere"] = new("ลงทะเบียนซ้ำกับครัวเรือนในพื้นที่อื่น (ปฏิเสธ)", "Refused: citizen ID registered in another area"),
        ["export.rollup_workbook"] = new("ส่งออกสรุปผลเป็น Excel", "Export the rollup workbook"),
        ["export.monthly_report"] = new("ส่งออกรายงานประจำเดือนเป็น Excel", "Export the monthly report"),
        ["export.household_list"] = new("ส่งออกรายชื่อครัวเรือนของโครงการเป็น Excel", "Export a project's household list"),
        ["savings.record"] = new("รายงานเงินออมของกลุ่มออมทรัพย์", "Report a savings group's balance"),
        ["loan.create"] = new("อนุมัติสินเชื่อให้สหกรณ์", "Lend to a cooperative"),
        ["loan.drawdown"] = new("เบิกเงินกู้", "Draw on a loan"),
        ["loan.repayment"] = new("บันทึกการชำระคืนเงินกู้", "Record a loan repayment"),
        ["loan.moratorium"] = new("พักชำระหนี้", "Defer a loan's instalments"),
        ["work.create"] = new("เพิ่มงานสาธารณูปโภคของชุมชน", "Add a community work"),
        ["work.payment"] = new("จ่ายเงินค่างานสาธารณูปโภค", "Pay for a community work"),
        ["work.reverse_payment"] = new("กลับรายการจ่ายเงินค่างานสาธารณูปโภค", "Reverse a payment for a community work"),
        ["work.stage"] = new("บันทึกความคืบหน้างานสาธารณูปโภค", "Record a community work's progress"),
        ["work.photo"] = new("แนบรูปถ่ายงานสาธารณูปโภค", "Attach a community work's photo"),
        ["export.loan_book"] = new("ส่งออกทะเบียนสินเชื่อบ้านมั่นคงเป็น Excel", "Export the Baan Mankong loan book"),
        ["household.change"] = new("แก้ไขข้อมูลครัวเรือน", "Correct a household"),
        ["budget.change"] = new("แก้ไขงบประมาณ", "Change a budget"),
        ["project.change"] = new("แก้ไขโครงการ", "Change a project"),
        ["project.cancel"] = new("ยกเลิกโครงการ", "Cancel a project"),
        ["transfer.reverse"] = new("กลับรายการเงินโอนจาก พอช.", "Reverse money received from CODI"),
        ["transfer.refund"] = new("คืนเงินให้ พอช.", "Return money to CODI"),
        ["allocation.override"] = new("สนับสนุนบ้านที่เคยได้รับแล้วซ้ำ (มีเหตุผล)", "Fund a home funded before (with a reason)"),
        ["program_year.set"] = new("กำหนดหลักเกณฑ์ของปีงบประมาณ", "Set a program year's rules"),
        ["milestone.withdraw"] = new("ถอนขั้นตอนความคืบหน้าที่บันทึกผิด", "Withdraw a stage saved by mistake"),
        ["disbursement.receipt"] = new("แนบรูปใบเสร็จของการจ่ายเงิน", "Attach a receipt photo to a payment"),
    };

    /// <summary>What an entry is about (the audit log's entity), and the prefixes of the actions that group the
    /// "kind" filter.</summary>
    public static readonly IReadOnlyDictionary<string, Msg> Entities = new Dictionary<string, Msg>
    {
        ["user"] = new("ผู้ใช้", "User"),
        ["household"] = new("ครัวเรือน", "Household"),
        ["budget"] = new("งบประมาณ", "Budget"),
        ["project"] = new("โครงการ", "Project"),
        ["allocation"] = new("งบรายครัวเรือน", "Home's budget"),
        ["transfer"] = new("เงินโอนจาก พอช.", "Money from CODI"),
        ["disbursement"] = new("การจ่ายเงิน", "Payment"),
        ["milestone"] = new("ความคืบหน้า", "Progress"),
        ["milestone_photo"] = new("รูปถ่ายความคืบหน้า", "Progress photo"),
        ["job_run"] = new("งานเบื้องหลัง", "Background job"),
        ["job"] = new("งานเบื้องหลัง", "Background job"), // the actions' prefix ("job.request")
        ["export"] = new("การส่งออกข้อมูล", "Export"),
        ["savings"] = new("เงินออม", "Savings"),
        ["loan"] = new("สินเชื่อ", "Loan"),
        ["work"] = new("งานสาธารณูปโภค", "Community work"),
        ["work_payment"] = new("การจ่ายเงินค่างานสาธารณูปโภค", "Payment for a community work"),
        ["work_photo"] = new("รูปถ่ายงานสาธารณูปโภค", "Community work's photo"),
        ["program_year"] = new("หลักเกณฑ์ปีงบประมาณ", "Program year's rules"),
        ["disbursement_receipt"] = new("รูปใบเสร็จ", "Receipt photo"),
    };

    static readonly Dictionary<string, Msg> Fields = new()
    {
        ["id"] = new("รหัส", "Id"), ["username"] = new("ชื่อผู้ใช้", "Username"), ["displayName"] = new("ชื่อที่แสดง", "Display name"),
        ["role"] = new("บทบาท", "Role"), ["provinceCodes"] = new("จังหวัด", "Provinces"), ["subdistrictCodes"] = new("ตำบล", "Subdistricts"),
        ["isActive"] = new("ใช้งานได้", "Active"), ["password"] = new("รหัสผ่าน", "Password"), ["sessionsEnded"] = new("ออกจากระบบทุกเครื่อง", "Signed out everywhere"),
        ["lockedUntil"] = new("ล็อกถึง", "Locked until"), ["citizenIdMasked"] = new("เลขประจำตัวประชาชน", "Citizen ID"),
        ["headName"] = new("ชื่อหัวหน้าครัวเรือน", "Head of household"), ["houseNo"] = new("บ้านเลขที่", "House no."), ["villageNo"] = new("หมู่ที่", "Village no."),
        ["subdistrictCode"] = new("รหัสตำบล", "Subdistrict code"), ["subdistrictName"] = new("ตำบล", "Subdistrict"), ["districtName"] = new("อำเภอ", "District"),
        ["provinceCode"] = new("รหัสจังหวัด", "Province code"), ["provinceName"] = new("จังหวัด", "Province"),
        ["members"] = new("จำนวนสมาชิก", "Members"), ["monthlyIncome"] = new("รายได้ต่อเดือน", "Monthly income"),
        ["vulnerabilities"] = new("กลุ่มเปราะบาง", "Vulnerable members"), ["housingProblem"] = new("สภาพปัญหาที่อยู่อาศัย", "Housing problem"),
        ["landTenure"] = new("สิทธิในที่ดิน", "Land tenure"), ["createdAt"] = new("บันทึกเมื่อ", "Recorded at"),
        ["program"] = new("โครงการหลัก", "Program"), ["fiscalYear"] = new("ปีงบประมาณ", "Fiscal year"),
        ["targetHouseholds"] = new("เป้าหมาย (ครัวเรือน)", "Target (homes)"), ["amount"] = new("จำนวนเงิน", "Amount"),
        ["projectCount"] = new("จำนวนโครงการ", "Projects"), ["projectedHouseholds"] = new("ครัวเรือนในโครงการ", "Homes in projects"),
        ["projected"] = new("งบในโครงการ", "In projects"), ["allocated"] = new("อนุมัติรายครัวเรือนแล้ว", "Allocated"), ["unprojected"] = new("งบยังไม่ลงโครงการ", "Not yet in projects"),
        ["budgetId"] = new("รหัสงบประมาณ", "Budget id"), ["name"] = new("ชื่อ", "Name"), ["communityName"] = new("ชุมชน", "Community"),
        ["households"] = new("จำนวนครัวเรือน", "Households"), ["projectId"] = new("รหัสโครงการ", "Project id"), ["householdId"] = new("รหัสครัวเรือน", "Household id"),
        ["workType"] = new("ประเภทงาน", "Kind of work"), ["paid"] = new("จ่ายแล้ว", "Paid"), ["cancelledAt"] = new("ยกเลิกเมื่อ", "Cancelled at"),
        ["cancelReason"] = new("เหตุผลที่ยกเลิก", "Reason for cancelling"), ["isCancelled"] = new("ยกเลิกแล้ว", "Cancelled"), ["reason"] = new("เหตุผล", "Reason"),
        ["allocationId"] = new("รหัสงบรายครัวเรือน", "Allocation id"), ["paidOn"] = new("วันที่จ่าย", "Paid on"), ["payee"] = new("ผู้รับเงิน", "Payee"),
        ["payeeType"] = new("ประเภทผู้รับเงิน", "Payee type"), ["method"] = new("วิธีจ่าย", "Method"), ["receiptNo"] = new("เลขที่ใบเสร็จ", "Receipt no."),
        ["note"] = new("หมายเหตุ", "Note"), ["reversesId"] = new("กลับรายการของ", "Reverses entry"), ["stage"] = new("ขั้นตอน", "Stage"),
        ["stageOrder"] = new("ลำดับขั้นตอน", "Stage no."), ["reachedOn"] = new("วันที่ถึงขั้นตอน", "Reached on"), ["photos"] = new("รูปถ่าย", "Photos"),
        ["milestoneId"] = new("รหัสความคืบหน้า", "Milestone id"), ["contentType"] = new("ชนิดไฟล์", "File type"), ["sizeBytes"] = new("ขนาด (ไบต์)", "Size (bytes)"),
        ["sha256"] = new("ลายนิ้วมือไฟล์ (SHA-256)", "File fingerprint (SHA-256)"), ["hasThumbnail"] = new("มีภาพย่อ", "Has a thumbnail"),
        ["receivedOn"] = new("วันที่ได้รับ", "Received on"), ["reference"] = new("เลขที่อ้างอิง", "Reference"), ["file"] = new("ไฟล์", "File"),
        ["imported"] = new("นำเข้า (ครัวเรือน)", "Imported (homes)"), ["job"] = new("งาน", "Job"),
        ["month"] = new("เดือน", "Month"),
        ["kind"] = new("ชนิดรายการ", "Kind"), ["capPerHome"] = new("เพดานต่อหลัง", "Cap per home"), ["tranches"] = new("งวดเงิน", "Tranches"),
        ["paymentGates"] = new("เงื่อนไขการจ่าย", "Payment gates"), ["overrideReason"] = new("เหตุผลที่สนับสนุนซ้ำ", "Reason for funding again"),
        ["withdrawnAt"] = new("ถอนเมื่อ", "Withdrawn at"), ["withdrawReason"] = new("เหตุผลที่ถอน", "Reason for withdrawing"),
        ["disbursementId"] = new("รหัสรายการจ่าย", "Payment id"),
        ["remaining"] = new("คงเหลือ", "Remaining"), ["cash"] = new("เงินสดคงเหลือ", "Cash on hand"), ["balance"] = new("ยอดคงเหลือ", "Balance"),
        ["received"] = new("รับแล้ว", "Received"), ["disbursed"] = new("เบิกจ่ายแล้ว", "Disbursed"),
        ["existingAllocationId"] = new("การจัดสรรครั้งก่อน", "Earlier allocation"), ["allocationsCancelled"] = new("งบรายครัวเรือนที่ยกเลิกด้วย", "Home budgets cancelled with it"),
    };

    /// <summary>Fields kept in baht (shown with satang and "บาท").</summary>
    static readonly HashSet<string> Money = ["amount", "capPerHome", "monthlyIncome", "projected", "allocated", "unprojected", "paid", "remaining", "cash", "balance", "received", "disbursed"];

    /// <summary>Never shown, even to an auditor: the full citizen ID (personal data; its viewing is itself audited).</summary>
    static readonly HashSet<string> Hidden = ["citizenId", "passwordHash"];

    public static Msg Action(string action) => Actions.TryGetValue(action, out var m) ? m
        : Entities.TryGetValue(action.Split('.')[0], out var e) ? new($"{e.Th}: {action}", $"{e.En}: {action}") : new(action, action);

    public static Msg Entity(string entity) => Entities.TryGetValue(entity, out var m) ? m : new(entity, entity);

    public static Msg Role(string role) => role switch
    {
        "Admin" => new("ผู้ดูแลระบบ", "Administrator"),
        "ProvincialStaff" => new("เจ้าหน้าที่จังหวัด", "Provincial staff"),
        "Treasurer" => new("เหรัญญิก", "Treasurer"),
        "Viewer" => new("ผู้ติดตามผล", "Viewer"),
        _ => new(role, role),
    };

    /// <summary>
    /// The fields an entry changed: for a change, those whose value differs between before and after; for a new
    /// record, every field it recorded. A change's after written as <c>{ after: {...}, reason }</c> is read as one
    /// object. <paramref name="name"/> turns a province or subdistrict code into its name (null: show the code).
    /// </summary>
    public static IReadOnlyList<AuditChange> Changes(string? beforeJson, string? afterJson, CultureInfo culture, Func<string, string?>? name = null)
    {
        var before = Flatten(beforeJson);
        var after = Flatten(afterJson);
        var english = culture.TwoLetterISOLanguageName == "en";
        var changes = new List<AuditChange>();
        foreach (var field in before.Keys.Union(after.Keys))
        {
            if (Hidden.Contains(field)) continue;
            // Names kept in both languages: show the reader's, skip the other.
            if (field.EndsWith(english ? "NameTh" : "NameEn", StringComparison.Ordinal)) continue;
            var b = before.TryGetValue(field, out var bv) ? bv : (JsonElement?)null;
            var a = after.TryGetValue(field, out var av) ? av : (JsonElement?)null;
            if (beforeJson is not null && afterJson is not null && b?.GetRawText() == a?.GetRawText()) continue;
            var key = Regex.Replace(field, "Name(Th|En)$", "Name");
            var label = Fields.TryGetValue(key, out var l) ? l.For(culture) : field;
            changes.Add(new AuditChange(field, label, Format(field, b, culture, name), Format(field, a, culture, name)));
        }
        return changes;
    }

    static Dictionary<string, JsonElement> Flatten(string? json)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (json is null) return fields;
        var root = JsonDocument.Parse(json).RootElement.Clone();
        if (root.ValueKind != JsonValueKind.Object) return fields;
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name == "after" && p.Value.ValueKind == JsonValueKind.Object)
                foreach (var inner in p.Value.EnumerateObject()) fields.TryAdd(inner.Name, inner.Value);
            else fields[p.Name] = p.Value;
        }
        return fields;
    }

    /// <summary>A value as a person reads it; null when the field was absent.</summary>
    public static string? Format(string field, JsonElement? value, CultureInfo culture, Func<string, string?>? name = null)
    {
        if (value is not JsonElement v) return null;
        var th = culture.TwoLetterISOLanguageName != "en";
        switch (v.ValueKind)
        {
            case JsonValueKind.Null: return "—";
            case JsonValueKind.True: return th ? "ใช่" : "Yes";
            case JsonValueKind.False: return th ? "ไม่ใช่" : "No";
            case JsonValueKind.Number:
                if (Money.Contains(field) && v.TryGetDecimal(out var baht)) return Thai.Baht(baht, culture);
                if (field == "fiscalYear") return v.GetRawText();
                return v.TryGetInt64(out var n) && !field.EndsWith("Id", StringComparison.Ordinal) && field != "id" ? Thai.Number(n) : v.GetRawText();
            case JsonValueKind.Array:
                if (field == "photos") return Thai.Number(v.GetArrayLength());
                if (field is "tranches" or "paymentGates" && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object))
                    return v.GetArrayLength() == 0 ? "—" : string.Join("; ", v.EnumerateArray().Select((e, i) => Rule(field, i + 1, e, culture)));
                var items = v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? Text(field, e.GetString()!, culture, name) : e.GetRawText()).ToList();
                return items.Count == 0 ? "—" : string.Join(", ", items);
            case JsonValueKind.String: return Text(field, v.GetString()!, culture, name);
            default: return v.GetRawText();
        }
    }

    static string Text(string field, string s, CultureInfo culture, Func<string, string?>? name)
    {
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return Thai.Date(d, culture);
        if (IsoTime().IsMatch(s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return Thai.DateTime(t, culture);
        if (field is "role") return Role(s).For(culture);
        if (field is "provinceCodes" or "subdistrictCodes" or "provinceCode" or "subdistrictCode") return name?.Invoke(s) is { } n ? $"{n} ({s})" : s;
        if (field is "password" && s == "changed") return culture.TwoLetterISOLanguageName == "en" ? "changed" : "เปลี่ยนแล้ว";
        if (field is "stage") return Housing.Milestones.MilestoneService.Stages.FirstOrDefault(x => x.Code == s) is { } st ? (culture.TwoLetterISOLanguageName == "en" ? st.NameEn : st.NameTh) : s;
        if (field is "program") return s switch { "BPP" => culture.TwoLetterISOLanguageName == "en" ? "Baan Por Piang" : "บ้านพอเพียง", "BMK" => culture.TwoLetterISOLanguageName == "en" ? "Baan Mankong" : "บ้านมั่นคง", _ => s };
        if (field is "workType") return Housing.Allocations.WorkTypes.All.FirstOrDefault(w => w.Code == s) is { Name.Th: not null } w ? w.Name.For(culture) : s;
        if (field is "kind") return Housing.Ledgers.MoneyNames.Kind(s).For(culture);
        if (field is "payeeType") return Housing.Ledgers.MoneyNames.PayeeType(s).For(culture);
        if (field is "method") return Housing.Ledgers.MoneyNames.Method(s).For(culture);
        if (field is "landTenure") return Housing.Households.HouseholdLists.Name(Housing.Households.HouseholdLists.LandTenures, s).For(culture);
        if (field is "vulnerabilities") return Housing.Households.HouseholdLists.Name(Housing.Households.HouseholdLists.Vulnerabilities, s).For(culture);
        return s;
    }

    /// <summary>A tranche or payment gate of a program year's rules in words: "งวด 2: 40% เมื่อบ้าน 50% ถึงขั้นซื้อวัสดุ (มีรูป)".</summary>
    static string Rule(string field, int n, JsonElement e, CultureInfo culture)
    {
        var en = culture.TwoLetterISOLanguageName == "en";
        string? Get(string name) => e.TryGetProperty(name, out var x) && x.ValueKind != JsonValueKind.Null ? (x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText()) : null;
        var stage = Get("stage") is { } code ? Housing.Milestones.MilestoneService.Stages.FirstOrDefault(x => x.Code == code) is { } st ? (en ? st.NameEn : st.NameTh) : code : null;
        var photo = Get("photo") == "true" ? (en ? " with a photo" : " (มีรูป)") : "";
        if (field == "paymentGates")
            return en ? $"at {stage}{photo}: up to {Get("payableShare")} %" : $"ขั้น{stage}{photo}: จ่ายได้ถึง {Get("payableShare")}%";
        var condition = stage is null ? "" : en ? $" once {Get("homesPercent") ?? "100"} % of homes reach {stage}{photo}" : $" เมื่อบ้าน {Get("homesPercent") ?? "100"}% ถึงขั้น{stage}{photo}";
        return en ? $"tranche {n}: {Get("share")} %{condition}" : $"งวด {n}: {Get("share")}%{condition}";
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")]
    private static partial Regex IsoTime();
}
