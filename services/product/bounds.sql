-- The data's first and last order dates; NULLs when there are no orders.
-- min/max on fact_order(order_date) is two probes of fact_order_newest_idx.
SELECT to_char(min(order_date), 'YYYY-MM-DD') AS first_date,
       to_char(max(order_date), 'YYYY-MM-DD') AS last_date
FROM fact_order;
