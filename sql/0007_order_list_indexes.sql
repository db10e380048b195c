-- The order list's two indexes of fact_order, rebuilt cheaper for the CSV load, which builds
-- them again after every load bigger than the table (docs/performance.md, "The CSV load"):
-- * fact_order_newest_idx in ascending order, (order_date, order_id): "newest first" is the
--   same index read backward (Index Scan Backward: page.sql, the bounds' min and max). Orders
--   arrive with increasing ids and dates, so the rows handed to its build are already in
--   its order: 0.50-0.58 s instead of 0.67-0.78 s for 1M orders.
-- * fact_order_customer_idx on (customer_key, order_date): all that customer_page.sql's plan
--   uses of it (a bitmap scan of one customer's date range; the page is sorted after the
--   count); without the text order_id its entries are half as big: 0.76-0.87 s instead of
--   1.0-1.1 s.
DROP INDEX fact_order_newest_idx;
DROP INDEX fact_order_customer_idx;
CREATE INDEX fact_order_newest_idx ON fact_order (order_date, order_id);
CREATE INDEX fact_order_customer_idx ON fact_order (customer_key, order_date);
