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

static int attr_str(struct py_target *t, uint64_t obj, const char *name, char *buf, size_t size)
{
    uint64_t v;
    return pyobj_getattr(t, obj, name, &v) == 0 ? pyobj_str(t, v, buf, size) : -1;
}

/* What a request object holds, as the addresses of its items (0 where
 * absent): for scope and environ, read in one lookup of the dict. */
struct fields {
    uint64_t type; /* scope["type"] */
    uint64_t path, method, client, route;
    int client_text; /* client is a str holding the port (WSGI's REMOTE_PORT) */
};

/* Is the scope of type "http"? The type is a str constant of the
 * server's code: once read, known by its address. */
static int is_http(struct py_target *t, struct pyreq_state *st, uint64_t type)
{
    char text[16];
    if (type == st->http)
        return 1;
    if (type == st->not_http) /* "lifespan", held by a server's lifespan task */
        return 0;
    if (pyobj_str(t, type, text, sizeof text) != 0)
        return 0;
    if (strcmp(text, "http") != 0) {
        st->not_http = type;
        return 0;
    }
    st->http = type;
    return 1;
}

/* The items of the request object obj held in local k; -1 when it has
 * no path (it is no request). */
static int request_fields(struct py_target *t, struct pyreq_state *st, int k, uint64_t obj,
                          struct fields *f)
{
    static const char *const scope_keys[] = {"type", "path", "method", "client", "route"};
    static const char *const environ_keys[] = {"PATH_INFO", "REQUEST_METHOD", "REMOTE_PORT"};
    uint64_t v[5];
    memset(f, 0, sizeof *f);
    if (k == L_SCOPE) {
        /* The type first: a lifespan scope has no path to look for. The
         * route is taken where the scope has it by now. */
        if (pyobj_dict_get_many(t, obj, scope_keys, 5, 1, v) < 0 || v[0] == 0 ||
            !is_http(t, st, v[0]) ||
            ((v[1] == 0 || v[2] == 0 || v[3] == 0) &&
             pyobj_dict_get_many(t, obj, scope_keys, 5, 4, v) < 0))
            return -1;
        *f = (struct fields){v[0], v[1], v[2], v[3], v[4]};
        return f->path != 0 ? 0 : -1;
    }
    if (k == L_ENVIRON) {
        if (pyobj_dict_get_many(t, obj, environ_keys, 3, 3, v) < 0)
            return -1;
        *f = (struct fields){0, v[0], v[1], v[2], 0, 1};
        return f->path != 0 ? 0 : -1;
    }
    /* gunicorn's and werkzeug's request objects. */
    if (pyobj_getattr(t, obj, "path", &f->path) != 0)
        return -1;
    if (pyobj_getattr(t, obj, "peer_addr", &f->client) == 0)
        return 0;
    /* werkzeug's (Flask's) has no peer: its WSGI environ has the port.
     * Without it, a request freed and the next one made at the same
     * address for the same path, with no tick between them, read as one. */
    uint64_t environ;
    f->client_text = 1;
    if (pyobj_getattr(t, obj, "environ", &environ) != 0 ||
        pyobj_dict_get(t, environ, "REMOTE_PORT", &f->client) != 0)
        f->client = 0;
    return 0;
}

/* The request's path, as it reads: -1 unless absolute (anything else
 * was read from an object still being filled in). */
static int request_path(struct py_target *t, const struct fields *f, char *buf, size_t size)
{
    return pyobj_str(t, f->path, buf, size) == 0 && buf[0] == '/' ? 0 : -1;
}

/* The route the framework matched, "" while it has matched none. A
 * route is an object of the application, made once: its template is
 * read once (st->route_names). */
static void request_route(struct py_target *t, struct pyreq_state *st, int k, uint64_t obj,
                          const struct fields *fl, const struct py_frame *f,
                          const struct pyreq_locals *slots, char *buf, size_t size)
{
    uint64_t v = 0;
    const char *attr = "rule";
    buf[0] = '\0';
    if (k == L_SCOPE) {
        /* Starlette's and FastAPI's routes. The scope's lookup takes the
         * route only where its key is known by address: until then it is
         * looked for by name. */
        v = fl->route;
        if (v == 0 && pyobj_dict_get(t, obj, "route", &v) != 0)
            v = 0;
        attr = "path";
    } else if ((k == L_ENVIRON && slots->slot[L_CTX] >= 0 &&
                pyobj_frame_local(t, f, slots->slot[L_CTX], slots->cells >> L_CTX & 1, &v) == 0 &&
                pyobj_getattr(t, v, "request", &v) == 0 &&
                pyobj_getattr(t, v, "url_rule", &v) == 0) ||
               (k == L_REQ && pyobj_getattr(t, obj, "url_rule", &v) == 0)) {
        /* Flask: its request context's request, or the request itself
         * (Flask.dispatch_request's req), holds the matched rule. */
    } else {
        v = 0;
    }
    if (v == 0)
        return;
    const char *known = addr_names_find(&st->route_names, v);
    if (known != NULL) {
        str_copy(buf, size, known);
        return;
    }
    if (attr_str(t, v, attr, buf, size) != 0) {
        buf[0] = '\0';
        return;
    }
    addr_names_add(&st->route_names, v, buf);
}

static int second_item(void *ctx, uint64_t key, uint64_t value)
{
    (void)value;
    uint64_t *items = ctx;
    items[items[0] == 0 ? 0 : 1] = key;
    return items[1] != 0;
}

/* The client's TCP port, 0 when there is none (a Unix socket) or it
 * cannot be read: ASGI's scope["client"] (host, port), WSGI's
 * environ["REMOTE_PORT"] (also a werkzeug request's), gunicorn's
 * req.peer_addr. */
static uint32_t request_client(struct py_target *t, const struct fields *f)
{
    uint64_t items[2] = {0, 0}, port = 0;
    char text[16];
    if (f->client == 0)
        return 0;
    if (f->client_text)
        return pyobj_str(t, f->client, text, sizeof text) == 0 ? (uint32_t)strtoul(text, NULL, 10)
                                                               : 0;
    if (pyobj_each(t, f->client, 2, second_item, items) < 2 || pyobj_uint(t, items[1], &port) != 0)
        return 0;
    return (uint32_t)port;
}

/* The request's method; -1 when it is not one (a request object still
 * being filled in, or something else under a request's name). */
static int request_method(struct py_target *t, int k, uint64_t obj, const struct fields *f,
                          char *buf, size_t size)
{
    /* A request object's method is looked up only for a new request. */
    uint64_t method = f->method;
    if (k == L_REQ && pyobj_getattr(t, obj, "method", &method) != 0)
        return -1;
    if (method == 0 || pyobj_str(t, method, buf, size) != 0 || buf[0] == '\0')
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

/* The request object obj, held in local k of frame f, as r; 1 when it is
 * one, 0 when not, -1 when out of memory. */
static int request_of(struct py_target *t, struct pyreq_state *st, int k, uint64_t obj,
                      const struct py_frame *f, const struct pyreq_locals *slots,
                      const struct py_request **out)
{
    struct fields fl;
    char path[PYREQ_TEXT];
    if (request_fields(t, st, k, obj, &fl) != 0 || request_path(t, &fl, path, sizeof path) != 0)
        return 0;
    /* The same request as when last read (an object's address alone
     * could be a new request's: freed objects are reused). */
    struct pyreq_memo *m = &st->memo[(obj >> 4) % PYREQ_MEMO];
    struct py_request *r = &m->req;
    uint32_t client = request_client(t, &fl);
    if (r->key != obj || r->client != client || strcmp(r->path, path) != 0) {
        r->key = 0; /* until it reads whole */
        if (request_method(t, k, obj, &fl, r->method, sizeof r->method) != 0)
            return 0;
        r->key = obj;
        r->client = client;
        str_copy(r->path, sizeof r->path, path);
        r->route[0] = '\0';
        m->tries = 0;
    }
    if (r->route[0] == '\0' && m->tries < ROUTE_TRIES) {
        m->tries++;
        request_route(t, st, k, obj, &fl, f, slots, r->route, sizeof r->route);
        if (r->route[0])
            learn_route(st, r);
    }
    *out = r;
    return 1;
}

int pyreq_find(struct py_target *t, struct pyreq_state *st, const struct py_frame *f, int n,
               const struct py_request **out)
{
    if (st->memo == NULL && (st->memo = calloc(PYREQ_MEMO, sizeof *st->memo)) == NULL)
        return -1;
    /* The request locals of up to REFS frames read at once, innermost
     * first; the objects found to be no request remembered, for the
     * frames of a call chain hand the same scope down (a server's
     * lifespan task holds one of type "lifespan" in a dozen frames). */
    enum { REFS = 48, REJECTED_MAX = 8 };
    struct pyobj_local_ref refs[REFS];
    uint64_t objs[REFS], rejected[REJECTED_MAX];
    int ks[REFS], nrejected = 0;
    /* By code id, not by pointer: a later frame's slots_of may move
     * st->slots. */
    uint32_t of[REFS];
    for (int i = 0; i < n;) {
        int nrefs = 0;
        for (; i < n && nrefs + L_REQ + 1 <= REFS; i++) {
            const struct pyreq_locals *slots = slots_of(t, st, f[i].code);
            if (slots == NULL)
                return -1;
            for (int k = L_SCOPE; k <= L_REQ; k++)
                if (slots->slot[k] >= 0) {
                    refs[nrefs] =
                        (struct pyobj_local_ref){&f[i], slots->slot[k], slots->cells >> k & 1};
                    ks[nrefs] = k;
                    of[nrefs++] = f[i].code;
                }
        }
        if (nrefs == 0)
            continue;
        pyobj_frame_local_many(t, refs, nrefs, objs);
        for (int j = 0; j < nrefs; j++) {
            uint64_t obj = objs[j];
            int known = obj == 0;
            for (int x = 0; x < nrejected && x < REJECTED_MAX && !known; x++)
                known = rejected[x] == obj;
            if (known)
                continue;
            int rc = request_of(t, st, ks[j], obj, refs[j].f, &st->slots[of[j]], out);
            if (rc != 0)
                return rc;
            rejected[nrejected++ % REJECTED_MAX] = obj;
        }
    }
    return 0;
}
