-- RFM segments (SPEC §6) of the customers with at least one order in a date range.
--   $1, $2  the range to read (dates, inclusive); $3 the reference date;
--   $4, $5  [$4, $5): the whole calendar months inside the range (the first day of the first
--           one, the first day after the last one), read from the monthly rollup
--           agg_customer_monthly; the days of [$1, $4) and [$5, $2] are read from fact_order
--           (its order_date index). With no whole month, $4 = $5 = $2.
-- (The caller widens a range that reaches the data's first or last order date to whole months:
-- no orders lie beyond those dates, so a request over all the data reads the rollup alone.)
-- Answers the seven segments in SPEC order, zeros included, each with the total; averages and
-- shares are rounded half away from zero (2 and 4 decimals).
WITH parts AS (
    SELECT customer_key, last_date, orders, revenue
      FROM agg_customer_monthly
     WHERE month >= $4::date AND month < $5::date
    UNION ALL
    SELECT customer_key, order_date, 1, total_amount
      FROM fact_order
     WHERE (order_date >= $1::date AND order_date < $4::date)
        OR (order_date >= $5::date AND order_date <= $2::date)
), rfm AS (
    SELECT p.customer_key,
           $3::date - max(p.last_date) AS recency_days,
           sum(p.orders) AS frequency,
           sum(p.revenue) AS monetary
      FROM parts p
     GROUP BY p.customer_key
), scored AS (
    SELECT r.recency_days, r.frequency, r.monetary,
           ntile(5) OVER (ORDER BY r.recency_days DESC, c.customer_id COLLATE "C") AS r,
           ntile(5) OVER (ORDER BY r.frequency, c.customer_id COLLATE "C") AS f,
           ntile(5) OVER (ORDER BY r.monetary, c.customer_id COLLATE "C") AS m
      FROM rfm r
      JOIN dim_customer c ON c.customer_key = r.customer_key
), labelled AS (
    SELECT CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
                WHEN f >= 4 THEN 'loyal_customers'
                WHEN r >= 4 AND f >= 2 THEN 'potential_loyalists'
                WHEN r >= 4 THEN 'new_customers'
                WHEN r <= 2 AND f >= 3 THEN 'at_risk'
                WHEN r <= 2 THEN 'hibernating'
                ELSE 'needs_attention'
           END AS segment,
           recency_days, frequency, monetary
      FROM scored
)
SELECT s.segment,
       count(l.segment) AS customers,
       sum(count(l.segment)) OVER () AS total_customers,
       coalesce(round(count(l.segment) / nullif(sum(count(l.segment)) OVER (), 0), 4), 0)
           AS share,
       coalesce(round(avg(l.recency_days), 2), 0) AS avg_recency_days,
       coalesce(round(avg(l.frequency), 2), 0) AS avg_frequency,
       coalesce(round(avg(l.monetary), 2), 0) AS avg_monetary
  FROM (VALUES (1, 'champions'), (2, 'loyal_customers'), (3, 'potential_loyalists'),
               (4, 'new_customers'), (5, 'at_risk'), (6, 'hibernating'),
               (7, 'needs_attention')) AS s(position, segment)
  LEFT JOIN labelled l ON l.segment = s.segment
 GROUP BY s.position, s.segment
 ORDER BY s.position;
