using Npgsql;

namespace Housing.Tests.Infrastructure;

/// <summary>
/// The rules the money and the register must keep whatever happened: each check is a query that
/// must find nothing. Tests that throw many requests at the app (fuzz, access matrix, load) end
/// with <see cref="AssertHoldAsync"/>.
/// </summary>
public static class Invariants
{
    public static readonly (string Rule, string Sql)[] Checks =
    [
        ("projects stay within their budget", """
            SELECT b.id FROM budgets b JOIN projects p ON p.budget_id = b.id AND p.cancelled_at IS NULL GROUP BY b.id, b.amount HAVING sum(p.amount) > b.amount
            """),
        // The last day's balance is the cash on hand: the rule above. This one catches the back-dated payment.
        ("no day of a project's cash book ends below zero (before its last, which the cash rule checks)", """
            SELECT DISTINCT project_id FROM (
                SELECT project_id, day, max(day) OVER (PARTITION BY project_id) AS last_day,
                       sum(sum(net)) OVER (PARTITION BY project_id ORDER BY day) AS balance FROM (
                    SELECT project_id, received_on AS day, amount AS net FROM transfers
                    UNION ALL SELECT project_id, paid_on, -amount FROM disbursements
                    UNION ALL SELECT project_id, paid_on, -amount FROM work_payments
                ) e GROUP BY project_id, day
            ) d WHERE balance < 0 AND day < last_day
            """),
        ("a project's dated balances are the sums of its ledgers", """
            SELECT DISTINCT coalesce(k.project_id, e.project_id) FROM project_days k FULL JOIN (
                SELECT project_id, day, sum(net) AS net FROM (
                    SELECT project_id, received_on AS day, amount AS net FROM transfers
                    UNION ALL SELECT project_id, paid_on, -amount FROM disbursements
                    UNION ALL SELECT project_id, paid_on, -amount FROM work_payments
                ) x GROUP BY project_id, day
            ) e ON e.project_id = k.project_id AND e.day = k.day
            WHERE k.net IS DISTINCT FROM e.net
            """),
        ("a project receives at most its amount (transfers net of their reversals)", """
            SELECT p.id FROM projects p JOIN transfers t ON t.project_id = p.id AND t.kind <> 'refund' GROUP BY p.id, p.amount HAVING sum(t.amount) > p.amount
            """),
        ("a household holds at most one live allocation, besides recorded overrides", """
            SELECT household_id FROM allocations WHERE cancelled_at IS NULL GROUP BY household_id HAVING count(*) - count(override_reason) > 1
            """),
        ("a transfer's reversal undoes exactly its transfer", """
            SELECT r.id FROM transfers r JOIN transfers t ON t.id = r.reverses_id
            WHERE r.amount <> -t.amount OR r.project_id <> t.project_id OR t.kind <> 'transfer'
            """),
        ("live allocations stay within their project", """
            SELECT p.id FROM projects p JOIN allocations a ON a.project_id = p.id AND a.cancelled_at IS NULL
            GROUP BY p.id, p.amount HAVING sum(a.amount) > p.amount
            """),
        ("net payments stay within their allocation and never go below zero", """
            SELECT a.id FROM allocations a JOIN disbursements d ON d.allocation_id = a.id
            GROUP BY a.id, a.amount HAVING sum(d.amount) > a.amount OR sum(d.amount) < 0
            """),
        ("net payments stay within the cash the project received (the homes' and the community works')", """
            SELECT p.id FROM projects p
            WHERE coalesce((SELECT sum(amount) FROM disbursements d WHERE d.project_id = p.id), 0)
                + coalesce((SELECT sum(amount) FROM work_payments w WHERE w.project_id = p.id), 0)
                > coalesce((SELECT sum(amount) FROM transfers t WHERE t.project_id = p.id), 0)
            """),
        ("a project's cash totals are the sums of its ledgers", """
            SELECT p.id FROM projects p LEFT JOIN project_cash c ON c.project_id = p.id
            WHERE coalesce(c.received, 0) <> coalesce((SELECT sum(amount) FROM transfers t WHERE t.project_id = p.id), 0)
               OR coalesce(c.paid, 0) <> coalesce((SELECT sum(amount) FROM disbursements d WHERE d.project_id = p.id), 0)
                                       + coalesce((SELECT sum(amount) FROM work_payments w WHERE w.project_id = p.id), 0)
            """),
        ("a home's progress row is what its standing milestones and its payments say", """
            SELECT a.id FROM allocations a LEFT JOIN home_progress h ON h.allocation_id = a.id
            LEFT JOIN LATERAL (SELECT max(m.stage_order) AS top, max(m.reached_on) AS last_on,
                                      min(m.reached_on) FILTER (WHERE m.stage_order >= 6) AS completed_on,
                                      coalesce(bit_or(CASE WHEN EXISTS (SELECT FROM milestone_photos ph WHERE ph.milestone_id = m.id) THEN 1 << (m.stage_order - 1) END), 0) AS photos
                               FROM milestones m WHERE m.allocation_id = a.id AND m.withdrawn_at IS NULL) m ON true
            WHERE (h.top, h.last_on, h.completed_on, coalesce(h.photos, 0)) IS DISTINCT FROM (m.top, m.last_on, m.completed_on, m.photos)
               OR coalesce(h.paid, 0) <> coalesce((SELECT sum(d.amount) FROM disbursements d WHERE d.allocation_id = a.id), 0)
            """),
        ("community works stay within their project, and their payments within each work", """
            SELECT p.id FROM projects p JOIN works w ON w.project_id = p.id GROUP BY p.id, p.amount HAVING sum(w.amount) > p.amount
            UNION ALL
            SELECT w.id FROM works w JOIN work_payments x ON x.work_id = w.id GROUP BY w.id, w.amount HAVING sum(x.amount) > w.amount OR sum(x.amount) < 0
            """),
        ("drawdowns stay within their loan, and repayment parts within their instalment", """
            SELECT l.id FROM loans l JOIN loan_drawdowns d ON d.loan_id = l.id GROUP BY l.id, l.amount HAVING sum(d.amount) > l.amount
            UNION ALL
            SELECT i.loan_id FROM loan_instalments i JOIN loan_repayment_parts x ON x.loan_id = i.loan_id AND x.no = i.no
            GROUP BY i.loan_id, i.no, i.interest, i.principal HAVING sum(x.interest) > i.interest OR sum(x.principal) > i.principal
            UNION ALL
            SELECT r.id FROM loan_repayments r JOIN loan_repayment_parts x ON x.repayment_id = r.id GROUP BY r.id, r.amount HAVING sum(x.interest + x.principal) <> r.amount
            """),
        ("a loan's kept state is the sum of its ledgers", """
            SELECT l.id FROM loans l LEFT JOIN loan_totals t ON t.loan_id = l.id
            WHERE coalesce(t.drawn, 0) <> coalesce((SELECT sum(d.amount) FROM loan_drawdowns d WHERE d.loan_id = l.id), 0)
               OR coalesce(t.repaid, 0) <> coalesce((SELECT sum(x.interest + x.principal) FROM loan_repayment_parts x WHERE x.loan_id = l.id), 0)
               OR coalesce(t.principal_repaid, 0) <> coalesce((SELECT sum(x.principal) FROM loan_repayment_parts x WHERE x.loan_id = l.id), 0)
            UNION
            SELECT i.loan_id FROM loan_instalments i
                 LEFT JOIN (SELECT loan_id, no, sum(interest) AS interest, sum(principal) AS principal FROM loan_repayment_parts GROUP BY loan_id, no) x USING (loan_id, no)
            WHERE i.paid_interest <> coalesce(x.interest, 0) OR i.paid_principal <> coalesce(x.principal, 0)
            """),
        ("a reversal undoes exactly its payment, on the same allocation", """
            SELECT r.id FROM disbursements r JOIN disbursements d ON d.id = r.reverses_id
            WHERE r.amount <> -d.amount OR r.allocation_id <> d.allocation_id OR d.reverses_id IS NOT NULL
            """),
        ("a payment's project is its allocation's project", """
            SELECT d.id FROM disbursements d JOIN allocations a ON a.id = d.allocation_id WHERE d.project_id <> a.project_id
            """),
        ("a cancelled allocation carries no net payment", """
            SELECT a.id FROM allocations a JOIN disbursements d ON d.allocation_id = a.id
            WHERE a.cancelled_at IS NOT NULL GROUP BY a.id HAVING sum(d.amount) <> 0
            """),
        ("every household's citizen ID has a valid check digit", """
            SELECT id FROM households
            WHERE (11 - (SELECT sum(substr(citizen_id, i, 1)::int * (14 - i)) FROM generate_series(1, 12) i) % 11) % 10 <> substr(citizen_id, 13, 1)::int
            """),
        ("an allocation's household lives in its project's subdistrict", """
            SELECT a.id FROM allocations a JOIN projects p ON p.id = a.project_id JOIN households h ON h.id = a.household_id
            WHERE h.subdistrict_code <> p.subdistrict_code
            """),
        ("an allocation's program and year are its budget's", """
            SELECT a.id FROM allocations a JOIN projects p ON p.id = a.project_id JOIN budgets b ON b.id = p.budget_id
            WHERE a.program <> b.program OR a.fiscal_year <> b.fiscal_year
            """),
        ("milestones are dated in stage order", """
            SELECT m.id FROM milestones m JOIN milestones earlier ON earlier.allocation_id = m.allocation_id AND earlier.stage_order < m.stage_order
            WHERE earlier.reached_on > m.reached_on
            """),
        ("a milestone's order matches its stage", """
            SELECT id FROM milestones WHERE stage_order <> array_position(ARRAY['surveyed', 'approved', 'materials_bought',
                'construction_started', 'structure_done', 'completed', 'handed_over'], stage)
            """),
        ("at most five photos per milestone", """
            SELECT milestone_id FROM milestone_photos GROUP BY milestone_id HAVING count(*) > 5
            """),
        ("photo bytes match their checksum", """
            SELECT id FROM milestone_photos WHERE sha256 <> encode(sha256(content), 'hex')
            """),
    ];

    public static async Task AssertHoldAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        var broken = await BrokenAsync(conn);
        Assert.True(broken.Count == 0, "Invariants broken:\n" + string.Join("\n", broken.Select(b => $"{b.Key}: broken by {string.Join(", ", b.Value.Take(10))}")));
    }

    /// <summary>Each broken rule with the ids that break it, read on this connection (and in its transaction, if any).</summary>
    public static async Task<Dictionary<string, List<long>>> BrokenAsync(NpgsqlConnection conn)
    {
        var broken = new Dictionary<string, List<long>>();
        foreach (var (rule, sql) in Checks)
        {
            var ids = (await Dapper.SqlMapper.QueryAsync<long>(conn, sql)).Order().ToList();
            if (ids.Count > 0) broken[rule] = ids;
        }
        return broken;
    }
}
