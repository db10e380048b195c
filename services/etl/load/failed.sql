-- The run failed (in its own transaction: the load's was rolled back). $1 run_id, $2 why.
UPDATE etl_runs SET status = 'failed', finished_at = now(), error = $2 WHERE run_id = $1;
