-- etl status: the newest runs first. $1 = how many.
SELECT task_id::text, job, trigger, status,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       rows_read, rows_loaded, rows_skipped, rows_rejected, error
FROM etl_runs
ORDER BY queued_at DESC, run_id DESC
LIMIT $1
