using System.Net.Http.Json;
using Housing.Access;
using Housing.Tests.Disbursements;

namespace Housing.Tests.Rules;

/// <summary>Rows for the money-on-evidence rules: a BPP project of a fiscal year of its own (so its program year's rules
/// touch nothing else), and those rules set through the API as an admin does.</summary>
public static class EvidenceSeed
{
    static int year = 2539; // 2540 (the lowest a budget may have) up to 2565: the tests date their money in 2022

    /// <summary>A BPP project in Nai Wiang (540101) of a fiscal year of its own, with <paramref name="homes"/> homes of <paramref name="allocation"/>.</summary>
    public static async Task<(int Year, long ProjectId, long[] Homes)> ProjectAsync(TestApp app, int homes, decimal allocation, decimal projectAmount)
    {
        var fy = Interlocked.Increment(ref year);
        var budgetId = await app.Db.ScalarAsync<long>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', @fy, '54', 65, 99999999) RETURNING id
            """, new { fy });
        var projectId = await app.Db.ScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) VALUES (@budgetId, '540101', @name, 65, @projectAmount) RETURNING id
            """, new { budgetId, name = $"บ้านพอเพียง หลักฐาน {fy}", projectAmount });
        var of = new MoneySeed.Home(budgetId, projectId, 0, 0);
        var ids = new long[homes];
        for (var i = 0; i < homes; i++) ids[i] = (await MoneySeed.AnotherHomeAsync(app.Db, of, allocation)).AllocationId;
        return (fy, projectId, ids);
    }

    /// <summary>The program year's rules (<c>{ tranches, paymentGates }</c>), put by an admin.</summary>
    public static async Task RulesAsync(TestApp app, int fy, object rules)
    {
        var admin = await app.ClientAsync(Role.Admin);
        var r = await admin.PutAsJsonAsync($"/api/v1/programs/BPP/years/{fy}", rules);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }
}
