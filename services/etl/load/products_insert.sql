-- The staged product attribute rows into dim_product, like customers_insert.sql and
-- customers_upsert.sql do for customers.
INSERT INTO dim_product AS p (product_key, product_id, name, category)
SELECT coalesce(k, nextval(pg_get_serial_sequence('dim_product', 'product_key'))),
       product_id, name, category
  FROM (SELECT DISTINCT ON (product_id) product_id, name, category, dim_key AS k
          FROM etl_stage_products ORDER BY product_id, line DESC) s;
