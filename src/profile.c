/*
 * profile: samples in, consistent copies out. See profile.h.
 */
#include "config.h"
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

/* clang-format off */
static const char *const lost_names[LOST_COUNT] = {
    [LOST_TORN] = "torn",
    [LOST_GONE] = "process gone",
    [LOST_THREAD] = "thread vanished",
    [LOST_PERMISSION] = "permission",
    [LOST_OTHER] = "read error",
    [LOST_LATE] = "late",
    [LOST_UNWIND] = "native unwind failed",
};
/* clang-format on */

const char *profile_lost_name(enum lost_reason why)
{
    return (unsigned)why < LOST_COUNT ? lost_names[why] : "?";
}

int profile_init(struct profile *p, struct pt_error *err)
{
    memset(p, 0, sizeof *p);
    p->memo = calloc(PROFILE_MEMO_SIZE, sizeof *p->memo);
    if (p->memo == NULL || calltree_init(&p->tree) != 0) {
        free(p->memo);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < PROFILE_WINDOW; i++)
        p->window[i].second = -1;
    pthread_mutex_init(&p->lock, NULL);
    return 0;
}

void profile_free(struct profile *p)
{
    calltree_free(&p->tree);
    free(p->memo);
    for (int i = 0; i < PROFILE_WINDOW; i++) {
        free(p->window[i].v);
        hindex_free(&p->window[i].index);
    }
    pthread_mutex_destroy(&p->lock);
}

int profile_frame(struct profile *p, int kind, const char *name, const char *file, const char *src,
                  int line, int origin, int def_line, uint32_t *id)
{
    pthread_mutex_lock(&p->lock);
    int rc = calltree_frame_src(&p->tree, kind, name, file, src, line, id);
    if (rc == 0)
        calltree_set_info(&p->tree, *id, origin, def_line);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int profile_export(struct profile *p, const uint32_t *frames, int n, uint64_t count,
                   struct calltree *dst)
{
    uint32_t ids[512];
    if (n > (int)(sizeof ids / sizeof ids[0]))
        n = (int)(sizeof ids / sizeof ids[0]); /* the outermost: the rest are lost */
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < n && rc == 0; i++) {
        const struct ct_frame *f = frames[i] < p->tree.nframes ? &p->tree.frames[frames[i]] : NULL;
        if (f == NULL) {
            rc = -1;
            break;
        }
        rc = calltree_frame_src(dst, f->kind, f->name, f->file, f->src, f->line, &ids[i]);
        if (rc == 0)
            calltree_set_info(dst, ids[i], f->origin, f->def_line);
    }
    pthread_mutex_unlock(&p->lock);
    return rc == 0 ? calltree_add(dst, ids, n, count) : -1;
}

static int bucket_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    *hash = hash_mix(((const struct profile_bucket *)ctx)->v[i].leaf);
    return 1;
}

/* Count one more sample of leaf in the bucket of `second`. */
static int bucket_add(struct profile *p, int64_t second, uint32_t leaf)
{
    struct profile_bucket *b = &p->window[second % PROFILE_WINDOW];
    if (b->second != second) {
        b->second = second;
        b->n = 0;
        hindex_clear(&b->index);
    }
    const struct hindex *x = &b->index;
    if (hindex_slots(x) > 0)
        for (uint32_t h = hindex_start(x, hash_mix(leaf)); hindex_at(x, h); h = hindex_next(x, h))
            if (b->v[hindex_at(x, h) - 1].leaf == leaf) {
                b->v[hindex_at(x, h) - 1].count++;
                return 0;
            }
    if (vec_reserve((void **)&b->v, &b->cap, sizeof *b->v, b->n + 1) != 0 ||
        hindex_reserve(&b->index, b->n + 1, 0, (uint32_t)b->n, bucket_hash_at, b) != 0)
        return -1;
    b->v[b->n] = (struct bucket_count){leaf, 1};
    hindex_add(&b->index, hash_mix(leaf), (uint32_t)b->n++);
    return 0;
}

static uint64_t stack_hash(const uint32_t *frames, int n)
{
    uint64_t h = hash_bytes(frames, (size_t)n * sizeof *frames, HASH_SEED ^ (uint64_t)n);
    return h ? h : 1;
}

int profile_add(struct profile *p, const uint32_t *frames, int n, int64_t second)
{
    uint64_t h = stack_hash(frames, n);
    struct profile_memo *m = &p->memo[h & (PROFILE_MEMO_SIZE - 1)];
    uint32_t leaf;
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    if (m->hash == h && m->depth == (uint32_t)n) {
        leaf = m->leaf;
    } else {
        rc = calltree_path(&p->tree, frames, n, &leaf);
        if (rc == 0)
            *m = (struct profile_memo){h, leaf, (uint32_t)n};
    }
    if (rc == 0) {
        p->tree.nodes[leaf].self++;
        p->stats.samples++;
        rc = bucket_add(p, second < 0 ? 0 : second, leaf);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void profile_lost(struct profile *p, enum lost_reason why)
{
    pthread_mutex_lock(&p->lock);
    p->stats.lost[why]++;
    p->stats.lost_total++;
    pthread_mutex_unlock(&p->lock);
}

void profile_tick(struct profile *p, double elapsed, int targets, int gil_held)
{
    pthread_mutex_lock(&p->lock);
    p->stats.ticks++;
    p->stats.elapsed = elapsed;
    p->stats.target_ticks += (uint64_t)targets;
    p->stats.gil_ticks += (uint64_t)gil_held;
    pthread_mutex_unlock(&p->lock);
}

double profile_achieved_rate(const struct profile_stats *st)
{
    return st->elapsed > 0 && st->ticks > 1 ? (double)(st->ticks - 1) / st->elapsed : 0;
}

void profile_pause(struct profile *p, uint64_t ns)
{
    pthread_mutex_lock(&p->lock);
    p->stats.pauses++;
    p->stats.pause_ns += ns;
    pthread_mutex_unlock(&p->lock);
}

void profile_reset(struct profile *p)
{
    pthread_mutex_lock(&p->lock);
    for (uint32_t i = 0; i < p->tree.nnodes; i++)
        p->tree.nodes[i].self = p->tree.nodes[i].total = 0;
    for (int i = 0; i < PROFILE_WINDOW; i++)
        p->window[i].second = -1;
    double elapsed = p->stats.elapsed;
    memset(&p->stats, 0, sizeof p->stats);
    p->stats.elapsed = elapsed;
    pthread_mutex_unlock(&p->lock);
}

/* The window: a copy of the tree's frames and nodes with every count
 * cleared, then the bucket counts added back along their paths. */
static int snapshot_window(struct calltree *dst, const struct profile *p, int64_t now, int seconds)
{
    if (calltree_copy(dst, &p->tree) != 0)
        return -1;
    for (uint32_t i = 0; i < dst->nnodes; i++)
        dst->nodes[i].self = dst->nodes[i].total = 0;
    for (int i = 0; i < PROFILE_WINDOW; i++) {
        const struct profile_bucket *b = &p->window[i];
        if (b->second < 0 || b->second > now || b->second <= now - seconds)
            continue;
        for (size_t k = 0; k < b->n; k++)
            calltree_add_at(dst, b->v[k].leaf, b->v[k].count);
    }
    return 0;
}

int profile_snapshot(struct profile *p, struct calltree *all, struct calltree *window, int64_t now,
                     int seconds, struct profile_stats *stats, struct pt_error *err)
{
    if (seconds > PROFILE_WINDOW)
        seconds = PROFILE_WINDOW;
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    if (all && calltree_copy(all, &p->tree) != 0)
        rc = -1;
    if (rc == 0 && all)
        calltree_fix_totals(all);
    if (rc == 0 && window && snapshot_window(window, p, now, seconds) != 0) {
        if (all)
            calltree_free(all);
        rc = -1;
    }
    if (stats)
        *stats = p->stats;
    pthread_mutex_unlock(&p->lock);
    if (rc != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory copying the profile");
    return 0;
}
