/*
 * python/request: the HTTP request a stack is serving, read from the
 * locals of its frames, with no code in the service.
 *
 * A server hands each request down its call chain in a variable whose
 * name is fixed by a standard or by the server: ASGI's `scope` (a dict,
 * type "http", with method and path; Starlette and FastAPI put the
 * matched route in scope["route"], whose `path` is the template), WSGI's
 * `environ` (REQUEST_METHOD, PATH_INFO), gunicorn's and Flask's `req`
 * (an object with method and path). The innermost frame holding one of
 * them serves the request. Flask's request holds the matched rule
 * (req.url_rule.rule, or ctx.request.url_rule.rule from the `ctx` local
 * beside `environ`). That covers uvicorn, gunicorn's workers,
 * FastAPI, Starlette, Flask and Django without knowing each in detail.
 *
 * Which local, if any, a code object names so is read once per code
 * object. A busy service has new requests at every sample, so what one
 * costs is counted in reads: the request locals of a whole call chain
 * in one, the dict in two (its keys known by address once met), its
 * path and client port in three more; the method only for a request not
 * seen before, and the route's template once per route object.
 */
#ifndef PYTOP_PYTHON_REQUEST_H
#define PYTOP_PYTHON_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct py_target;
struct py_frame;

#define PYREQ_TEXT 160

struct py_request {
    uint64_t key;           /* the scope / environ / req object */
    char method[16];        /* "GET" */
    char path[PYREQ_TEXT];  /* as asked, without the query */
    char route[PYREQ_TEXT]; /* the framework's template, "" when unknown */
    uint32_t client;        /* the client's TCP port, 0 when unknown: with the
                             * object's address, what tells one request from
                             * the next that reuses its memory */
};

/* The requests last read, by their object's address: many threads and
 * tasks serve requests at once. */
#define PYREQ_MEMO 64

struct pyreq_memo {
    struct py_request req;
    int tries; /* reads of a route still unknown */
};

/* Paths whose route is known: a request's first samples may come before
 * its framework matched the route (in the server, in middleware), and
 * must count under the same endpoint as the rest. */
#define PYREQ_ROUTES 256

struct pyreq_route {
    char path[PYREQ_TEXT];  /* method and path with ids as {id} */
    char route[PYREQ_TEXT]; /* the route template it matched */
};

/* Where a code object keeps its request locals: scope, environ, req and
 * ctx, each an index or -1 (none), and which are cells (bit k). */
struct pyreq_locals {
    int16_t slot[4];
    uint8_t cells;
};

/* What request.c remembers of one target: per code object, where its
 * request locals are; the requests last read; the routes seen. */
struct pyreq_state {
    struct pyreq_locals *slots; /* per code id */
    size_t nslots, cap;
    struct pyreq_memo *memo;    /* PYREQ_MEMO of them, made on first use */
    struct pyreq_route *routes; /* PYREQ_ROUTES of them, made on first use */
    int nroutes;
    uint64_t http;                 /* the str "http" that scopes' type was last read as */
    uint64_t not_http;             /* the last other type read ("lifespan") */
    struct addr_names route_names; /* the templates of the route objects met */
};

void pyreq_init(struct pyreq_state *st);
void pyreq_free(struct pyreq_state *st);

/* The request the frames f[0..n) (innermost first) serve: 1 with *out,
 * 0 when none holds one, -1 when out of memory. */
int pyreq_find(struct py_target *t, struct pyreq_state *st, const struct py_frame *f, int n,
               const struct py_request **out);

/* "GET /users/{user_id}": the method and the route template; when the
 * framework has not matched one (yet), the template an earlier request
 * of the same path matched, else the path with its numeric, hexadecimal
 * and UUID segments written {id}, so that /users/1 and /users/2 are one
 * endpoint. */
void pyreq_endpoint(const struct pyreq_state *st, const struct py_request *r, char *buf,
                    size_t size);

#endif
