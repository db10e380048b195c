-- fact_order_customer_idx on customer_key alone: equal keys make one B-tree entry with a
-- list of row pointers (PostgreSQL's deduplication, which needs whole keys to repeat, so
-- not with order_date beside it). At 10M orders of 1M customers the index shrinks from
-- 208 MB to 83 MB. A load of newer orders adds their entries at random places in it (one
-- per customer named): the first change of each page after a checkpoint writes the whole
-- page to the WAL, so the size is the load's cost: 100,000 orders into 10M wrote 210 MB of
-- WAL and took 11.4 s before, 102 MB and 3.9 s after, on the same contended host
-- (docs/performance.md, "Loads at scale"). customer_page.sql reads one customer's orders
-- through it (a bitmap scan), then keeps the date range and sorts the page: a customer's
-- orders are a few, or a few thousand for the busiest.
DROP INDEX fact_order_customer_idx;
CREATE INDEX fact_order_customer_idx ON fact_order (customer_key);
