-- Top sellers over a date range: revenue, units and orders per product sold in the range,
-- best first by the metric, then product_id in byte order (SPEC §6).
--   $1 .. $2  the range (dates, inclusive);
--   [$3, $4)  the whole calendar months inside it (first day of the first, first day after the
--             last), read from agg_product_monthly; the days of [$1, $3) and [$4, $2] come from
--             fact_order. With no whole month: $3 = $4 = the day after $2.
--   $5        'revenue' or 'quantity';  $6 the number of rows (1..100).
-- (The caller widens a range that reaches the data's first or last order date to whole months,
-- so a query over all the data reads the rollup alone.)
WITH parts AS (
    SELECT product_key, orders, units, revenue
      FROM agg_product_monthly
     WHERE month >= $3::date AND month < $4::date
    UNION ALL
    SELECT product_key, 1, quantity, total_amount
      FROM fact_order
     WHERE (order_date >= $1::date AND order_date < $3::date)
        OR (order_date >= $4::date AND order_date <= $2::date)
), per_product AS (
    SELECT product_key, sum(orders) AS orders, sum(units) AS units, sum(revenue) AS revenue
      FROM parts
     GROUP BY product_key
)
SELECT p.product_id, p.name, p.category,
       round(s.revenue, 2) AS revenue, s.units AS units_sold, s.orders
  FROM per_product s
  JOIN dim_product p ON p.product_key = s.product_key
 ORDER BY CASE WHEN $5 = 'quantity' THEN s.units ELSE s.revenue END DESC,
          p.product_id COLLATE "C"
 LIMIT $6::int;
