using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Housing.Access;

namespace Housing.Tests.Access;

public sealed class AuditLabelTests(TestApp app) : IClassFixture<TestApp>
{
    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Housing.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Housing.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every action the code writes: the literal given to Audit.WriteAsync, and the literal of SQL that
    /// inserts audit rows itself (the payment's one-round-trip batch).</summary>
    static HashSet<string> ActionsInSource()
    {
        var root = RepoRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "migrations"), "*.sql"));
        var found = new HashSet<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (Match m in Regex.Matches(text, @"Audit(?:\.Write|)Async\([^;]*?""([a-z_]+\.[a-z_]+)""")) found.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"AuditAction\s*=\s*""([a-z_]+\.[a-z_]+)""")) found.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"INSERT INTO audit_log[^;]*?'([a-z_]+\.[a-z_]+)'", RegexOptions.IgnoreCase)) found.Add(m.Groups[1].Value);
        }
        return found;
    }

    [Fact]
    public void Every_action_written_somewhere_has_a_Thai_and_an_English_label_and_every_label_is_written()
    {
        var written = ActionsInSource();
        // The scan must see both ways of writing: through Audit.WriteAsync and the payment's own SQL.
        Assert.Contains("user.create", written);
        Assert.Contains("disbursement.record", written);
        var missing = written.Where(a => !AuditLabels.Actions.ContainsKey(a)).Order().ToList();
        Assert.True(missing.Count == 0, "Actions without a label in AuditLabels.Actions: " + string.Join(", ", missing));
        var stale = AuditLabels.Actions.Keys.Except(written).Order().ToList();
        Assert.True(stale.Count == 0, "Labels of actions no code writes: " + string.Join(", ", stale));
        foreach (var (action, label) in AuditLabels.Actions)
        {
            Assert.Matches("[\u0E00-\u0E7F]", label.Th);
            Assert.DoesNotMatch("[\u0E00-\u0E7F]", label.En);
            Assert.True(AuditLabels.Entities.ContainsKey(action.Split('.')[0]), $"{action}: its kind has no label");
        }
        Assert.Equal("บันทึกการจ่ายเงิน", AuditLabels.Action("disbursement.record").Th);
    }

    [Fact]
    public void A_change_shows_only_the_changed_fields_with_Thai_labels_baht_and_Buddhist_Era_dates()
    {
        var before = """{"id":7,"amount":20900.00,"paid":0,"workType":"repair","cancelledAt":null,"createdAt":"2026-11-22T03:15:00Z","citizenId":"1101700203451"}""";
        var after = """{"after":{"id":7,"amount":18000.00,"paid":0,"workType":"rebuild","cancelledAt":"2026-11-23T10:00:00Z","createdAt":"2026-11-22T03:15:00Z","citizenId":"1101700203451"},"reason":"ราคาวัสดุลดลง"}""";
        var th = AuditLabels.Changes(before, after, Thai.ThaiCulture);
        Assert.Equal(
            [("จำนวนเงิน", "20,900.00 บาท", "18,000.00 บาท"), ("ประเภทงาน", "ซ่อมแซม", "สร้างใหม่ทดแทนหลังเดิม"), ("ยกเลิกเมื่อ", "—", "23 พ.ย. 2569 17:00"), ("เหตุผล", null, "ราคาวัสดุลดลง")],
            th.Select(c => (c.Label, c.Before, c.After)).ToArray());
        var en = AuditLabels.Changes(null, """{"paidOn":"2022-01-06","amount":5000,"role":"Treasurer","isActive":true}""", Thai.EnglishCulture);
        Assert.Equal([("Paid on", null, "6 Jan 2565"), ("Amount", null, "5,000.00 baht"), ("Role", null, "Treasurer"), ("Active", null, "Yes")],
            en.Select(c => (c.Label, c.Before, c.After)).ToArray());
    }

    [Fact]
    public void Codes_and_program_rules_read_as_words_and_every_money_field_has_a_label()
    {
        var refund = AuditLabels.Changes(null, """{"kind":"refund","payeeType":"supplier","method":"transfer","remaining":1000,"cash":250.5}""", Thai.ThaiCulture);
        Assert.Equal([("ชนิดรายการ", "คืนเงินให้ พอช."), ("ประเภทผู้รับเงิน", "ร้านค้า/ผู้ขายวัสดุ"), ("วิธีจ่าย", "โอนเงิน"), ("คงเหลือ", "1,000.00 บาท"), ("เงินสดคงเหลือ", "250.50 บาท")],
            refund.Select(c => (c.Label, c.After)).ToArray());
        var rules = """{"tranches":[{"share":40},{"share":60,"stage":"completed","homesPercent":50,"photo":true}],"paymentGates":[{"stage":"materials_bought","payableShare":60}]}""";
        Assert.Equal([("งวดเงิน", "งวด 1: 40%; งวด 2: 60% เมื่อบ้าน 50% ถึงขั้นแล้วเสร็จ (มีรูป)"), ("เงื่อนไขการจ่าย", "ขั้นจัดซื้อวัสดุ: จ่ายได้ถึง 60%")],
            AuditLabels.Changes(null, rules, Thai.ThaiCulture).Select(c => (c.Label, c.After)).ToArray());
        Assert.Equal([("Tranches", "tranche 1: 40 %; tranche 2: 60 % once 50 % of homes reach Completed with a photo"), ("Payment gates", "at Materials bought: up to 60 %")],
            AuditLabels.Changes(null, rules, Thai.EnglishCulture).Select(c => (c.Label, c.After)).ToArray());
    }

    [Fact]
    public async Task The_page_names_actions_in_words_and_filters_by_project_kind_person_and_Buddhist_Era_dates()
    {
        var admin = await app.CreateUserAsync(Role.Admin);
        var client = await app.ClientForAsync(admin.Username);
        var year = Seed.MoneyYear();
        var budget = await Seed.BudgetAsync(client, "54", year, 65, 1_358_500m);
        var one = await Seed.ProjectAsync(client, budget.Id, "540101", 6, 125_400m);
        var two = await Seed.ProjectAsync(client, budget.Id, "540102", 6, 125_400m);
        foreach (var p in new[] { one, two })
        {
            var h = await Seed.HouseholdAsync(client, p.SubdistrictCode);
            var a = await Seed.AllocationAsync(client, p.Id, h.Id, 20_900m);
            (await client.PostAsJsonAsync($"/api/v1/projects/{p.Id}/transfers", new { amount = 20_900m, receivedOn = "2022-01-05", reference = $"CODI-{p.Id}" })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/disbursements", new { amount = 5_000m, paidOn = "2022-01-06", payee = "ร้านวัสดุแพร่", receiptNo = $"R-{p.Id}" })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync($"/api/v1/allocations/{a.Id}/milestones", new { stage = "surveyed", reachedOn = "2022-01-04" })).EnsureSuccessStatusCode();
        }

        // Project one: its creation, the home's budget, the money in, the payment and the milestone.
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit?project={one.Id}");
        Assert.Equal(["allocation.create", "disbursement.record", "milestone.record", "project.create", "transfer.record"],
            page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()!).Order().ToArray());

        var today = Thai.Today();
        var html = await client.GetStringAsync($"/Access/Audit?actor={admin.Username}&kind=disbursement.record&province=54&project={one.Id}" +
            $"&fd={today.Day}&fm={today.Month}&fy={today.Year + 543}&td={today.Day}&tm={today.Month}&ty={today.Year + 543}");
        Assert.Contains("ทั้งหมด 1 รายการ", html);
        Assert.Contains("บันทึกการจ่ายเงิน", html);
        Assert.Contains("5,000.00 บาท", html);
        Assert.Contains("6 ม.ค. 2565", html);
        Assert.Contains("ร้านวัสดุแพร่", html);
        Assert.DoesNotContain("disbursement.record</", html);
        Assert.Contains($"<option value=\"{one.Id}\" selected=\"selected\">", html);

        // Yesterday and before: nothing of today's.
        var yesterday = today.AddDays(-1);
        var none = await client.GetStringAsync($"/Access/Audit?actor={admin.Username}&td={yesterday.Day}&tm={yesterday.Month}&ty={yesterday.Year + 543}");
        Assert.Contains("ทั้งหมด 0 รายการ", none);
        var english = await client.GetStringAsync($"/Access/Audit?actor={admin.Username}&kind=milestone&culture=en&ui-culture=en");
        Assert.Contains("2 entries", english);
        Assert.Contains("Record construction progress", english);
        Assert.Contains("Surveyed", english);
        Assert.Contains("4 Jan 2565", english);
        var transfers = await client.GetStringAsync($"/Access/Audit?actor={admin.Username}&kind=transfer.record&culture=en&ui-culture=en");
        Assert.Contains("Record money received from CODI", transfers);
        Assert.Contains("20,900.00 baht", transfers);
    }
}
