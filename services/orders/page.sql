-- One page of the order list without a customer filter (SPEC §6): newest first
-- (order_date DESC, order_id DESC in byte order), and the number of orders in the range.
--   $1, $2  start_date, end_date (inclusive; NULL: open)
--   $3      the offset of the page's first order (bigint);  $4 the page size (1..100)
-- Neither the count nor a deep page costs a scan of the orders before it:
-- * count: the sum of agg_daily_sales.orders over the range (one row per day with orders,
--   kept equal to fact_order by triggers, sql/0002);
-- * the page: the running total of the days, newest first, names the day that holds the
--   page's first order and how many orders of that day come before it; the page is then
--   read backward from fact_order_newest_idx (order_date, order_id) starting at that day,
--   skipping fewer than one day's orders.
-- One statement, so the count and the page come from one snapshot. Always at least one row:
-- the count, with the page's columns NULL when the page is empty.
WITH days AS (
    SELECT date, orders, sum(orders) OVER (ORDER BY date DESC) AS through
      FROM agg_daily_sales
     WHERE orders > 0
       AND date >= coalesce($1::date, '-infinity'::date)
       AND date <= coalesce($2::date, 'infinity'::date)
), first_day AS (
    SELECT date, $3::bigint - (through - orders) AS skip
      FROM days
     WHERE through > $3::bigint
     ORDER BY date DESC
     LIMIT 1
), page AS (
    SELECT f.order_id, f.order_date, f.customer_key, f.product_key, f.quantity, f.unit_price,
           f.total_amount
      FROM fact_order f
     WHERE f.order_date <= (SELECT date FROM first_day)
       AND f.order_date >= coalesce($1::date, '-infinity'::date)
     ORDER BY f.order_date DESC, f.order_id DESC
    OFFSET (SELECT skip FROM first_day)
     LIMIT $4::int
)
SELECT (SELECT coalesce(sum(orders), 0) FROM days)::bigint AS count,
       p.order_id, to_char(p.order_date, 'YYYY-MM-DD') AS order_date,
       c.customer_id, c.name AS customer_name,
       d.product_id, d.name AS product_name, d.category AS product_category,
       p.quantity, p.unit_price, p.total_amount
  FROM (SELECT 1) AS one
  LEFT JOIN page p ON true
  LEFT JOIN dim_customer c ON c.customer_key = p.customer_key
  LEFT JOIN dim_product d ON d.product_key = p.product_key
 ORDER BY p.order_date DESC, p.order_id DESC;
