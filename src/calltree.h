/*
 * calltree: interned frames and a trie of stacks with sample counts.
 *
 * The shape every profile takes on its way out: the sampler's profile
 * builds one, the writers (flamegraph, collapsed, speedscope) read one,
 * report and diff rebuild one from a saved file. Memory grows with the
 * number of distinct stacks, never with the number of samples.
 *
 * Node 0 is the root: it has no frame, and its total is every sample.
 * A node's total counts the samples whose stack passes through it; its
 * self counts those that end at it.
 */
#ifndef PYTOP_CALLTREE_H
#define PYTOP_CALLTREE_H

#include <stddef.h>
#include <stdint.h>

#include "hindex.h"

#define CT_NONE UINT32_MAX

enum ct_kind {
    CT_PYTHON = 0,  /* a Python function: name (file:line) */
    CT_PROCESS = 1, /* "process PID (cmd)" root frame of one process */
    CT_THREAD = 2,  /* "thread TID (name)" */
    CT_NATIVE = 3,  /* a native (C) frame: name (library), or with its debug
                     * information name (source:line, library) */
    CT_TASK = 4,    /* "task NAME": an asyncio task, under the tasks awaiting it */
    CT_REQUEST = 5, /* "request GET /users/{id}": the HTTP request served (--by-endpoint),
                     * the outermost frame of its samples */
};

/* The leaf `pytop watch` puts under a request's samples taken while its
 * thread was not running (in time.sleep, a socket read, a lock: calls
 * that show no Python frame of their own), so that its profile shows
 * where it waited. A native frame of this name and no file. */
#define CT_OFF_CPU "(off CPU)"

/* Where a Python frame's file lives, when the file name shown (shortened)
 * no longer says: for colours and grouping. */
enum ct_origin {
    CT_ORIGIN_UNKNOWN = 0,
    CT_ORIGIN_APP = 1,     /* the program's own code */
    CT_ORIGIN_STDLIB = 2,  /* the standard library */
    CT_ORIGIN_PACKAGE = 3, /* site-packages / dist-packages */
};

struct ct_frame {
    char *name; /* owned */
    char *file; /* owned; "" when none; a native frame's library */
    /* owned; a native frame's source file ("deflate.c", from its library's
     * DWARF), "" when none (always, for other kinds) */
    char *src;
    int line;     /* 0 when aggregated by function or unknown; a native
                   * frame's source line */
    int kind;     /* enum ct_kind */
    int origin;   /* enum ct_origin; not part of the frame's identity */
    int def_line; /* first line of its function, 0 if unknown; not part of the identity */
};

struct ct_node {
    uint32_t frame;   /* CT_NONE for the root */
    uint32_t parent;  /* CT_NONE for the root */
    uint32_t child;   /* first child, CT_NONE if a leaf */
    uint32_t sibling; /* next sibling, CT_NONE if last */
    uint32_t last;    /* last child (appending is O(1)), CT_NONE if a leaf */
    uint64_t self, total;
};

struct calltree {
    struct ct_frame *frames;
    uint32_t nframes;
    size_t frames_cap;
    struct ct_node *nodes;
    uint32_t nnodes;
    size_t nodes_cap;
    struct hindex frame_index; /* frames by content */
    struct hindex edge_index;  /* nodes by (parent, frame) */
    int borrowed;              /* frame strings belong to another tree (calltree_copy) */
};

/* An empty tree holding only the root. 0, or -1 when out of memory. */
int calltree_init(struct calltree *t);
void calltree_free(struct calltree *t);

/* The id of the frame (kind, name, file, line), added on first sight.
 * 0, or -1 when out of memory. */
int calltree_frame(struct calltree *t, int kind, const char *name, const char *file, int line,
                   uint32_t *id);

/* The same with a native frame's source file (src; NULL or "" for none). */
int calltree_frame_src(struct calltree *t, int kind, const char *name, const char *file,
                       const char *src, int line, uint32_t *id);

/* The id of the frame (kind, name, file, src, line), or CT_NONE when t
 * has none such. */
uint32_t calltree_frame_find(const struct calltree *t, int kind, const char *name, const char *file,
                             const char *src, int line);

/* The hash the tree finds a frame by: the same in every tree, so a
 * frame can be known again in the next snapshot (line 0 for a key that
 * ignores lines). */
uint64_t calltree_frame_hash(int kind, const char *name, const char *file, const char *src,
                             int line);

/* What follows a frame's name in parentheses, written the same way by
 * every output: "file:line" or "file" (Python), "src:line, library",
 * "src, library" or "library" (native); "" for none. */
void calltree_where(int kind, const char *file, const char *src, int line, char *buf, size_t size);

/* A frame as text: "name (where)", or its name alone when where is "". */
void calltree_text(int kind, const char *name, const char *file, const char *src, int line,
                   char *buf, size_t size);
void calltree_frame_text(const struct ct_frame *f, char *buf, size_t size);

/* Record where frame id's file lives (enum ct_origin) and the first line
 * of its function (0: unknown). */
void calltree_set_info(struct calltree *t, uint32_t id, int origin, int def_line);

/* Add count samples of the stack frames[0..n) (root first: outermost
 * frame at 0, innermost at n-1). 0, or -1 when out of memory. */
int calltree_add(struct calltree *t, const uint32_t *frames, int n, uint64_t count);

/* Like calltree_add, and set *leaf to the node the stack ends at. */
int calltree_add_leaf(struct calltree *t, const uint32_t *frames, int n, uint64_t count,
                      uint32_t *leaf);

/* The leaf of the stack frames[0..n), created if missing, counting
 * nothing. 0, or -1 when out of memory. */
int calltree_path(struct calltree *t, const uint32_t *frames, int n, uint32_t *leaf);

/* Recompute every total from the self counts (for trees whose owner
 * counted only self, as the profile does). */
void calltree_fix_totals(struct calltree *t);

/* Add count samples ending at an existing node (its whole path). */
void calltree_add_at(struct calltree *t, uint32_t node, uint64_t count);

/* The child of node parent for frame, or CT_NONE. */
uint32_t calltree_child(const struct calltree *t, uint32_t parent, uint32_t frame);

/* The child of node parent for frame, added (counting nothing) if
 * missing; CT_NONE when out of memory. */
uint32_t calltree_child_add(struct calltree *t, uint32_t parent, uint32_t frame);

/* An empty tree over src's frames, shared as calltree_copy shares them:
 * for trees whose stacks are made of src's frame ids. 0 or -1. */
int calltree_init_like(struct calltree *dst, const struct calltree *src);

/* Make dst an exact copy of src, sharing src's frame strings: src must
 * keep its frames (trees only ever add frames) for as long as dst lives,
 * and dst must not intern new frames. 0, or -1 when out of memory. */
int calltree_copy(struct calltree *dst, const struct calltree *src);

/* Add every stack of src (with its counts) into dst. 0 or -1. */
int calltree_merge(struct calltree *dst, const struct calltree *src);

/* Make dst the stacks of src that pass through a frame with keep[frame]
 * set, each cut to what lies below that frame (every stack when keep is
 * NULL), without frames whose kind is in drop (a set of CT_DROP bits):
 * the samples of one thread, a profile without its thread frames or its
 * native frames. Frame ids stay those of src, and dst shares src's frame
 * strings as calltree_copy does. 0, or -1 when out of memory. */
#define CT_DROP(kind) (1u << (kind))
int calltree_select(struct calltree *dst, const struct calltree *src, const unsigned char *keep,
                    unsigned drop);

/* The stacks of a tree with each frame f counted as frame as[f] (frames
 * of one function merged into one node), a frame with as[f] == CT_NONE
 * left out of its stacks: what the live view's call tree and flamegraph
 * draw, made again every second. Kept from one snapshot to the next: a
 * snapshot is the last one grown (the profile only adds frames and
 * nodes), so only its counts and its new nodes are merged again, without
 * a lookup for the others; any other tree is merged whole, in the last
 * one's memory. Frame ids are the source's, its strings shared. */
struct ct_regroup {
    struct calltree t; /* valid when have */
    int have;
    uint32_t *map; /* the source's node i is t's node map[i] */
    size_t map_cap;
    uint32_t nmap; /* source nodes mapped */
};

/* Make r->t the merge of src by as. 0, or -1 when out of memory (r is
 * then empty). */
int calltree_regroup(struct ct_regroup *r, const struct calltree *src, const uint32_t *as);

void calltree_regroup_free(struct ct_regroup *r);

/* Call fn for every node in depth-first order (parents before children,
 * children in insertion order), with its depth (root = 0). */
void calltree_walk(const struct calltree *t,
                   void (*fn)(void *ctx, const struct calltree *t, uint32_t node, int depth),
                   void *ctx);

#endif
