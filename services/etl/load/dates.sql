-- The calendar rows of the dates the load's orders name (dim_time_fill adds what is
-- missing). Returns how many dates were staged.
SELECT count(dim_time_fill(order_date, order_date)) FROM etl_stage_dates;
