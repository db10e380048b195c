-- The staged customer attribute rows into dim_customer. The rows with the highest line hold
-- the last valid row's values. A new id takes the key the reader gave it (dim_key: fact rows
-- written straight into fact_order carry it; every row staged for an id carries the same
-- key or none, since the reader's map never forgets an id it holds), else the next one of
-- the identity sequence. The rows the statement reports are the customers inserted or
-- changed, which decide whether the load changed data (the data version).
-- Into an empty dim_customer (a first load): nothing to conflict with (the load holds the
-- dimensions against other writers, and the DISTINCT ON leaves one row per id), so a plain
-- insert, the table's indexes dropped before and built again after (etl_load.c).
INSERT INTO dim_customer AS c (customer_key, customer_id, name, email, city, country)
SELECT coalesce(k, nextval(pg_get_serial_sequence('dim_customer', 'customer_key'))),
       customer_id, name, email, city, country
  FROM (SELECT DISTINCT ON (customer_id) customer_id, name, email, city, country,
               dim_key AS k
          FROM etl_stage_customers ORDER BY customer_id, line DESC) s;
