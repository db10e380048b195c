-- Revenue and orders per period over the inclusive range $1..$2 (dates); $3 is the
-- period unit for date_trunc: 'day', 'week' (ISO, Monday) or 'month'.
-- Every period from the one holding $1 to the one holding $2 is listed, zero-filled; a period
-- is named by its first day even when the range starts inside it, and only days inside the
-- range count. Sums come from the daily rollup agg_daily_sales.
WITH per_period AS (
    SELECT date_trunc($3, a.date::timestamp) AS period,
           sum(a.revenue) AS revenue,
           sum(a.orders) AS orders
      FROM agg_daily_sales a
     WHERE a.date BETWEEN $1::date AND $2::date
     GROUP BY 1
)
SELECT to_char(p.period, 'YYYY-MM-DD') AS period,
       round(coalesce(s.revenue, 0), 2) AS revenue,
       coalesce(s.orders, 0) AS orders
  FROM generate_series(date_trunc($3, $1::date::timestamp), $2::date::timestamp,
                       ('1 ' || $3)::interval) AS p(period)
  LEFT JOIN per_period s ON s.period = p.period
 ORDER BY p.period;
