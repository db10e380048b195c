#include "engine_filter.h"

engine_filter_t
engine_filter (const store_t *store, const char *country, const char *category)
{
    engine_filter_t f = {.by_country = country != NULL, .by_category = category != NULL};
    if (country)
        f.country = store_dict_find (store->countries, country);
    if (category)
        f.category = store_dict_find (store->categories, category);
    f.none =
        (country && f.country == STORE_DICT_NONE) || (category && f.category == STORE_DICT_NONE);
    return f;
}
