-- One page of one customer's orders (SPEC §6), newest first, and their number in the range.
--   $1      customer_id (byte for byte; unknown: count 0, no page)
--   $2, $3  start_date, end_date (inclusive; NULL: open)
--   $4      the offset of the page's first order (bigint);  $5 the page size (1..100)
-- Both the count and the page come from fact_order_customer_idx (customer_key, sql/0010):
-- a bitmap scan of the customer's orders, the date range kept, then the page sorted; the
-- cost grows with the customer's orders, not with the table. One statement, one snapshot; always at least one row (see page.sql).
WITH customer AS (
    SELECT customer_key, customer_id, name FROM dim_customer WHERE customer_id = $1
), matching AS (
    SELECT f.order_id, f.order_date, f.product_key, f.quantity, f.unit_price, f.total_amount
      FROM fact_order f
     WHERE f.customer_key = (SELECT customer_key FROM customer)
       AND f.order_date >= coalesce($2::date, '-infinity'::date)
       AND f.order_date <= coalesce($3::date, 'infinity'::date)
), page AS (
    SELECT * FROM matching ORDER BY order_date DESC, order_id DESC OFFSET $4::bigint LIMIT $5::int
)
SELECT (SELECT count(*) FROM matching) AS count,
       p.order_id, to_char(p.order_date, 'YYYY-MM-DD') AS order_date,
       c.customer_id, c.name AS customer_name,
       d.product_id, d.name AS product_name, d.category AS product_category,
       p.quantity, p.unit_price, p.total_amount
  FROM (SELECT 1) AS one
  LEFT JOIN page p ON true
  LEFT JOIN customer c ON p.order_id IS NOT NULL
  LEFT JOIN dim_product d ON d.product_key = p.product_key
 ORDER BY p.order_date DESC, p.order_id DESC;
