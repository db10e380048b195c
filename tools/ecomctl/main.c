/*  ecomctl: the operator's command line (SPEC §4, §11): migrate, seed, load-csv,
    createuser, keygen. */
#include "createuser.h"
#include "etl_load.h"
#include "migrate.h"
#include "seed.h"

#include "ecom_config.h"
#include "ecom_data_version.h"
#include "ecom_date.h"
#include "ecom_db.h"
#include "mdp_curve.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const ecom_embedded_t ecom_migrations[];

#define EXIT_USAGE 2

/*  The help, a printf format: s_print_usage() fills in the defaults. */
static const char s_usage[] =
    "usage: ecomctl COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  migrate                      apply the SQL migrations of sql/ in order, once each\n"
    "  seed [OPTIONS]               load deterministic demo data\n"
    "      --customers N            customers (default one per %d orders)\n"
    "      --products N             products (default one per %d orders, at least %d)\n"
    "      --orders N               orders (default %d)\n"
    "      --days N                 days of history, ending at --end-date (default %d)\n"
    "      --random-seed S          random seed: the same seed gives the same rows (default %d)\n"
    "      --end-date YYYY-MM-DD    last day of the data (default %04d-%02d-%02d)\n"
    "      --reset                  replace existing customers, products and orders\n"
    "      --if-empty               do nothing when the database already has data\n"
    "  load-csv [PATH]              load a CSV orders file (default ETL_SOURCE, itself\n"
    "                               [%s]) as one ETL run;\n"
    "                               prints the task id and the rows read, loaded, skipped\n"
    "                               and rejected; exit status 0 when the run succeeded\n"
    "  createuser USERNAME [--password-stdin]\n"
    "                               create an API user; the password is asked without echo,\n"
    "                               or read as one line from standard input\n"
    "  keygen DIR [--client NAME]   write the CurveZMQ certificates that are missing in DIR\n"
    "                               (created 0700): broker, kpi, product, customer, orders,\n"
    "                               auth, etl; with --client, also an internal RPC user's\n"
    "                               (NAME and NAME_secret; existing ones are kept)\n"
    "\n"
    "Every command reads DATABASE_URL (and seed REDIS_URL); see .env.example.\n"
    "Exit status: 0 success, 1 failure, 2 bad arguments.\n";

/*  Prints the help, with the defaults of the code that applies them. */
static void
s_print_usage (void)
{
    printf (s_usage, SEED_ORDERS_PER_CUSTOMER, SEED_ORDERS_PER_PRODUCT, SEED_MIN_DEFAULT_PRODUCTS,
            SEED_DEFAULT_ORDERS, SEED_DEFAULT_DAYS, SEED_DEFAULT_RANDOM_SEED, SEED_DEFAULT_END_YEAR,
            SEED_DEFAULT_END_MONTH, SEED_DEFAULT_END_DAY, ECOM_DEFAULT_ETL_SOURCE);
}

static int __attribute__ ((format (printf, 1, 2)))
s_usage_error (const char *format, ...)
{
    char message[512];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    fprintf (stderr, "ecomctl: %s (see ecomctl --help)\n", message);
    return EXIT_USAGE;
}

/*  Parses a whole number in min..max. Returns 0, or -1. */
static int
s_number (const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    if (errno || end == text || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

/*  Reads the configuration and connects. Returns NULL after printing why. */
static PGconn *
s_connect (ecom_config_t **config_p)
{
    char err[512];
    *config_p = ecom_config_new (err, sizeof err);
    if (!*config_p) {
        fprintf (stderr, "ecomctl: %s\n", err);
        return NULL;
    }
    PGconn *conn = ecom_db_connect ((*config_p)->database_url, err, sizeof err);
    if (!conn)
        fprintf (stderr, "ecomctl: %s\n", err);
    return conn;
}

/*  Rejects options and extra arguments for commands that take none. */
static int
s_no_arguments (int argc, char **argv)
{
    if (argc > 1)
        return s_usage_error ("%s '%s'", argv[1][0] == '-' ? "unknown option" : "unexpected argument",
                              argv[1]);
    return 0;
}

static int
s_migrate (int argc, char **argv)
{
    int rc = s_no_arguments (argc, argv);
    if (rc)
        return rc;
    ecom_config_t *config;
    PGconn *conn = s_connect (&config);
    if (!conn) {
        ecom_config_destroy (&config);
        return 1;
    }
    char err[2048];
    int applied = migrate_apply (conn, ecom_migrations, stdout, err, sizeof err);
    if (applied < 0)
        fprintf (stderr, "ecomctl: %s\n", err);
    else if (applied == 0)
        printf ("database is up to date\n");
    PQfinish (conn);
    ecom_config_destroy (&config);
    return applied < 0 ? 1 : 0;
}

static void
s_progress (void *arg, long done, long total)
{
    int *last = arg;
    int percent = total ? (int) (done * 100 / total) : 100;
    if (isatty (STDERR_FILENO)) {
        int filled = percent * 40 / 100;
        fprintf (stderr, "\rorders [%.*s%*s] %3d%% %ld/%ld", filled,
                 "########################################", 40 - filled, "", percent, done, total);
        if (done == total)
            fputc ('\n', stderr);
    }
    else if (percent / 10 != *last / 10 || (done == total && *last != 100)) {
        fprintf (stderr, "seed: %d%% of orders (%ld/%ld)\n", percent, done, total);
    }
    *last = percent;
}

static int
s_seed (int argc, char **argv)
{
    static const struct option options[] = {
        {"customers", required_argument, NULL, 'c'}, {"products", required_argument, NULL, 'p'},
        {"orders", required_argument, NULL, 'o'},    {"days", required_argument, NULL, 'd'},
        {"random-seed", required_argument, NULL, 's'}, {"end-date", required_argument, NULL, 'e'},
        {"reset", no_argument, NULL, 'r'},           {"if-empty", no_argument, NULL, 'i'},
        {NULL, 0, NULL, 0}};
    seed_options_t o;
    seed_options_default (&o);
    bool if_empty = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, ":", options, NULL)) != -1) {
        long long n = 0;
        const char *name = c == '?' || c == ':' ? NULL : options[0].name;
        for (const struct option *opt = options; opt->name; opt++)
            if (opt->val == c)
                name = opt->name;
        switch (c) {
        case 'c':
            if (s_number (optarg, 1, SEED_MAX_CUSTOMERS, &n))
                goto bad_value;
            o.customers = (long) n;
            break;
        case 'p':
            if (s_number (optarg, 1, SEED_MAX_PRODUCTS, &n))
                goto bad_value;
            o.products = (long) n;
            break;
        case 'o':
            if (s_number (optarg, 0, SEED_MAX_ORDERS, &n))
                goto bad_value;
            o.orders = (long) n;
            break;
        case 'd':
            if (s_number (optarg, 1, SEED_MAX_DAYS, &n))
                goto bad_value;
            o.days = (int) n;
            break;
        case 's':
            if (s_number (optarg, 0, INT64_MAX, &n))
                goto bad_value;
            o.random_seed = (uint64_t) n;
            break;
        case 'e':
            if (ecom_date_parse (optarg, &o.end_date))
                return s_usage_error ("--end-date must be a date YYYY-MM-DD, not '%s'", optarg);
            break;
        case 'r':
            o.reset = true;
            break;
        case 'i':
            if_empty = true;
            break;
        case ':':
            return s_usage_error ("option '%s' needs a value", argv[optind - 1]);
        default:
            return s_usage_error ("unknown option '%s'", argv[optind - 1]);
        }
        continue;
    bad_value:;
        return s_usage_error ("--%s must be a whole number in range, not '%s'", name, optarg);
    }
    if (optind < argc)
        return s_usage_error ("unexpected argument '%s'", argv[optind]);
    int32_t first_year_day = o.end_date - o.days + 1;
    int year, month, day;
    ecom_date_to_ymd (first_year_day, &year, &month, &day);
    if (year < 1)
        return s_usage_error ("%s", "--days reaches before year 1");

    ecom_config_t *config;
    PGconn *conn = s_connect (&config);
    if (!conn) {
        ecom_config_destroy (&config);
        return 1;
    }
    char err[2048];
    int rc = 1;
    if (if_empty) {
        long long rows = seed_existing_rows (conn, err, sizeof err);
        if (rows < 0) {
            fprintf (stderr, "ecomctl: %s\n", err);
            goto done;
        }
        if (rows > 0) {
            printf ("the database already has data: not seeding\n");
            rc = 0;
            goto done;
        }
    }
    int last = -1;
    seed_counts_t counts;
    long long version = 0;
    if (seed_run (conn, &o, s_progress, &last, &counts, &version, err, sizeof err)) {
        if (last >= 0 && isatty (STDERR_FILENO))
            fputc ('\n', stderr);
        fprintf (stderr, "ecomctl: %s\n", err);
        goto done;
    }
    printf ("dim_customer %lld\ndim_product %lld\ndim_time %lld\nfact_order %lld\n",
            counts.customers, counts.products, counts.dates, counts.orders);
    if (ecom_data_version_publish (config->redis_url, version, err, sizeof err))
        fprintf (stderr, "ecomctl: warning: %s; services will pick the new data version up "
                         "from PostgreSQL when Redis is back\n", err);
    rc = 0;
done:
    PQfinish (conn);
    ecom_config_destroy (&config);
    return rc;
}

static int
s_load_csv (int argc, char **argv)
{
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0')
        return s_usage_error ("unknown option '%s'", argv[1]);
    if (argc > 2)
        return s_usage_error ("unexpected argument '%s'", argv[2]);
    ecom_config_t *config;
    PGconn *conn = s_connect (&config);
    if (!conn) {
        ecom_config_destroy (&config);
        return 1;
    }
    const char *path = argc > 1 ? argv[1] : config->etl_source;
    char err[1024], task_id[40];
    int rc = 1;
    long long run_id = etl_load_queue (conn, "cli", path, task_id, err, sizeof err);
    if (run_id < 0)
        fprintf (stderr, "ecomctl: cannot record the run: %s\n", err);
    else {
        etl_load_result_t result;
        rc = etl_load_run (conn, run_id, path, &result) == 0 ? 0 : 1;
        printf ("task_id %s\nstatus %s\nrows_read %lld\nrows_loaded %lld\n"
                "rows_skipped %lld\nrows_rejected %lld\n",
                task_id, rc == 0 ? "success" : "failed", result.rows_read, result.rows_loaded,
                result.rows_skipped, result.rows_rejected);
        if (rc)
            fprintf (stderr, "ecomctl: the load failed: %s\n", result.error);
        else if (result.data_changed
                 && ecom_data_version_publish (config->redis_url, result.data_version, err,
                                               sizeof err))
            fprintf (stderr, "ecomctl: warning: %s; services will pick the new data version "
                             "up from PostgreSQL when Redis is back\n", err);
    }
    PQfinish (conn);
    ecom_config_destroy (&config);
    return rc;
}

static int
s_createuser (int argc, char **argv)
{
    static const struct option options[] = {{"password-stdin", no_argument, NULL, 'p'},
                                            {NULL, 0, NULL, 0}};
    bool from_stdin = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, ":", options, NULL)) != -1) {
        if (c == 'p')
            from_stdin = true;
        else
            return s_usage_error ("unknown option '%s'", argv[optind - 1]);
    }
    if (optind != argc - 1)
        return optind >= argc ? s_usage_error ("%s", "createuser needs a USERNAME")
                              : s_usage_error ("unexpected argument '%s'", argv[optind + 1]);
    const char *username = argv[optind];
    if (!createuser_username_valid (username))
        return s_usage_error ("invalid username '%s': use 1 to 150 letters, digits and _ . @ + -",
                              username);
    char password[CREATEUSER_MAX_PASSWORD + 2];
    char err[1024];
    if (createuser_read_password (from_stdin, password, sizeof password, err, sizeof err)) {
        fprintf (stderr, "ecomctl: %s\n", err);
        return EXIT_USAGE;
    }
    ecom_config_t *config;
    PGconn *conn = s_connect (&config);
    int rc = 1;
    if (conn) {
        createuser_result_t result = createuser_create (conn, username, password, err, sizeof err);
        if (result == CREATEUSER_OK) {
            printf ("created user %s\n", username);
            rc = 0;
        }
        else {
            fprintf (stderr, "ecomctl: %s\n", err);
            rc = result == CREATEUSER_INVALID ? EXIT_USAGE : 1;
        }
        PQfinish (conn);
    }
    sodium_memzero (password, sizeof password);
    ecom_config_destroy (&config);
    return rc;
}

static int
s_keygen (int argc, char **argv)
{
    static const struct option options[] = {{"client", required_argument, NULL, 'c'},
                                            {NULL, 0, NULL, 0}};
    const char *client = NULL;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, ":", options, NULL)) != -1) {
        if (c == 'c')
            client = optarg;
        else if (c == ':')
            return s_usage_error ("%s", "--client needs a NAME");
        else
            return s_usage_error ("unknown option '%s'", argv[optind - 1]);
    }
    if (optind != argc - 1)
        return optind >= argc ? s_usage_error ("%s", "keygen needs a DIR")
                              : s_usage_error ("unexpected argument '%s'", argv[optind + 1]);
    char err[512];
    int written = mdp_curve_keygen (argv[optind], client, err, sizeof err);
    if (written < 0) {
        fprintf (stderr, "ecomctl: %s\n", err);
        return client && strstr (err, "client name") ? EXIT_USAGE : 1;
    }
    printf ("%d certificate(s) written to %s\n", written, argv[optind]);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc < 2)
        return s_usage_error ("%s", "missing COMMAND");
    const char *command = argv[1];
    if (strcmp (command, "--help") == 0 || strcmp (command, "-h") == 0
        || strcmp (command, "help") == 0) {
        s_print_usage ();
        return 0;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_print_usage ();
            return 0;
        }
    if (strcmp (command, "migrate") == 0)
        return s_migrate (argc - 1, argv + 1);
    if (strcmp (command, "seed") == 0)
        return s_seed (argc - 1, argv + 1);
    if (strcmp (command, "load-csv") == 0)
        return s_load_csv (argc - 1, argv + 1);
    if (strcmp (command, "createuser") == 0)
        return s_createuser (argc - 1, argv + 1);
    if (strcmp (command, "keygen") == 0)
        return s_keygen (argc - 1, argv + 1);
    return s_usage_error ("%s '%s'", command[0] == '-' ? "unknown option" : "unknown command",
                          command);
}
