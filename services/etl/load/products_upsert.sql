-- The staged product attribute rows into dim_product, like customers_insert.sql and
-- customers_upsert.sql do for customers.
INSERT INTO dim_product AS p (product_key, product_id, name, category)
SELECT coalesce(k, nextval(pg_get_serial_sequence('dim_product', 'product_key'))),
       product_id, name, category
  FROM (SELECT DISTINCT ON (product_id) product_id, name, category, dim_key AS k
          FROM etl_stage_products ORDER BY product_id, line DESC) s
 WHERE NOT EXISTS (SELECT 1 FROM dim_product d
                    WHERE d.product_id = s.product_id
                      AND (d.name, d.category) IS NOT DISTINCT FROM (s.name, s.category))
    ON CONFLICT (product_id) DO UPDATE
   SET name = EXCLUDED.name, category = EXCLUDED.category, updated_at = now()
 WHERE (p.name, p.category) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category);
