-- The load's rejected rows (staged by the reader with their line and reason) kept for the
-- run. $1 = run_id.
INSERT INTO etl_rejects (run_id, line_number, raw, reason)
SELECT $1, line, raw, reason FROM etl_stage_rejects;
