using Xunit.Sdk;

namespace Housing.Tests.Security;

public sealed class InvariantTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_invariant_check_catches_an_overspend_written_behind_the_services_back()
    {
        await Invariants.AssertHoldAsync(app.Db);
        // Straight SQL skips the services' locked checks: the schema alone cannot see across rows.
        await app.Db.ExecuteAsync("""
            WITH b AS (INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2599, '54', 1, 1000) RETURNING id),
                 p AS (INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) SELECT id, '540101', 'เกินงบ', 1, 1500 FROM b RETURNING id),
                 h AS (INSERT INTO households (citizen_id, head_name, house_no, subdistrict_code, members, monthly_income) VALUES ('1101700203451', 'ผิด', '1', '540101', 1, 0) RETURNING id),
                 a AS (INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) SELECT p.id, h.id, 'BPP', 2599, 1500, 'repair' FROM p, h RETURNING id, project_id)
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee) SELECT id, project_id, 1600, '2042-01-01', 'x' FROM a
            """);
        var e = await Assert.ThrowsAsync<TrueException>(() => Invariants.AssertHoldAsync(app.Db));
        Assert.Contains("projects stay within their budget", e.Message);
        Assert.Contains("net payments stay within their allocation", e.Message);
        Assert.Contains("net payments stay within the cash the project received", e.Message);
        Assert.Contains("every household's citizen ID has a valid check digit", e.Message);
    }
}
