-- What needs attention, on evidence (0016): a tranche that progress has unlocked and the council has not received
-- (tranche_unlocked, per project), and a home paid all its stages allow, the rest waiting on its next stage
-- (payment_waiting). For the second, amount is what the home may be paid so far and stage the next one needed; for
-- the first, amount is what may be received and homes the number of the first tranche not yet received.
ALTER TABLE attention_flags DROP CONSTRAINT attention_flags_kind_check;
ALTER TABLE attention_flags ADD CONSTRAINT attention_flags_kind_check
    CHECK (kind IN ('stalled', 'cash_idle', 'no_photo', 'fiscal_year_end', 'funded_again', 'tranche_unlocked', 'payment_waiting'));

-- A program year's rules changed: its projects' flags are found again.
CREATE FUNCTION attention_mark_program_years() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id)
    SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id
    WHERE (b.program, b.fiscal_year) IN (SELECT program, fiscal_year FROM new_rows);
    RETURN NULL;
END $$;

CREATE TRIGGER program_years_attention_insert AFTER INSERT ON program_years REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_program_years();
CREATE TRIGGER program_years_attention_update AFTER UPDATE ON program_years REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_program_years();

-- The projects whose program year has rules: their new flags.
INSERT INTO attention_dirty (project_id)
SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id
JOIN program_years y ON y.program = b.program AND y.fiscal_year = b.fiscal_year
WHERE y.tranches IS NOT NULL OR y.payment_gates IS NOT NULL;
