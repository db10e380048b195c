-- The orders each ETL load added, found without reading the whole table: the services'
-- analytics stores (services/engine/store.c) refresh after a load by reading only the orders
-- with etl_run_id above the largest they hold. Loads append to the heap, so a BRIN index on
-- etl_run_id (a few pages for millions of orders, next to nothing to maintain) narrows that
-- read to the block ranges the newest loads wrote. Demo orders (NULL etl_run_id) are never
-- read this way.
CREATE INDEX fact_order_etl_run_brin ON fact_order USING brin (etl_run_id)
    WITH (autosummarize = on);
