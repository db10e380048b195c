-- agg_daily_sales: orders, units and revenue per order date, kept equal to
--   SELECT order_date, count(*), sum(quantity), sum(total_amount) FROM fact_order GROUP BY 1
-- by statement-level triggers, so that KPIs and revenue trends read ~one row per day instead
-- of scanning every order. Days without orders have no row.

CREATE TABLE agg_daily_sales (
    date     date PRIMARY KEY,
    orders   bigint NOT NULL CHECK (orders >= 0),  -- 0 only inside a trigger, then deleted
    units    bigint NOT NULL,
    revenue  numeric(18,2) NOT NULL
);

INSERT INTO agg_daily_sales (date, orders, units, revenue)
SELECT order_date, count(*), sum(quantity), sum(total_amount) FROM fact_order GROUP BY order_date;

CREATE FUNCTION agg_daily_sales_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agg_daily_sales AS a (date, orders, units, revenue)
    SELECT order_date, count(*), sum(quantity), sum(total_amount) FROM new_rows GROUP BY order_date
    ON CONFLICT (date) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_daily_sales_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agg_daily_sales a
    SET orders = a.orders - o.orders, units = a.units - o.units, revenue = a.revenue - o.revenue
    FROM (SELECT order_date, count(*) AS orders, sum(quantity) AS units,
                 sum(total_amount) AS revenue
          FROM old_rows GROUP BY order_date) o
    WHERE a.date = o.order_date;
    DELETE FROM agg_daily_sales WHERE orders = 0;
    RETURN NULL;
END $$;

-- An update is a delete of the old rows and an insert of the new ones.
CREATE FUNCTION agg_daily_sales_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agg_daily_sales a
    SET orders = a.orders - o.orders, units = a.units - o.units, revenue = a.revenue - o.revenue
    FROM (SELECT order_date, count(*) AS orders, sum(quantity) AS units,
                 sum(total_amount) AS revenue
          FROM old_rows GROUP BY order_date) o
    WHERE a.date = o.order_date;
    INSERT INTO agg_daily_sales AS a (date, orders, units, revenue)
    SELECT order_date, count(*), sum(quantity), sum(total_amount) FROM new_rows GROUP BY order_date
    ON CONFLICT (date) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue;
    DELETE FROM agg_daily_sales WHERE orders = 0;
    RETURN NULL;
END $$;

CREATE FUNCTION agg_daily_sales_on_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE agg_daily_sales;
    RETURN NULL;
END $$;

CREATE TRIGGER fact_order_daily_insert AFTER INSERT ON fact_order
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_daily_sales_on_insert();
CREATE TRIGGER fact_order_daily_delete AFTER DELETE ON fact_order
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_daily_sales_on_delete();
CREATE TRIGGER fact_order_daily_update AFTER UPDATE ON fact_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION agg_daily_sales_on_update();
CREATE TRIGGER fact_order_daily_truncate AFTER TRUNCATE ON fact_order
    FOR EACH STATEMENT EXECUTE FUNCTION agg_daily_sales_on_truncate();

-- The data version: bumped by every successful ETL load (in its transaction), so cached
-- answers keyed by an older version are never served again. Redis mirrors it
-- (key ecom:data_version) for the services' cache keys.
CREATE TABLE data_version (
    id       integer PRIMARY KEY CHECK (id = 1),
    version  bigint NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 1);
