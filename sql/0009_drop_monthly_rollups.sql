-- The monthly rollups of 0004 (agg_customer_monthly, agg_product_monthly) were read by the
-- customer and product services' SQL only, which the analytics store replaced (issue 15,
-- docs/architecture.md "The analytics store"): nothing reads them any more, and every load
-- still paid for them (at a real shop's cardinality about a third of a million-row first load
-- and of 100,000 orders into 10M: docs/performance.md, "Loads at scale"). Dropped with their
-- triggers; fact_order's one-pass insert trigger (0005, 0006) keeps the days only.
-- agg_daily_sales stays: the order list counts its pages with it (services/orders/page.sql).

DROP TRIGGER fact_order_customer_monthly_delete ON fact_order;
DROP TRIGGER fact_order_customer_monthly_update ON fact_order;
DROP TRIGGER fact_order_product_monthly_delete ON fact_order;
DROP TRIGGER fact_order_product_monthly_update ON fact_order;
DROP TRIGGER fact_order_monthly_truncate ON fact_order;
DROP FUNCTION agg_customer_monthly_on_delete();
DROP FUNCTION agg_customer_monthly_on_update();
DROP FUNCTION agg_product_monthly_on_delete();
DROP FUNCTION agg_product_monthly_on_update();
DROP FUNCTION agg_monthly_on_truncate();
DROP TABLE agg_customer_monthly, agg_product_monthly;

-- A writer that sums the days of the orders it inserts itself (the CSV load, the seed) sets
-- ecom.rollups_added_by_writer to 'on' for those statements and hands the days to
-- daily_sales_add(); the insert trigger then leaves them alone. One array position per day:
-- the day, its orders, units and revenue.
DROP FUNCTION rollups_add(integer[], date[], integer[], bigint[], bigint[], numeric[], date[]);
CREATE FUNCTION daily_sales_add(days date[], order_counts bigint[], unit_sums bigint[],
                                revenue_sums numeric[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO agg_daily_sales AS a (date, orders, units, revenue)
    SELECT * FROM unnest(days, order_counts, unit_sums, revenue_sums)
    ON CONFLICT (date) DO UPDATE
        SET orders = a.orders + EXCLUDED.orders,
            units = a.units + EXCLUDED.units,
            revenue = a.revenue + EXCLUDED.revenue
$$;

CREATE OR REPLACE FUNCTION fact_order_rollups_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ecom.rollups_added_by_writer', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM daily_sales_add(array_agg(order_date), array_agg(orders), array_agg(units),
                            array_agg(revenue))
    FROM (SELECT order_date, count(*) AS orders, sum(quantity) AS units,
                 sum(total_amount) AS revenue
          FROM new_rows GROUP BY order_date ORDER BY order_date) g;
    RETURN NULL;
END $$;
