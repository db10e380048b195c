-- The run succeeded. $1 run_id, $2 rows read, $3 loaded, $4 skipped, $5 rejected.
UPDATE etl_runs
   SET status = 'success', finished_at = now(), rows_read = $2, rows_loaded = $3,
       rows_skipped = $4, rows_rejected = $5, error = NULL
 WHERE run_id = $1;
