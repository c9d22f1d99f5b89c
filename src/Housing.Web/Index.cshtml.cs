using Housing.Access;
using Housing.Geography;
using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web;

public sealed record HomeCard(string Href, string Title, string Text, Role[] Roles);

/// <summary>A next thing to do on the home page: what, why, and the way there.</summary>
public sealed record HomeStep(string Href, string Title, string Why);

/// <summary>The home page: what this role does here, and the way in. Features add their cards to <see cref="AllCards"/>.</summary>
public sealed class HomeModel(GeographyService geography, LedgerService ledgers, Housing.Attention.AttentionService attention) : PageModel
{
    public static readonly List<Func<HomeCard>> AllCards =
    [
        () => new("/Geography", Lang.T("จังหวัด อำเภอ ตำบล", "Provinces, districts, subdistricts"),
            Lang.T("รายชื่อพื้นที่ทั้ง 77 จังหวัด พร้อมรหัสกรมการปกครอง", "All 77 provinces with their Ministry of Interior codes"), [Role.Admin, Role.ProvincialStaff, Role.Treasurer, Role.Viewer]),
        () => new("/Budgets", Lang.T("งบประมาณและโครงการ", "Budgets and projects"),
            Lang.T("งบประมาณรายจังหวัด แบ่งให้ตำบลและชุมชน และจัดสรรรายหลัง", "Budgets per province, shared out to subdistricts and communities, and per home"),
            [Role.Admin, Role.ProvincialStaff, Role.Treasurer, Role.Viewer]),
        () => new("/Households", Lang.T("ทะเบียนครัวเรือน", "Household register"),
            Lang.T("ค้นหาและลงทะเบียนครัวเรือน นำเข้าจาก Excel", "Search and register households, import from Excel"), [Role.Admin, Role.ProvincialStaff]),
        () => new("/Households", Lang.T("ครัวเรือนในพื้นที่", "Households of your area"),
            Lang.T("ครัวเรือนที่ได้รับการสนับสนุน", "The households being helped"), [Role.Treasurer, Role.Viewer]),
        () => new("/Rollups", Lang.T("ผลการใช้จ่ายเทียบเป้าหมาย", "Spend versus target"),
            Lang.T("งบ จัดสรร เบิกจ่าย และบ้านที่สร้างเสร็จ จากทั้งประเทศถึงโครงการ พร้อมไฟล์ Excel", "Budget, allocated, paid and built, from the nation down to a project, with Excel workbooks"),
            [Role.Admin, Role.ProvincialStaff, Role.Treasurer, Role.Viewer]),
        () => new("/Jobs", Lang.T("งานเบื้องหลัง", "Background jobs"), Lang.T("รอบคำนวณสรุปผล เวลาครั้งถัดไป และสั่งทำงานทันที", "Rollup runs, next fire times, run now"), [Role.Admin]),
        () => new("/Ledgers", Lang.T("โครงการของฉัน: เงินและความคืบหน้า", "My projects: money and progress"),
            Lang.T("รับเงินโอน บันทึกการจ่าย สมุดเงินสด ความคืบหน้าพร้อมรูป", "Money received, payments, the cash book, progress with photos"),
            [Role.Treasurer, Role.Admin, Role.ProvincialStaff, Role.Viewer]),
        () => new("/Access/Users", Lang.T("ผู้ใช้งาน", "Users"), Lang.T("เพิ่มผู้ใช้ กำหนดบทบาทและพื้นที่", "Add users, set their role and area"), [Role.Admin]),
        () => new("/Access/Audit", Lang.T("บันทึกการใช้งาน", "Audit log"), Lang.T("ใครทำอะไร เมื่อไร ก่อนและหลัง", "Who did what, when, before and after"), [Role.Admin]),
    ];

    public Caller Caller { get; private set; } = Caller.System;
    public List<HomeCard> Cards { get; private set; } = [];
    public List<string> AreaNames { get; } = [];
    /// <summary>What needs attention in the caller's area: how many, and the three oldest.</summary>
    public (int Count, IReadOnlyList<Housing.Attention.AttentionFlag> Oldest) Attention { get; private set; } = (0, []);
    public DateOnly Today => attention.Today;
    /// <summary>The projects of the caller's area: the home page's figures.</summary>
    public IReadOnlyList<ProjectMoney> Projects { get; private set; } = [];
    public List<HomeStep> Steps { get; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Caller = User.ToCaller();
        Cards = AllCards.Select(f => f()).Where(c => c.Roles.Contains(Caller.Role)).ToList();
        Attention = await attention.SummaryAsync(Caller, 3, ct);
        Projects = await ledgers.ProjectsAsync(Caller, ct);
        AddSteps();
        if (Caller.ProvinceCodes.Count + Caller.SubdistrictCodes.Count == 0) return;
        foreach (var (code, th, en) in await geography.NamesAsync(Caller.ProvinceCodes, Caller.SubdistrictCodes, ct))
            AreaNames.Add((code.Length == 6 ? Lang.T("ต.", "") : "") + Lang.T(th, en));
    }

    /// <summary>The role's next things to do, from its projects' money: at most five, the most pressing first.</summary>
    void AddSteps()
    {
        if (Caller.Role == Role.Viewer) return;
        var money = Caller.Role == Role.Treasurer;
        foreach (var p in Projects.Where(p => p.Received == 0 && p.Amount > 0).Take(3))
            Steps.Add(money
                ? new($"/Transfers/Record/{p.Id}", Lang.T($"บันทึกเงินโอนที่ได้รับ: {p.Name}", $"Record the money received: {p.Name}"),
                    Lang.T("ยังไม่มีเงินโอนจาก พอช. ในสมุดเงินสด", "No transfer from CODI in the cash book yet"))
                : new($"/Projects/{p.Id}", Lang.T($"ติดตามเงินโอน: {p.Name}", $"Follow up the transfer: {p.Name}"),
                    Lang.T("โครงการยังไม่ได้รับเงินโอน", "The project has received no money yet")));
        foreach (var p in Projects.Where(p => p.Balance > 0).OrderByDescending(p => p.Balance).Take(5 - Steps.Count))
            Steps.Add(new($"/Ledgers/Project/{p.Id}",
                money ? Lang.T($"จ่ายเงินและบันทึกความคืบหน้า: {p.Name}", $"Pay and record progress: {p.Name}") : Lang.T($"เงินคงเหลือในโครงการ: {p.Name}", $"Cash on hand: {p.Name}"),
                Lang.T($"เงินคงเหลือ {Lang.Baht(p.Balance)}", $"{Lang.Baht(p.Balance)} on hand")));
    }
}
