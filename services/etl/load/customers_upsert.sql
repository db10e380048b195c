-- The staged customer attribute rows into dim_customer. The rows with the highest line hold
-- the last valid row's values. A new id takes the key the reader gave it (dim_key: fact rows
-- written straight into fact_order carry it; every row staged for an id carries the same
-- key or none, since the reader's map never forgets an id it holds), else the next one of
-- the identity sequence. The rows the statement reports are the customers inserted or
-- changed, which decide whether the load changed data (the data version).
INSERT INTO dim_customer AS c (customer_key, customer_id, name, email, city, country)
SELECT coalesce(k, nextval(pg_get_serial_sequence('dim_customer', 'customer_key'))),
       customer_id, name, email, city, country
  FROM (SELECT DISTINCT ON (customer_id) customer_id, name, email, city, country,
               dim_key AS k
          FROM etl_stage_customers ORDER BY customer_id, line DESC) s
-- Into a dim_customer that has rows: the staged ids whose attributes it already has are
-- left out first by a join that only reads, so that ON CONFLICT neither locks nor rewrites
-- them: a load of 100,000 orders names some 45,000 customers of a million, nearly all
-- unchanged, and locking each one dirtied (and, after a checkpoint, wrote in full to the
-- WAL) a random page of dim_customer. The ON CONFLICT's WHERE leaves alone what the join
-- cannot see.
 WHERE NOT EXISTS (SELECT 1 FROM dim_customer d
                    WHERE d.customer_id = s.customer_id
                      AND (d.name, d.email, d.city, d.country)
                          IS NOT DISTINCT FROM (s.name, s.email, s.city, s.country))
    ON CONFLICT (customer_id) DO UPDATE
   SET name = EXCLUDED.name, email = EXCLUDED.email, city = EXCLUDED.city,
       country = EXCLUDED.country, updated_at = now()
 WHERE (c.name, c.email, c.city, c.country)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.city, EXCLUDED.country);
