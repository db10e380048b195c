-- When the next scheduled run falls due: $1 seconds after the last scheduled run was queued,
-- or after $2 (when this instance started, seconds since the epoch) if there was none.
SELECT to_char((coalesce(max(queued_at), to_timestamp($2::bigint))
                + make_interval(secs => $1::int)) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM etl_runs
WHERE trigger = 'scheduled'
