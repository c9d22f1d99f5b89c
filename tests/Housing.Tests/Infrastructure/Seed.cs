using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Allocations;
using Housing.Budgets;
using Housing.Households;

namespace Housing.Tests.Infrastructure;

/// <summary>Budgets, projects, households and allocations made through the API, as staff would.</summary>
public static class Seed
{
    static long nextId = Random.Shared.NextInt64(10_000_000, 90_000_000) * 1000;
    static int nextYear = Random.Shared.Next(0, 150);

    /// <summary>A valid citizen ID not used before in this run.</summary>
    public static string NewCitizenId()
    {
        var first12 = "3" + Interlocked.Increment(ref nextId).ToString("D11", System.Globalization.CultureInfo.InvariantCulture);
        return first12 + CitizenId.CheckDigit(first12);
    }

    /// <summary>A fiscal year no other test of this run has taken (budgets are one per program, year and province).</summary>
    public static int NewYear() => 2545 + Interlocked.Increment(ref nextYear) % 150;

    static int nextMoneyYear = Random.Shared.Next(0, 20);

    /// <summary>A fiscal year from 2545 to 2564, for a world that records money dated 2022 (money is never dated before its
    /// fiscal year began: FY 2565 began 1 Oct 2021; a Baan Mankong world takes the year after). Its own counter: the few classes that take one take one to three.</summary>
    public static int MoneyYear() => 2545 + Interlocked.Increment(ref nextMoneyYear) % 20;

    public static async Task<T> CreatedAsync<T>(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<BudgetView> BudgetAsync(HttpClient client, string province, int year, int target, decimal amount, string program = "BPP")
        => await CreatedAsync<BudgetView>(await client.PostAsJsonAsync("/api/v1/budgets",
            new { program, fiscalYear = year, provinceCode = province, targetHouseholds = target, amount }));

    public static async Task<ProjectView> ProjectAsync(HttpClient client, long budgetId, string subdistrict, int target, decimal amount,
        string? name = null, string? communityName = null)
        => await CreatedAsync<ProjectView>(await client.PostAsJsonAsync($"/api/v1/budgets/{budgetId}/projects",
            new { subdistrictCode = subdistrict, name = name ?? $"บ้านพอเพียงตำบล {subdistrict}", targetHouseholds = target, amount, communityName }));

    public static async Task<HouseholdView> HouseholdAsync(HttpClient client, string subdistrict, string? headName = null, int? villageNo = 1,
        string? citizenId = null)
        => await CreatedAsync<HouseholdView>(await client.PostAsJsonAsync("/api/v1/households", new
        {
            citizenId = citizenId ?? NewCitizenId(), headName = headName ?? "นายทดสอบ ใจดี", houseNo = "12/3", villageNo, subdistrictCode = subdistrict,
            members = 4, monthlyIncome = 4500m, vulnerabilities = new[] { "elderly" }, housingProblem = "หลังคารั่ว ฝาผนังผุ", landTenure = "owned",
        }));

    public static async Task<AllocationView> AllocationAsync(HttpClient client, long projectId, long householdId, decimal amount, string workType = "repair")
        => await CreatedAsync<AllocationView>(await client.PostAsJsonAsync($"/api/v1/projects/{projectId}/allocations",
            new { householdId, amount, workType }));
}
