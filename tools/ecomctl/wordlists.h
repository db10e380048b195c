/*  wordlists: the embedded vocabulary of the demo data generator (names, places, products). */
#ifndef ECOMCTL_WORDLISTS_H
#define ECOMCTL_WORDLISTS_H

#include <stddef.h>

typedef struct {
    const char *city;
    const char *country;
} wordlists_place_t;

typedef struct {
    const char *name;               /* category name, e.g. "Electronics" */
    const char *const *nouns;       /* NULL-terminated */
    double min_price, max_price;    /* typical unit price range */
} wordlists_category_t;

extern const char *const wordlists_first_names[];
extern const size_t wordlists_first_name_count;
extern const char *const wordlists_last_names[];
extern const size_t wordlists_last_name_count;
extern const char *const wordlists_email_domains[];
extern const size_t wordlists_email_domain_count;
extern const wordlists_place_t wordlists_places[];
extern const size_t wordlists_place_count;
extern const char *const wordlists_adjectives[];
extern const size_t wordlists_adjective_count;
extern const wordlists_category_t wordlists_categories[];
extern const size_t wordlists_category_count;

#endif
