-- The upserts of the three rollups (agg_daily_sales, agg_customer_monthly,
-- agg_product_monthly) in one function, rollups_add(), shared by fact_order's insert
-- trigger (0005) and by a writer that groups the orders it inserts itself: the CSV load
-- groups the orders it writes straight into fact_order while it reads them, which costs the
-- reader little, instead of the trigger hashing the same million rows again after the COPY
-- (1.7-1.9 s of a 6.5 s load; docs/performance.md, "The CSV load").
--
-- Such a writer sets ecom.rollups_added_by_writer to 'on' (SET LOCAL) for the statements
-- whose groups it adds itself, and calls rollups_add() with them; the trigger then leaves
-- those statements alone. Any other writer just inserts: the trigger adds the groups.
--
-- The groups, one per array position: grouping_set 3 is a day's (day = the order date,
-- key NULL), 5 a customer's month (day = the month's first day, key = customer_key), 6 a
-- product's month (key = product_key); then the orders, units and revenue of the group,
-- and the last order date in it (customer months only; NULL otherwise).
CREATE FUNCTION rollups_add(grouping_sets integer[], days date[], keys integer[],
                            order_counts bigint[], unit_sums bigint[], revenue_sums numeric[],
                            last_days date[]) RETURNS void
LANGUAGE sql AS $$
    WITH grouped AS MATERIALIZED (
        SELECT * FROM unnest(grouping_sets, days, keys, order_counts, unit_sums, revenue_sums,
                             last_days)
            AS g (grouping_set, day, key, orders, units, revenue, last_date)),
    daily AS (
        INSERT INTO agg_daily_sales AS a (date, orders, units, revenue)
        SELECT day, orders, units, revenue FROM grouped WHERE grouping_set = 3
        ON CONFLICT (date) DO UPDATE
            SET orders = a.orders + EXCLUDED.orders,
                units = a.units + EXCLUDED.units,
                revenue = a.revenue + EXCLUDED.revenue),
    customers AS (
        INSERT INTO agg_customer_monthly AS a (customer_key, month, orders, revenue, last_date)
        SELECT key, day, orders, revenue, last_date FROM grouped WHERE grouping_set = 5
        ON CONFLICT (customer_key, month) DO UPDATE
            SET orders = a.orders + EXCLUDED.orders,
                revenue = a.revenue + EXCLUDED.revenue,
                last_date = greatest(a.last_date, EXCLUDED.last_date))
    INSERT INTO agg_product_monthly AS a (product_key, month, orders, units, revenue)
    SELECT key, day, orders, units, revenue FROM grouped WHERE grouping_set = 6
    ON CONFLICT (product_key, month) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue
$$;

-- The trigger of 0005: the same one hashed GROUPING SETS pass over the new rows, its groups
-- handed to rollups_add().
CREATE OR REPLACE FUNCTION fact_order_rollups_on_insert() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
BEGIN
    IF current_setting('ecom.rollups_added_by_writer', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM rollups_add(array_agg(grouping_set),
                        array_agg(CASE grouping_set WHEN 3 THEN order_date ELSE month END),
                        array_agg(CASE grouping_set WHEN 5 THEN customer_key
                                                    WHEN 6 THEN product_key END),
                        array_agg(orders), array_agg(units), array_agg(revenue),
                        array_agg(CASE grouping_set WHEN 5 THEN last_date END))
    FROM (SELECT GROUPING(order_date, customer_key, product_key) AS grouping_set,
                 order_date, customer_key, product_key, month, count(*) AS orders,
                 sum(quantity) AS units, sum(total_amount) AS revenue,
                 max(order_date) AS last_date
          FROM (SELECT order_date, customer_key, product_key, quantity, total_amount,
                       date_trunc('month', order_date::timestamp)::date AS month
                FROM new_rows) n
          GROUP BY GROUPING SETS ((order_date), (customer_key, month), (product_key, month))) g;
    RETURN NULL;
END $$;
