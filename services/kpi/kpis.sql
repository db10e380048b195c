-- KPIs over the inclusive range $1..$2 (dates).
-- Orders, units and revenue come from the daily rollup agg_daily_sales (one row per day, kept
-- equal to fact_order by triggers), so the cost does not grow with the number of orders.
-- Unique customers: one probe of the (customer_key, order_date) index per customer, which
-- stops at the first order in range; cheaper than a DISTINCT over every order in range.
SELECT coalesce(sum(a.orders), 0) AS total_orders,
       coalesce(sum(a.units), 0) AS units_sold,
       round(coalesce(sum(a.revenue), 0), 2) AS total_revenue,
       coalesce(round(sum(a.revenue) / nullif(sum(a.orders), 0), 2), 0) AS average_order_value,
       (SELECT count(*)
          FROM dim_customer c
         WHERE EXISTS (SELECT 1
                         FROM fact_order f
                        WHERE f.customer_key = c.customer_key
                          AND f.order_date BETWEEN $1::date AND $2::date)) AS unique_customers
FROM agg_daily_sales a
WHERE a.date BETWEEN $1::date AND $2::date;
