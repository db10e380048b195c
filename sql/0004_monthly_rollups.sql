-- Monthly rollups for the customer and product services (RFM segments, top sellers), kept
-- equal to these queries over fact_order by statement-level triggers, like agg_daily_sales:
--
--   agg_customer_monthly = SELECT customer_key, date_trunc('month', order_date)::date,
--                                 count(*), sum(total_amount), max(order_date)
--                          FROM fact_order GROUP BY 1, 2
--   agg_product_monthly  = SELECT product_key, date_trunc('month', order_date)::date,
--                                 count(*), sum(quantity), sum(total_amount)
--                          FROM fact_order GROUP BY 1, 2
--
-- The insert triggers group a whole load (1M rows for `ecomctl seed --orders 1000000`) in
-- one hash aggregate: they run with work_mem 64MB so ~50k groups stay in memory, and group by
-- the timestamp date_trunc returns (cast to date once per group): 0.6 s + 0.4 s for 1M rows.
--
-- A query over a date range reads the whole calendar months inside the range from here (2,000
-- customers x 24 months = ~48k rows, 300 products x 24 months = ~7k rows for the demo data,
-- whatever the number of orders) and only the days of the partial months at the range's ends
-- from fact_order (through its order_date index). Groups without orders have no row.

CREATE TABLE agg_customer_monthly (
    customer_key  integer NOT NULL,
    month         date NOT NULL,           -- the first day of the month
    orders        bigint NOT NULL CHECK (orders >= 0),  -- 0 only inside a trigger, then deleted
    revenue       numeric(18,2) NOT NULL,
    last_date     date NOT NULL,           -- the customer's last order date in the month
    PRIMARY KEY (customer_key, month)
);

CREATE TABLE agg_product_monthly (
    product_key  integer NOT NULL,
    month        date NOT NULL,
    orders       bigint NOT NULL CHECK (orders >= 0),   -- 0 only inside a trigger, then deleted
    units        bigint NOT NULL,
    revenue      numeric(18,2) NOT NULL,
    PRIMARY KEY (product_key, month)
);

INSERT INTO agg_customer_monthly (customer_key, month, orders, revenue, last_date)
SELECT customer_key, date_trunc('month', order_date)::date, count(*), sum(total_amount),
       max(order_date)
FROM fact_order GROUP BY 1, date_trunc('month', order_date);

INSERT INTO agg_product_monthly (product_key, month, orders, units, revenue)
SELECT product_key, date_trunc('month', order_date)::date, count(*), sum(quantity),
       sum(total_amount)
FROM fact_order GROUP BY 1, date_trunc('month', order_date);

-- ---------------------------------------------------------------------------------------
-- agg_customer_monthly. Inserts add counts and sums and raise last_date. Deletes subtract,
-- drop emptied groups and recompute last_date of the groups that lost orders from fact_order
-- (one probe of fact_order_customer_idx per group). An update is a delete plus an insert.

CREATE FUNCTION agg_customer_monthly_on_insert() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
BEGIN
    INSERT INTO agg_customer_monthly AS a (customer_key, month, orders, revenue, last_date)
    SELECT customer_key, date_trunc('month', order_date)::date, count(*), sum(total_amount),
           max(order_date)
    FROM new_rows GROUP BY 1, date_trunc('month', order_date)
    ON CONFLICT (customer_key, month) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            revenue = a.revenue + EXCLUDED.revenue,
            last_date = greatest(a.last_date, EXCLUDED.last_date);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_customer_monthly_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agg_customer_monthly a
    SET orders = a.orders - o.orders, revenue = a.revenue - o.revenue
    FROM (SELECT customer_key, date_trunc('month', order_date)::date AS month,
                 count(*) AS orders, sum(total_amount) AS revenue
          FROM old_rows GROUP BY 1, date_trunc('month', order_date)) o
    WHERE a.customer_key = o.customer_key AND a.month = o.month;
    DELETE FROM agg_customer_monthly WHERE orders = 0;
    UPDATE agg_customer_monthly a
    SET last_date = (SELECT max(f.order_date) FROM fact_order f
                     WHERE f.customer_key = a.customer_key
                       AND f.order_date >= a.month
                       AND f.order_date < (a.month + interval '1 month')::date)
    FROM (SELECT DISTINCT customer_key, date_trunc('month', order_date)::date AS month
          FROM old_rows) o
    WHERE a.customer_key = o.customer_key AND a.month = o.month;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_customer_monthly_on_update() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
BEGIN
    UPDATE agg_customer_monthly a
    SET orders = a.orders - o.orders, revenue = a.revenue - o.revenue
    FROM (SELECT customer_key, date_trunc('month', order_date)::date AS month,
                 count(*) AS orders, sum(total_amount) AS revenue
          FROM old_rows GROUP BY 1, date_trunc('month', order_date)) o
    WHERE a.customer_key = o.customer_key AND a.month = o.month;
    INSERT INTO agg_customer_monthly AS a (customer_key, month, orders, revenue, last_date)
    SELECT customer_key, date_trunc('month', order_date)::date, count(*), sum(total_amount),
           max(order_date)
    FROM new_rows GROUP BY 1, date_trunc('month', order_date)
    ON CONFLICT (customer_key, month) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            revenue = a.revenue + EXCLUDED.revenue,
            last_date = greatest(a.last_date, EXCLUDED.last_date);
    DELETE FROM agg_customer_monthly WHERE orders = 0;
    UPDATE agg_customer_monthly a
    SET last_date = (SELECT max(f.order_date) FROM fact_order f
                     WHERE f.customer_key = a.customer_key
                       AND f.order_date >= a.month
                       AND f.order_date < (a.month + interval '1 month')::date)
    FROM (SELECT DISTINCT customer_key, date_trunc('month', order_date)::date AS month
          FROM old_rows) o
    WHERE a.customer_key = o.customer_key AND a.month = o.month;
    RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------------------
-- agg_product_monthly: counts and sums only, so deletes simply subtract.

CREATE FUNCTION agg_product_monthly_on_insert() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
BEGIN
    INSERT INTO agg_product_monthly AS a (product_key, month, orders, units, revenue)
    SELECT product_key, date_trunc('month', order_date)::date, count(*), sum(quantity),
           sum(total_amount)
    FROM new_rows GROUP BY 1, date_trunc('month', order_date)
    ON CONFLICT (product_key, month) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_product_monthly_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agg_product_monthly a
    SET orders = a.orders - o.orders, units = a.units - o.units, revenue = a.revenue - o.revenue
    FROM (SELECT product_key, date_trunc('month', order_date)::date AS month, count(*) AS orders,
                 sum(quantity) AS units, sum(total_amount) AS revenue
          FROM old_rows GROUP BY 1, date_trunc('month', order_date)) o
    WHERE a.product_key = o.product_key AND a.month = o.month;
    DELETE FROM agg_product_monthly WHERE orders = 0;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_product_monthly_on_update() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
BEGIN
    UPDATE agg_product_monthly a
    SET orders = a.orders - o.orders, units = a.units - o.units, revenue = a.revenue - o.revenue
    FROM (SELECT product_key, date_trunc('month', order_date)::date AS month, count(*) AS orders,
                 sum(quantity) AS units, sum(total_amount) AS revenue
          FROM old_rows GROUP BY 1, date_trunc('month', order_date)) o
    WHERE a.product_key = o.product_key AND a.month = o.month;
    INSERT INTO agg_product_monthly AS a (product_key, month, orders, units, revenue)
    SELECT product_key, date_trunc('month', order_date)::date, count(*), sum(quantity),
           sum(total_amount)
    FROM new_rows GROUP BY 1, date_trunc('month', order_date)
    ON CONFLICT (product_key, month) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue;
    DELETE FROM agg_product_monthly WHERE orders = 0;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_monthly_on_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE agg_customer_monthly, agg_product_monthly;
    RETURN NULL;
END $$;

CREATE TRIGGER fact_order_customer_monthly_insert AFTER INSERT ON fact_order
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_customer_monthly_on_insert();
CREATE TRIGGER fact_order_customer_monthly_delete AFTER DELETE ON fact_order
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_customer_monthly_on_delete();
CREATE TRIGGER fact_order_customer_monthly_update AFTER UPDATE ON fact_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_customer_monthly_on_update();
CREATE TRIGGER fact_order_product_monthly_insert AFTER INSERT ON fact_order
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_product_monthly_on_insert();
CREATE TRIGGER fact_order_product_monthly_delete AFTER DELETE ON fact_order
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_product_monthly_on_delete();
CREATE TRIGGER fact_order_product_monthly_update AFTER UPDATE ON fact_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_product_monthly_on_update();
CREATE TRIGGER fact_order_monthly_truncate AFTER TRUNCATE ON fact_order
    FOR EACH STATEMENT EXECUTE FUNCTION agg_monthly_on_truncate();
