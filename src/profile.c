/*
 * profile: samples in, consistent copies out. See profile.h.
 */
#include "config.h"
#include "profile.h"

#include <stdlib.h>
#include <string.h>

static const char *const lost_names[LOST_COUNT] = {
    [LOST_TORN] = "torn",
    [LOST_GONE] = "process gone",
    [LOST_PERMISSION] = "permission",
    [LOST_OTHER] = "read error",
    [LOST_LATE] = "late",
};

const char *profile_lost_name(enum lost_reason why)
{
    return (unsigned)why < LOST_COUNT ? lost_names[why] : "?";
}

int profile_init(struct profile *p, struct pt_error *err)
{
    memset(p, 0, sizeof *p);
    if (calltree_init(&p->tree) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    for (int i = 0; i < PROFILE_WINDOW; i++)
        p->window[i].second = -1;
    pthread_mutex_init(&p->lock, NULL);
    return 0;
}

void profile_free(struct profile *p)
{
    calltree_free(&p->tree);
    for (int i = 0; i < PROFILE_WINDOW; i++) {
        free(p->window[i].nodes);
        free(p->window[i].counts);
    }
    pthread_mutex_destroy(&p->lock);
}

int profile_frame(struct profile *p, int kind, const char *name, const char *file, int line,
                  int origin, uint32_t *id)
{
    pthread_mutex_lock(&p->lock);
    int rc = calltree_frame(&p->tree, kind, name, file, line, id);
    if (rc == 0 && origin != CT_ORIGIN_UNKNOWN)
        calltree_set_origin(&p->tree, *id, origin);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* Count one more sample of leaf in the bucket of `second`. A bucket holds
 * few distinct leaves per second, so a linear scan from the end (where the
 * hot stacks of this second were just added) is enough. */
static int bucket_add(struct profile *p, int64_t second, uint32_t leaf)
{
    struct profile_bucket *b = &p->window[second % PROFILE_WINDOW];
    if (b->second != second) {
        b->second = second;
        b->n = 0;
    }
    for (uint32_t i = b->n; i-- > 0;) {
        if (b->nodes[i] == leaf) {
            b->counts[i]++;
            return 0;
        }
    }
    if (b->n == b->cap) {
        uint32_t ncap = b->cap ? b->cap * 2 : 64;
        uint32_t *nn = realloc(b->nodes, ncap * sizeof *nn);
        if (nn == NULL)
            return -1;
        b->nodes = nn;
        uint64_t *nc = realloc(b->counts, ncap * sizeof *nc);
        if (nc == NULL)
            return -1;
        b->counts = nc;
        b->cap = ncap;
    }
    b->nodes[b->n] = leaf;
    b->counts[b->n++] = 1;
    return 0;
}

int profile_add(struct profile *p, const uint32_t *frames, int n, int64_t second)
{
    uint32_t leaf;
    pthread_mutex_lock(&p->lock);
    int rc = calltree_add_leaf(&p->tree, frames, n, 1, &leaf);
    if (rc == 0) {
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
static int snapshot_window(struct calltree *dst, const struct profile *p, int64_t now,
                           int seconds)
{
    if (calltree_copy(dst, &p->tree) != 0)
        return -1;
    for (uint32_t i = 0; i < dst->nnodes; i++)
        dst->nodes[i].self = dst->nodes[i].total = 0;
    for (int i = 0; i < PROFILE_WINDOW; i++) {
        const struct profile_bucket *b = &p->window[i];
        if (b->second < 0 || b->second > now || b->second <= now - seconds)
            continue;
        for (uint32_t k = 0; k < b->n; k++)
            calltree_add_at(dst, b->nodes[k], b->counts[k]);
    }
    return 0;
}

int profile_snapshot(struct profile *p, struct calltree *all, struct calltree *window,
                     int64_t now, int seconds, struct profile_stats *stats,
                     struct pt_error *err)
{
    if (seconds > PROFILE_WINDOW)
        seconds = PROFILE_WINDOW;
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    if (all && calltree_copy(all, &p->tree) != 0)
        rc = -1;
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
