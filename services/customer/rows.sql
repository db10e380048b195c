-- The attributes of the customers on one page of the customer list (SPEC §10), by key.
--   $1  the page's customer_key values, an int[] literal ("{3,17,42}")
SELECT customer_key, customer_id, name, email, city, country
  FROM dim_customer
 WHERE customer_key = ANY($1::int[]);
