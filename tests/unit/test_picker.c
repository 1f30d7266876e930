/*
 * test_picker: the process picker over a hand-made process list (rows,
 * the port restriction, the busiest worker, keys, `a`'s server, the
 * selection following its process across refreshes, drawing at 120x40
 * and 80x24), and calltree_select, which gives the live view one thread
 * of a profile and a profile without thread frames.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"
#include "tui/picker.h"
#include "tui/screen.h"

/* A server (master 100, workers 101-103), a plain script and an old
 * interpreter pytop cannot read. */
static void fill(struct pyprocs *p)
{
    static const struct {
        pid_t pid, ppid;
        enum role role;
        pid_t master;
        int index, count;
        const char *ports, *python;
        double cpu;
        const char *cmd;
    } rows[] = {
        {100, 1, ROLE_UVICORN_MASTER, 100, 0, 3, "8000", "3.12.1", 0.5,
         "python3 -m uvicorn app:app"},
        {101, 100, ROLE_UVICORN_WORKER, 100, 1, 3, "8000", "3.12.1", 12.0, "python3 -c spawn 1"},
        {102, 100, ROLE_UVICORN_WORKER, 100, 2, 3, "8000", "3.12.1", 57.5, "python3 -c spawn 2"},
        {103, 100, ROLE_UVICORN_WORKER, 100, 3, 3, "8000", "3.12.1", 30.0, "python3 -c spawn 3"},
        {200, 1, ROLE_PYTHON, 0, 0, 0, "-", "3.8.18", 99.0, "python3.8 job.py"},
        {300, 1, ROLE_PYTHON, 0, 0, 0, "-", "2.7.18", 0.0, "python2.7 old.py"},
        {400, 1, ROLE_NONE, 0, 0, 0, "-", "-", 0.0, "bash"},
    };
    size_t n = sizeof rows / sizeof rows[0];
    memset(p, 0, sizeof *p);
    p->v = calloc(n, sizeof *p->v);
    assert_non_null(p->v);
    for (size_t i = 0; i < n; i++) {
        struct pyproc *r = &p->v[i];
        r->pid = rows[i].pid;
        r->ppid = rows[i].ppid;
        r->role = rows[i].role;
        r->master = rows[i].master;
        r->worker_index = rows[i].index;
        r->worker_count = rows[i].count;
        snprintf(r->ports, sizeof r->ports, "%s", rows[i].ports);
        snprintf(r->python, sizeof r->python, "%s", rows[i].python);
        r->supported = rows[i].pid != 300 && rows[i].role != ROLE_NONE;
        r->cpu_pct = rows[i].cpu;
        r->rss_kib = 40000;
        r->threads = 3;
        r->command = strdup(rows[i].cmd);
    }
    p->n = n;
}

static void drop(struct pyprocs *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].command);
    free(p->v);
}

/* Each test's process list and picker over it, updated once. */
struct fixture {
    struct pyprocs procs;
    struct picker pk;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fill(&f->procs);
    picker_init(&f->pk, &f->procs);
    picker_update(&f->pk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    picker_free(&f->pk);
    drop(&f->procs);
    free(f);
    return 0;
}

static void test_rows_and_busiest(void **state)
{
    struct fixture *f = *state;
    struct picker *pk = &f->pk;
    assert_int_equal(pk->nrows, 6); /* not the non-Python bash */
    picker_select_busiest(pk);
    assert_int_equal(picker_selected(pk)->pid, 102); /* 57.5%, not the 99% non-worker */
    pid_t only[] = {100, 101, 102, 103};
    assert_int_equal(picker_restrict(pk, only, 4), 0);
    picker_update(pk);
    assert_int_equal(pk->nrows, 4);
    assert_int_equal(picker_selected(pk)->pid, 102);
    /* No worker at all: the first row. */
    pid_t plain[] = {200, 300};
    assert_int_equal(picker_restrict(pk, plain, 2), 0);
    picker_update(pk);
    picker_select_busiest(pk);
    assert_int_equal(picker_selected(pk)->pid, 200);
}

static void test_keys(void **state)
{
    struct fixture *f = *state;
    struct picker *pk = &f->pk;
    pk->page = 2;
    assert_int_equal(picker_selected(pk)->pid, 100);
    assert_int_equal(picker_key(pk, SCREEN_KEY_DOWN), PICKER_NONE);
    assert_int_equal(picker_selected(pk)->pid, 101);
    picker_key(pk, SCREEN_KEY_NPAGE);
    assert_int_equal(picker_selected(pk)->pid, 103);
    picker_key(pk, SCREEN_KEY_END);
    assert_int_equal(picker_selected(pk)->pid, 300);
    picker_key(pk, SCREEN_KEY_DOWN); /* stays on the last */
    assert_int_equal(picker_selected(pk)->pid, 300);
    picker_key(pk, SCREEN_KEY_HOME);
    picker_key(pk, SCREEN_KEY_UP);
    assert_int_equal(picker_selected(pk)->pid, 100);
    assert_int_equal(picker_key(pk, '\n'), PICKER_PICK);
    assert_int_equal(picker_key(pk, 'a'), PICKER_ALL);
    assert_int_equal(picker_key(pk, 'q'), PICKER_QUIT);
    assert_int_equal(picker_key(pk, SCREEN_KEY_SIGNAL), PICKER_QUIT);
    /* Esc goes back only when there is a view to go back to. */
    assert_int_equal(picker_key(pk, SCREEN_KEY_ESC), PICKER_NONE);
    pk->can_cancel = 1;
    assert_int_equal(picker_key(pk, SCREEN_KEY_ESC), PICKER_CANCEL);
}

static void test_server_of_selection(void **state)
{
    struct fixture *f = *state;
    struct picker *pk = &f->pk;
    pid_t *pids, master;
    /* The master: its workers. */
    assert_int_equal(picker_server(pk, &pids, &master), 3);
    assert_int_equal(master, 100);
    assert_int_equal(pids[0], 101);
    assert_int_equal(pids[2], 103);
    free(pids);
    /* A worker: its siblings too. */
    picker_key(pk, SCREEN_KEY_DOWN);
    picker_key(pk, SCREEN_KEY_DOWN);
    assert_int_equal(picker_server(pk, &pids, &master), 3);
    assert_int_equal(master, 100);
    free(pids);
    /* A plain process: itself. */
    picker_key(pk, SCREEN_KEY_END);
    picker_key(pk, SCREEN_KEY_UP);
    assert_int_equal(picker_server(pk, &pids, &master), 1);
    assert_int_equal(master, 0);
    assert_int_equal(pids[0], 200);
    free(pids);
}

static void test_selection_follows_process(void **state)
{
    struct fixture *f = *state;
    struct pyprocs *procs = &f->procs;
    struct picker *pk = &f->pk;
    picker_key(pk, SCREEN_KEY_END);
    picker_key(pk, SCREEN_KEY_UP); /* 200 */
    /* A refresh where worker 101 is gone: 200 moves up a row and stays
     * selected. */
    free(procs->v[1].command);
    memmove(&procs->v[1], &procs->v[2], (procs->n - 2) * sizeof procs->v[0]);
    procs->n--;
    picker_update(pk);
    assert_int_equal(picker_selected(pk)->pid, 200);
    assert_int_equal(pk->selected, 3);
    /* The selected process itself gone: the row at its place. */
    free(procs->v[3].command);
    memmove(&procs->v[3], &procs->v[4], (procs->n - 4) * sizeof procs->v[0]);
    procs->n--;
    picker_update(pk);
    assert_int_equal(picker_selected(pk)->pid, 300);
}

static int find_row(struct screen *s, int rows, const char *needle, char *line, size_t size)
{
    for (int r = 0; r < rows; r++) {
        screen_row_text(s, r, line, size);
        if (strstr(line, needle) != NULL)
            return r;
    }
    return -1;
}

static void test_draw(void **state)
{
    struct fixture *f = *state;
    struct picker *pk = &f->pk;
    char line[1024];
    picker_key(pk, SCREEN_KEY_DOWN);
    pk->current = 102;
    struct screen *s = screen_open_memory(40, 120);
    picker_draw(pk, s);
    int t = find_row(s, 40, "COMMAND", line, sizeof line);
    assert_true(t >= 0);
    assert_non_null(strstr(line, "PID"));
    assert_non_null(strstr(line, "PPID"));
    assert_non_null(strstr(line, "THREADS"));
    int r = find_row(s, 40, "spawn 1", line, sizeof line);
    assert_int_equal(r, t + 2);
    assert_memory_equal(line, ">  ", 3); /* selected, not current */
    assert_non_null(strstr(line, "uvicorn-worker 1/3"));
    assert_non_null(strstr(line, "39.1M"));
    assert_int_equal(screen_cell_attr(s, r, 10), SA_SELECTED);
    r = find_row(s, 40, "spawn 2", line, sizeof line);
    assert_memory_equal(line, " * ", 3);
    r = find_row(s, 40, "old.py", line, sizeof line);
    assert_int_equal(screen_cell_attr(s, r, 10), SA_DIM); /* cannot be profiled */
    assert_int_equal(find_row(s, 40, "bash", line, sizeof line), -1);
    screen_close(s);

    /* 80x24: THREADS gives way, the command keeps some room. */
    s = screen_open_memory(24, 80);
    picker_draw(pk, s);
    t = find_row(s, 24, "COMMAND", line, sizeof line);
    assert_non_null(strstr(line, "PPID"));
    assert_null(strstr(line, "THREADS"));
    r = find_row(s, 24, "python3 -m uvicorn", line, sizeof line);
    assert_true(r > t);
    screen_close(s);
    /* Narrower: PPID and RSS too, the ports stay. */
    s = screen_open_memory(24, 68);
    picker_draw(pk, s);
    t = find_row(s, 24, "COMMAND", line, sizeof line);
    assert_null(strstr(line, "PPID"));
    assert_null(strstr(line, "RSS"));
    assert_non_null(strstr(line, "PORTS"));
    r = find_row(s, 24, "python3 -m uvicorn", line, sizeof line);
    assert_true(r > t);
    screen_close(s);
}

/* ---- calltree_select --------------------------------------------------- */

static void test_select_thread(void **state)
{
    (void)state;
    struct calltree t, one, plain;
    uint32_t proc, th1, th2, a, b, c;
    assert_int_equal(calltree_init(&t), 0);
    calltree_frame(&t, CT_PROCESS, "process 1 (app)", "", 0, &proc);
    calltree_frame(&t, CT_THREAD, "thread 1 (MainThread)", "", 0, &th1);
    calltree_frame(&t, CT_THREAD, "thread 2 (worker)", "", 0, &th2);
    calltree_frame(&t, CT_PYTHON, "main", "app.py", 1, &a);
    calltree_frame(&t, CT_PYTHON, "work", "app.py", 5, &b);
    calltree_frame(&t, CT_PYTHON, "wait", "threading.py", 9, &c);
    uint32_t s1[] = {proc, th1, a, b}, s2[] = {proc, th2, c}, s3[] = {proc, th1, a};
    calltree_add(&t, s1, 4, 30);
    calltree_add(&t, s2, 3, 60);
    calltree_add(&t, s3, 3, 10);

    unsigned char keep[8] = {0};
    keep[th1] = 1;
    assert_int_equal(calltree_select(&one, &t, keep, CT_DROP(CT_THREAD)), 0);
    assert_int_equal(one.nodes[0].total, 40);
    uint32_t n = calltree_child(&one, 0, a); /* main hangs from the root now */
    assert_int_not_equal(n, CT_NONE);
    assert_int_equal(one.nodes[n].total, 40);
    assert_int_equal(one.nodes[n].self, 10);
    assert_int_equal(one.nodes[calltree_child(&one, n, b)].self, 30);
    assert_int_equal(calltree_child(&one, 0, c), CT_NONE);
    assert_ptr_equal(one.frames[a].name, t.frames[a].name); /* shared strings */
    calltree_free(&one);

    /* No selection, thread frames dropped: both threads under the process. */
    assert_int_equal(calltree_select(&plain, &t, NULL, CT_DROP(CT_THREAD)), 0);
    assert_int_equal(plain.nodes[0].total, 100);
    uint32_t p = calltree_child(&plain, 0, proc);
    assert_int_equal(plain.nodes[p].total, 100);
    assert_int_equal(calltree_child(&plain, p, th1), CT_NONE);
    assert_int_equal(plain.nodes[calltree_child(&plain, p, a)].total, 40);
    assert_int_equal(plain.nodes[calltree_child(&plain, p, c)].total, 60);
    calltree_free(&plain);

    /* Nothing kept: an empty tree. */
    memset(keep, 0, sizeof keep);
    assert_int_equal(calltree_select(&one, &t, keep, 0), 0);
    assert_int_equal(one.nodes[0].total, 0);
    assert_int_equal(one.nnodes, 1);
    calltree_free(&one);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_and_busiest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_of_selection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selection_follows_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draw, setup, teardown),
        cmocka_unit_test(test_select_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
