-- The staged orders that are new: the first occurrence of each order_id in the file (in line
-- order), not already in fact_order. They come in order_id order (the stage when the reader
-- saw the ids only increase, else the DISTINCT ON's sort), so the primary key grows at its
-- right edge instead of at random pages. Loads are serialized by the advisory lock, so a
-- plain anti-join is safe, and cheaper than ON CONFLICT's speculative insertion.
--   $1  run_id
-- A template of two placeholders (percent sign, s) that etl_load.c fills (s_fill):
--   the first, the staged orders: etl_stage_orders when the ids only increased (none repeats),
--     else (SELECT DISTINCT ON (order_id) * FROM etl_stage_orders ORDER BY order_id, line);
--   the second, how the anti-join probes: nothing on the bulk path (fact_order has no
--     index: it is hashed), else ' OFFSET 0', which keeps the planner from hashing the
--     whole table (a scan of fact_order per load, however big it has grown) instead of
--     probing the primary key once per staged order.
INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,
                        unit_price, etl_run_id)
SELECT s.order_id, s.order_date, c.customer_key, p.product_key, s.quantity, s.unit_price, $1
  FROM %s s
  JOIN dim_customer c ON c.customer_id = s.customer_id
  JOIN dim_product p ON p.product_id = s.product_id
 WHERE NOT EXISTS (SELECT 1 FROM fact_order f WHERE f.order_id = s.order_id%s);
