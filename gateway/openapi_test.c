/*  openapi: the document served at /api/schema/ against the route table. One source of
    truth: every route of routes.c but /api/schema/ and /api/docs/ is documented, with the
    same method, and nothing else is; auth, bodies, throttling and the error answers agree
    with the table's flags. Adding a route without documenting it fails here. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "openapi.h"
#include "routes.h"

static const char *const s_http_methods[] = {"get",     "put",  "post",  "delete",
                                             "options", "head", "patch", "trace"};

/*  The routes the document must describe: all but the schema and the docs (SPEC §6). */
static bool
s_documented (const route_t *route)
{
    return strcmp (route->path, "/api/schema/") != 0 && strcmp (route->path, "/api/docs/") != 0;
}

static json_t *
s_load (void)
{
    json_error_t err;
    json_t *doc = json_loads (openapi_document (), JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fail_msg ("openapi.json line %d: %s", err.line, err.text);
    return doc;
}

/*  Follows a local "$ref" ("#/components/responses/X") once; other values come back as is. */
static json_t *
s_deref (json_t *doc, json_t *value)
{
    json_t *ref = json_object_get (value, "$ref");
    if (!ref)
        return value;
    const char *pointer = json_string_value (ref);
    assert_non_null (pointer);
    assert_true (strncmp (pointer, "#/", 2) == 0);
    char copy[256];
    snprintf (copy, sizeof copy, "%s", pointer + 2);
    json_t *node = doc;
    char *rest = NULL;
    for (char *part = strtok_r (copy, "/", &rest); part; part = strtok_r (NULL, "/", &rest)) {
        node = json_object_get (node, part);
        if (!node)
            fail_msg ("$ref %s does not resolve", pointer);
    }
    return node;
}

static json_t *
s_operation (json_t *doc, const route_t *route)
{
    char method[16];
    size_t i = 0;
    for (; route->method[i] && i + 1 < sizeof method; i++)
        method[i] = (char) tolower ((unsigned char) route->method[i]);
    method[i] = '\0';
    return json_object_get (json_object_get (json_object_get (doc, "paths"), route->path), method);
}

static void
test_document_is_openapi_3 (void **state)
{
    json_t *doc = s_load ();
    const char *version = json_string_value (json_object_get (doc, "openapi"));
    assert_non_null (version);
    assert_true (strncmp (version, "3.0.", 4) == 0);
    json_t *scheme = json_object_get (
        json_object_get (json_object_get (doc, "components"), "securitySchemes"), "bearerAuth");
    assert_string_equal (json_string_value (json_object_get (scheme, "type")), "http");
    assert_string_equal (json_string_value (json_object_get (scheme, "scheme")), "bearer");
    assert_string_equal (json_string_value (json_object_get (scheme, "bearerFormat")), "JWT");
    json_decref (doc);
}

static void
test_paths_and_methods_equal_the_route_table (void **state)
{
    json_t *doc = s_load ();
    size_t count = 0, expected = 0;
    const route_t *routes = routes_all (&count);
    for (size_t i = 0; i < count; i++) {
        if (!s_documented (&routes[i]))
            continue;
        expected++;
        if (!s_operation (doc, &routes[i]))
            fail_msg ("route %s %s is not in openapi.json", routes[i].method, routes[i].path);
    }
    /* And the other way: every operation of the document is a route of the table. */
    size_t operations = 0;
    const char *path;
    json_t *item;
    json_object_foreach (json_object_get (doc, "paths"), path, item)
    {
        for (size_t m = 0; m < sizeof s_http_methods / sizeof s_http_methods[0]; m++) {
            if (!json_object_get (item, s_http_methods[m]))
                continue;
            operations++;
            char method[16];
            size_t n = 0;
            for (; s_http_methods[m][n]; n++)
                method[n] = (char) toupper ((unsigned char) s_http_methods[m][n]);
            method[n] = '\0';
            bool known = false;
            const route_t *route = routes_match (method, n, path, strlen (path), &known, NULL, 0);
            if (!route || strcmp (route->path, path) != 0 || !s_documented (route))
                fail_msg ("openapi.json documents %s %s, which is not a route", method, path);
        }
    }
    assert_int_equal (operations, expected);
    assert_true (expected >= 11);
    json_decref (doc);
}

/*  True when the operation documents status. */
static json_t *
s_response (json_t *doc, json_t *operation, const char *status)
{
    json_t *response = json_object_get (json_object_get (operation, "responses"), status);
    return response ? s_deref (doc, response) : NULL;
}

static void
test_operations_agree_with_the_route_flags (void **state)
{
    json_t *doc = s_load ();
    size_t count = 0;
    const route_t *routes = routes_all (&count);
    for (size_t i = 0; i < count; i++) {
        const route_t *route = &routes[i];
        if (!s_documented (route))
            continue;
        json_t *op = s_operation (doc, route);
        const char *name = route->path;
        /* Bearer routes name the scheme; the others need nothing. */
        json_t *security = json_object_get (op, "security");
        if (route->auth) {
            json_t *first = json_array_get (security, 0);
            if (!json_object_get (first, "bearerAuth"))
                fail_msg ("%s: needs security bearerAuth", name);
            if (!s_response (doc, op, "401"))
                fail_msg ("%s: a bearer route answers 401", name);
        }
        else if (security && json_array_size (security) > 0)
            fail_msg ("%s: documented as protected, but the route is not", name);
        /* A body exactly where the gateway reads one. */
        if ((json_object_get (op, "requestBody") != NULL) != route->body)
            fail_msg ("%s: requestBody and the route's body flag disagree", name);
        if ((s_response (doc, op, "429") != NULL) != route->throttled)
            fail_msg ("%s: 429 and the route's throttled flag disagree", name);
        /* Every route: a success, 405 for other methods, 413 for a body over 1 MiB. */
        if (!s_response (doc, op,
                         route->kind == ROUTE_RPC && strcmp (route->op, "trigger") == 0 ? "202"
                                                                                        : "200"))
            fail_msg ("%s: no success answer", name);
        const char *always[] = {"405", "413"};
        const char *rpc[] = {"400", "500", "502", "503", "504"};
        for (size_t k = 0; k < 2; k++)
            if (!s_response (doc, op, always[k]))
                fail_msg ("%s: %s not documented", name, always[k]);
        for (size_t k = 0; route->kind == ROUTE_RPC && k < 5; k++)
            if (!s_response (doc, op, rpc[k]))
                fail_msg ("%s: %s not documented", name, rpc[k]);
        /* Every error answer has the error shape. */
        const char *status;
        json_t *response;
        json_object_foreach (json_object_get (op, "responses"), status, response)
        {
            if (status[0] != '4' && status[0] != '5')
                continue;
            if (strcmp (name, "/healthz") == 0 && strcmp (status, "503") == 0)
                continue; /* /healthz's 503 is its own body */
            json_t *schema = json_object_get (
                json_object_get (json_object_get (s_deref (doc, response), "content"),
                                 "application/json"),
                "schema");
            const char *ref = json_string_value (json_object_get (schema, "$ref"));
            if (!ref || strcmp (ref, "#/components/schemas/Error") != 0)
                fail_msg ("%s %s: not the error schema", name, status);
        }
    }
    json_decref (doc);
}

/*  Every "$ref" anywhere in the document points at something. */
static void
s_check_refs (json_t *doc, json_t *node)
{
    if (json_is_object (node)) {
        const char *key;
        json_t *value;
        json_object_foreach (node, key, value)
        {
            if (strcmp (key, "$ref") == 0)
                s_deref (doc, node);
            else
                s_check_refs (doc, value);
        }
    }
    else if (json_is_array (node)) {
        for (size_t i = 0; i < json_array_size (node); i++)
            s_check_refs (doc, json_array_get (node, i));
    }
}

static void
test_every_reference_resolves (void **state)
{
    json_t *doc = s_load ();
    s_check_refs (doc, doc);
    json_decref (doc);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_document_is_openapi_3),
        cmocka_unit_test (test_paths_and_methods_equal_the_route_table),
        cmocka_unit_test (test_operations_agree_with_the_route_flags),
        cmocka_unit_test (test_every_reference_resolves),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
