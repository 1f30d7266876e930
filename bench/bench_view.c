/*
 * bench_view: the live view's cost per refresh with 50,000 distinct
 * functions: funcstats of the call tree, filter and sort, then drawing the
 * visible rows of a 120x40 memory screen through the same view code.
 * The goal is under 10 ms for the refresh (funcstats + filter + sort +
 * draw), the part paid once a second; keys that re-sort, scroll to the
 * end or type a filter character are timed as well. Then the same for
 * the call tree (T), the callers view (Enter) and the terminal flamegraph
 * (F): opening each, a refresh while it shows, and its keys.
 *
 *   bench_view [-f FUNCTIONS] [-r ROUNDS]
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltree.h"
#include "funcstats.h"
#include "tui/screen.h"
#include "tui/view.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int nfuncs = 50000, rounds = 20, c;
    while ((c = getopt(argc, argv, "f:r:")) != -1) {
        if (c == 'f')
            nfuncs = atoi(optarg);
        else if (c == 'r')
            rounds = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_view [-f FUNCTIONS] [-r ROUNDS]\n");
            return 2;
        }
    }
    setlocale(LC_ALL, "C.UTF-8");
    struct calltree t;
    if (calltree_init(&t) != 0)
        return 1;
    uint32_t *ids = malloc((size_t)nfuncs * sizeof *ids);
    char name[64], file[128];
    for (int i = 0; i < nfuncs; i++) {
        snprintf(name, sizeof name, "func_%d", i);
        snprintf(file, sizeof file, "/srv/app/package_%d/module_%d.py", i % 97, i % 1013);
        if (calltree_frame(&t, CT_PYTHON, name, file, i % 500 + 1, &ids[i]) != 0)
            return 1;
    }
    /* Stacks of depth 2-9 from a fixed-seed generator, each function at
     * least once as a leaf. */
    srand(42);
    uint32_t stack[10];
    for (int i = 0; i < nfuncs; i++) {
        int depth = 2 + rand() % 8;
        for (int d = 0; d < depth - 1; d++)
            stack[d] = ids[rand() % 64];
        stack[depth - 1] = ids[i];
        if (calltree_add(&t, stack, depth, (uint64_t)(1 + rand() % 1000)) != 0)
            return 1;
    }
    struct screen *s = screen_open_memory(40, 120);
    struct view v;
    view_init(&v, 100);
    double t_stats = 0, t_set = 0, t_draw = 0, t_key = 0, t_end = 0, t_type = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        struct funcstats fs;
        if (funcstats_compute(&t, 0, 0, &fs) != 0)
            return 1;
        double t1 = now();
        view_set_rows(&v, &fs); /* filter + sort */
        double t2 = now();
        view_draw(&v, s);
        double t3 = now();
        view_key(&v, r % 2 ? '2' : '1'); /* a re-sort on a key */
        view_draw(&v, s);
        double t4 = now();
        view_key(&v, SCREEN_KEY_END); /* the rows furthest from the top */
        view_draw(&v, s);
        view_key(&v, SCREEN_KEY_HOME);
        double t5 = now();
        view_key(&v, '/'); /* "_9": rows filtered at each key */
        view_key(&v, '_');
        view_draw(&v, s);
        view_key(&v, '9');
        view_draw(&v, s);
        double t6 = now();
        view_key(&v, SCREEN_KEY_ESC);
        t_stats += t1 - t0;
        t_set += t2 - t1;
        t_draw += t3 - t2;
        t_key += t4 - t3;
        t_end += t5 - t4;
        t_type += (t6 - t5) / 2;
    }
    printf("functions: %zu rows, %u nodes, %d rounds\n", v.fs.n, t.nnodes, rounds);
    printf("funcstats_compute: %8.3f ms\n", 1e3 * t_stats / rounds);
    printf("filter + sort:     %8.3f ms\n", 1e3 * t_set / rounds);
    printf("draw 120x40:       %8.3f ms\n", 1e3 * t_draw / rounds);
    printf("key re-sort+draw:  %8.3f ms\n", 1e3 * t_key / rounds);
    printf("End+draw, Home:    %8.3f ms\n", 1e3 * t_end / rounds);
    printf("filter key+draw:   %8.3f ms\n", 1e3 * t_type / rounds);
    printf("refresh total:     %8.3f ms (goal < 10 ms)\n",
           1e3 * (t_stats + t_set + t_draw) / rounds);

    /* The call tree (T) and the callers view (Enter) of the same tree:
     * each refresh computes them again from the snapshot. */
    double t_open = 0, t_tref = 0, t_all = 0, t_tend = 0, t_calls = 0, t_cref = 0, t_centre = 0;
    double t_fopen = 0, t_fref = 0, t_fkeys = 0;
    for (int r = 0; r < rounds; r++) {
        struct funcstats fs;
        if (funcstats_compute(&t, 0, 0, &fs) != 0)
            return 1;
        view_set_tree(&v, &t, 0);
        view_set_rows(&v, &fs);
        double t0 = now();
        view_key(&v, 'T'); /* open along the hottest path */
        view_draw(&v, s);
        double t1 = now();
        if (funcstats_compute(&t, 0, 0, &fs) != 0)
            return 1;
        view_set_tree(&v, &t, 0);
        view_set_rows(&v, &fs); /* a refresh while the tree shows */
        view_draw(&v, s);
        double t2 = now();
        view_key(&v, SCREEN_KEY_HOME);
        view_key(&v, '*'); /* everything below the first root */
        view_draw(&v, s);
        double t3 = now();
        view_key(&v, SCREEN_KEY_END);
        view_draw(&v, s);
        double t4 = now();
        view_key(&v, SCREEN_KEY_ENTER); /* the callers of the last row's function */
        view_draw(&v, s);
        double t5 = now();
        if (funcstats_compute(&t, 0, 0, &fs) != 0)
            return 1;
        view_set_tree(&v, &t, 0);
        view_set_rows(&v, &fs);
        view_draw(&v, s);
        double t6 = now();
        view_key(&v, SCREEN_KEY_HOME); /* its outermost caller, centred on */
        view_key(&v, SCREEN_KEY_ENTER);
        view_draw(&v, s);
        double t7 = now();
        view_key(&v, SCREEN_KEY_ESC);
        view_key(&v, SCREEN_KEY_ESC);
        view_key(&v, SCREEN_KEY_ESC);
        view_key(&v, SCREEN_KEY_ESC);
        double t8 = now();
        view_key(&v, 'F'); /* the flamegraph */
        view_draw(&v, s);
        double t9 = now();
        if (funcstats_compute(&t, 0, 0, &fs) != 0)
            return 1;
        view_set_tree(&v, &t, 0);
        view_set_rows(&v, &fs);
        view_draw(&v, s);
        double t10 = now();
        view_key(&v, SCREEN_KEY_DOWN);
        view_key(&v, SCREEN_KEY_ENTER); /* zoom into the widest root */
        view_key(&v, '/');
        view_key(&v, '_');
        view_key(&v, '9');
        view_draw(&v, s);
        double t11 = now();
        for (int k = 0; k < 5; k++)
            view_key(&v, SCREEN_KEY_ESC);
        t_fopen += t9 - t8;
        t_fref += t10 - t9;
        t_fkeys += t11 - t10;
        t_open += t1 - t0;
        t_tref += t2 - t1;
        t_all += t3 - t2;
        t_tend += t4 - t3;
        t_calls += t5 - t4;
        t_cref += t6 - t5;
        t_centre += t7 - t6;
    }
    /* The merge the call tree and the flamegraph make of each snapshot
     * (a function's frames into one node), alone. */
    struct funcstats rows;
    if (funcstats_compute(&t, 0, 0, &rows) != 0)
        return 1;
    uint32_t *as = malloc(((size_t)t.nframes + 1) * sizeof *as);
    for (uint32_t f = 0; f < t.nframes; f++)
        as[f] = funcstats_frame(&rows, f);
    struct ct_regroup merged = {0};
    double t_merge = 0, t_again = 0;
    for (int r = 0; r < rounds; r++) {
        double m0 = now();
        calltree_regroup_free(&merged); /* whole */
        if (calltree_regroup(&merged, &t, as) != 0)
            return 1;
        double m1 = now();
        if (calltree_regroup(&merged, &t, as) != 0) /* the same snapshot again */
            return 1;
        t_merge += m1 - m0;
        t_again += now() - m1;
    }
    calltree_regroup_free(&merged);
    free(as);
    funcstats_free(&rows);
    printf("merge by function: %8.3f ms whole, %.3f ms for a snapshot grown from the last\n",
           1e3 * t_merge / rounds, 1e3 * t_again / rounds);
    printf("tree: T+draw:      %8.3f ms\n", 1e3 * t_open / rounds);
    printf("tree: refresh:     %8.3f ms (funcstats, tree, draw; goal < 10 ms)\n",
           1e3 * t_tref / rounds);
    printf("tree: * on a root: %8.3f ms (%zu rows open)\n", 1e3 * t_all / rounds, v.tv.ol.nrows);
    printf("tree: End+draw:    %8.3f ms\n", 1e3 * t_tend / rounds);
    printf("callers: Enter:    %8.3f ms\n", 1e3 * t_calls / rounds);
    printf("callers: refresh:  %8.3f ms (funcstats, both trees, draw; goal < 10 ms)\n",
           1e3 * t_cref / rounds);
    printf("callers: centre:   %8.3f ms\n", 1e3 * t_centre / rounds);
    printf("flame: F+draw:     %8.3f ms\n", 1e3 * t_fopen / rounds);
    printf("flame: refresh:    %8.3f ms (funcstats, tree, draw; goal < 10 ms)\n",
           1e3 * t_fref / rounds);
    printf("flame: zoom+search:%8.3f ms (three keys, one draw)\n", 1e3 * t_fkeys / rounds);
    view_free(&v);
    screen_close(s);
    calltree_free(&t);
    free(ids);
    return 0;
}
