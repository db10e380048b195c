-- One page of a load's rejected rows (SPEC §10), in line order, and their number.
--   $1  the run's task_id (a canonical UUID, checked by the service)
--   $2  the offset of the page's first row (bigint);  $3 the page size (1..100)
-- No row at all when no run has that task_id; else at least one: the count, with the
-- page's columns NULL when the page is empty. Both come from the primary key
-- (run_id, line_number) of etl_rejects, in one snapshot.
WITH run AS (
    SELECT run_id FROM etl_runs WHERE task_id = $1::uuid
), page AS (
    SELECT line_number, reason, raw
      FROM etl_rejects
     WHERE run_id = (SELECT run_id FROM run)
     ORDER BY line_number
    OFFSET $2::bigint
     LIMIT $3::int
)
SELECT (SELECT count(*) FROM etl_rejects e WHERE e.run_id = r.run_id) AS count,
       p.line_number, p.reason, p.raw
  FROM run r
  LEFT JOIN page p ON true
 ORDER BY p.line_number;
