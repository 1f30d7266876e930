/*
 * python/request: see request.h.
 */
#include "config.h"
#include "python/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "python/code.h"
#include "python/objects.h"
#include "python/stack.h"
#include "python/target.h"
#include "util.h"

enum { L_SCOPE, L_ENVIRON, L_REQ, L_CTX, NLOCALS };

static const char *const local_names[NLOCALS] = {"scope", "environ", "req", "ctx"};

#define SLOT_UNKNOWN (-2)
#define ROUTE_TRIES  16 /* re-reads of a route not yet matched, per request */

void pyreq_init(struct pyreq_state *st)
{
    memset(st, 0, sizeof *st);
}

void pyreq_free(struct pyreq_state *st)
{
    free(st->slots);
    free(st->memo);
    free(st->routes);
    memset(st, 0, sizeof *st);
}

/* Where code id keeps its request locals (read on first sight), or NULL
 * when out of memory. */
static const struct pyreq_locals *slots_of(struct py_target *t, struct pyreq_state *st,
                                           uint32_t code)
{
    if (code >= st->nslots) {
        size_t n = (size_t)code + 1;
        if (vec_reserve((void **)&st->slots, &st->cap, sizeof *st->slots, n) != 0)
            return NULL;
        for (size_t i = st->nslots; i < n; i++)
            for (int k = 0; k < NLOCALS; k++)
                st->slots[i].slot[k] = SLOT_UNKNOWN;
        st->nslots = n;
    }
    struct pyreq_locals *s = &st->slots[code];
    if (s->slot[0] == SLOT_UNKNOWN) {
        s->cells = 0;
        for (int k = 0; k < NLOCALS; k++) {
            int cell = 0;
            s->slot[k] = (int16_t)pyobj_local_index(t, code, local_names[k], &cell);
            s->cells |= (uint8_t)(cell << k);
        }
    }
    return s;
}

static int is_type(struct py_target *t, uint64_t obj, const char *name)
{
    char tname[48];
    return pyobj_type_name(t, obj, tname, sizeof tname) == 0 && strcmp(tname, name) == 0;
}

static int dict_str(struct py_target *t, uint64_t dict, const char *key, char *buf, size_t size)
{
    uint64_t v;
    return pyobj_dict_get(t, dict, key, &v) == 0 ? pyobj_str(t, v, buf, size) : -1;
}

static int attr_str(struct py_target *t, uint64_t obj, const char *name, char *buf, size_t size)
{
    uint64_t v;
    return pyobj_getattr(t, obj, name, &v) == 0 ? pyobj_str(t, v, buf, size) : -1;
}

/* The path of the request object obj held in local k, into buf, as it
 * reads. */
static int request_path_of(struct py_target *t, int k, uint64_t obj, char *buf, size_t size)
{
    if (k == L_SCOPE) {
        char type[16];
        return is_type(t, obj, "dict") && dict_str(t, obj, "type", type, sizeof type) == 0 &&
                       strcmp(type, "http") == 0
                   ? dict_str(t, obj, "path", buf, size)
                   : -1;
    }
    if (k == L_ENVIRON)
        return is_type(t, obj, "dict") ? dict_str(t, obj, "PATH_INFO", buf, size) : -1;
    return attr_str(t, obj, "path", buf, size); /* gunicorn's and werkzeug's requests */
}

/* The path of the request object obj held in local k, into buf: the test
 * that obj is a request at all. */
static int request_path(struct py_target *t, int k, uint64_t obj, char *buf, size_t size)
{
    int rc = request_path_of(t, k, obj, buf, size);
    /* A request's path is absolute; anything else was read from an
     * object still being filled in. */
    return rc == 0 && buf[0] == '/' ? 0 : -1;
}

/* The route the framework matched, "" while it has matched none. */
static void request_route(struct py_target *t, int k, uint64_t obj, const struct py_frame *f,
                          const struct pyreq_locals *slots, char *buf, size_t size)
{
    uint64_t v;
    buf[0] = '\0';
    if (k == L_SCOPE && pyobj_dict_get(t, obj, "route", &v) == 0) {
        if (attr_str(t, v, "path", buf, size) != 0) /* Starlette's and FastAPI's routes */
            buf[0] = '\0';
    } else if ((k == L_ENVIRON && slots->slot[L_CTX] >= 0 &&
                pyobj_frame_local(t, f, slots->slot[L_CTX], slots->cells >> L_CTX & 1, &v) == 0 &&
                pyobj_getattr(t, v, "request", &v) == 0 &&
                pyobj_getattr(t, v, "url_rule", &v) == 0) ||
               (k == L_REQ && pyobj_getattr(t, obj, "url_rule", &v) == 0)) {
        /* Flask: its request context's request, or the request itself
         * (Flask.dispatch_request's req), holds the matched rule. */
        if (attr_str(t, v, "rule", buf, size) != 0)
            buf[0] = '\0';
    }
}

static int second_item(void *ctx, uint64_t key, uint64_t value)
{
    (void)value;
    uint64_t *items = ctx;
    items[items[0] == 0 ? 0 : 1] = key;
    return items[1] != 0;
}

/* The client's TCP port of the request object obj held in local k, 0
 * when it has none (a Unix socket) or it cannot be read: ASGI's
 * scope["client"] (host, port), WSGI's environ["REMOTE_PORT"],
 * gunicorn's req.peer_addr. */
static uint32_t request_client(struct py_target *t, int k, uint64_t obj)
{
    uint64_t v, items[2] = {0, 0}, port = 0;
    char text[16];
    if (k == L_ENVIRON)
        return dict_str(t, obj, "REMOTE_PORT", text, sizeof text) == 0
                   ? (uint32_t)strtoul(text, NULL, 10)
                   : 0;
    if ((k == L_SCOPE ? pyobj_dict_get(t, obj, "client", &v)
                      : pyobj_getattr(t, obj, "peer_addr", &v)) != 0 ||
        pyobj_each(t, v, 2, second_item, items) < 2 || pyobj_uint(t, items[1], &port) != 0)
        return 0;
    return (uint32_t)port;
}

/* The request's method; -1 when it is not one (a request object still
 * being filled in, or something else under a request's name). */
static int request_method(struct py_target *t, int k, uint64_t obj, char *buf, size_t size)
{
    int rc = k == L_SCOPE     ? dict_str(t, obj, "method", buf, size)
             : k == L_ENVIRON ? dict_str(t, obj, "REQUEST_METHOD", buf, size)
                              : attr_str(t, obj, "method", buf, size);
    if (rc != 0 || buf[0] == '\0')
        return -1;
    /* RFC 9110's methods and WebDAV's: a header name read from a request
     * still being parsed ("HOST") is none of them. */
    static const char *const methods[] = {
        "GET",   "HEAD",   "POST",     "PUT",       "DELETE", "CONNECT", "OPTIONS",
        "TRACE", "PATCH",  "PROPFIND", "PROPPATCH", "MKCOL",  "COPY",    "MOVE",
        "LOCK",  "UNLOCK", "REPORT",   "SEARCH",    "QUERY",
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(buf, methods[i]) == 0)
            return 0;
    return -1;
}

/* Is the segment s[0..n) an id: digits, a long hexadecimal number, or a
 * UUID? */
static int is_id(const char *s, size_t n)
{
    size_t digits = 0, hex = 0, dashes = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            hex++;
        else if (c == '-')
            dashes++;
        else
            return 0;
    }
    if (n > 0 && digits == n)
        return 1;
    if (dashes == 0)
        return n >= 8 && digits > 0; /* "5f2a9c1b...", not "cafe" or "beef" */
    /* 8-4-4-4-12 */
    return n == 36 && dashes == 4 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

/* "GET /users/{id}": the method and the path with its ids as {id}. */
static void id_path(const struct py_request *r, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "%s ", r->method);
    if (o >= size)
        return;
    const char *p = r->path;
    while (*p && o + 1 < size) {
        if (*p == '/') {
            buf[o++] = *p++;
            continue;
        }
        size_t n = strcspn(p, "/");
        int id = is_id(p, n);
        const char *seg = id ? "{id}" : p;
        size_t len = id ? 4 : n;
        if (o + len >= size)
            len = size - o - 1;
        memcpy(buf + o, seg, len);
        o += len;
        p += n;
    }
    buf[o] = '\0';
}

/* Remember that requests of r's path match r's route. */
static void learn_route(struct pyreq_state *st, const struct py_request *r)
{
    char path[PYREQ_TEXT];
    id_path(r, path, sizeof path);
    for (int i = 0; i < st->nroutes; i++)
        if (strcmp(st->routes[i].path, path) == 0) {
            str_copy(st->routes[i].route, PYREQ_TEXT, r->route);
            return;
        }
    if (st->routes == NULL && (st->routes = calloc(PYREQ_ROUTES, sizeof *st->routes)) == NULL)
        return; /* not learnt: the path's {id} form names the endpoint */
    if (st->nroutes < PYREQ_ROUTES) {
        struct pyreq_route *e = &st->routes[st->nroutes++];
        str_copy(e->path, sizeof e->path, path);
        str_copy(e->route, sizeof e->route, r->route);
    }
}

void pyreq_endpoint(const struct pyreq_state *st, const struct py_request *r, char *buf,
                    size_t size)
{
    if (r->route[0]) {
        snprintf(buf, size, "%s %s", r->method, r->route);
        return;
    }
    id_path(r, buf, size);
    for (int i = 0; i < st->nroutes; i++)
        if (strcmp(st->routes[i].path, buf) == 0) {
            snprintf(buf, size, "%s %s", r->method, st->routes[i].route);
            return;
        }
}

int pyreq_find(struct py_target *t, struct pyreq_state *st, const struct py_frame *f, int n,
               const struct py_request **out)
{
    if (st->memo == NULL && (st->memo = calloc(PYREQ_MEMO, sizeof *st->memo)) == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        const struct pyreq_locals *slots = slots_of(t, st, f[i].code);
        if (slots == NULL)
            return -1;
        for (int k = L_SCOPE; k <= L_REQ; k++) {
            uint64_t obj;
            char path[PYREQ_TEXT];
            if (slots->slot[k] < 0 ||
                pyobj_frame_local(t, &f[i], slots->slot[k], slots->cells >> k & 1, &obj) != 0 ||
                request_path(t, k, obj, path, sizeof path) != 0)
                continue;
            /* The same request as when last read (an object's address
             * alone could be a new request's: freed objects are reused). */
            struct pyreq_memo *m = &st->memo[(obj >> 4) % PYREQ_MEMO];
            struct py_request *r = &m->req;
            uint32_t client = request_client(t, k, obj);
            if (r->key != obj || r->client != client || strcmp(r->path, path) != 0) {
                r->key = 0; /* until it reads whole */
                if (request_method(t, k, obj, r->method, sizeof r->method) != 0)
                    continue;
                r->key = obj;
                r->client = client;
                str_copy(r->path, sizeof r->path, path);
                r->route[0] = '\0';
                m->tries = 0;
            }
            if (r->route[0] == '\0' && m->tries < ROUTE_TRIES) {
                m->tries++;
                request_route(t, k, obj, &f[i], slots, r->route, sizeof r->route);
                if (r->route[0])
                    learn_route(st, r);
            }
            *out = r;
            return 1;
        }
    }
    return 0;
}
