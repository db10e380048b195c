/*  etl_row: validates one CSV record against the orders format of SPEC §5. */
#ifndef ETL_ROW_H
#define ETL_ROW_H

#include "etl_csv.h"

#include <stdbool.h>
#include <stdint.h>

#define ETL_ROW_FIELDS 12

/*  The header every file must start with, field by field. */
extern const char *const etl_row_header[ETL_ROW_FIELDS];

typedef enum {
    ETL_ORDER_ID, ETL_ORDER_DATE, ETL_CUSTOMER_ID, ETL_CUSTOMER_NAME, ETL_CUSTOMER_EMAIL,
    ETL_CUSTOMER_CITY, ETL_CUSTOMER_COUNTRY, ETL_PRODUCT_ID, ETL_PRODUCT_NAME,
    ETL_PRODUCT_CATEGORY, ETL_QUANTITY, ETL_UNIT_PRICE
} etl_row_field_t;

/*  The typed fields of a valid row. */
typedef struct {
    int32_t order_day;  /* order_date, days since 1970-01-01 */
    int32_t quantity;
    int64_t cents;      /* unit_price x 100 */
} etl_row_values_t;

/*  Returns NULL when record is a valid order row, else the reason for a person, e.g.
    "quantity must be a whole number >= 1, got '0'" (written into reason). The checks:
    the record parsed, valid UTF-8, exactly 12 fields, non-blank ids, order_date a real
    YYYY-MM-DD date, quantity a whole number in 1..1000000, unit_price a decimal >= 0 with at
    most 2 decimals below 10^10, and quantity x unit_price within NUMERIC(12,2). A valid
    row's typed fields are written into *values. */
const char *etl_row_check (const etl_csv_record_t *record, etl_row_values_t *values,
                           char *reason, size_t size);

/*  Returns true when record is exactly the header (a UTF-8 byte order mark before the first
    name is allowed). */
bool etl_row_is_header (const etl_csv_record_t *record);

#endif
