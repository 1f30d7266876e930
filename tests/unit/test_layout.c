/*
 * tests/unit/test_layout: python/layout's reading of a target's
 * .AsyncioDebug section (3.14+), on sections made here: one equal to
 * the table, one whose thread state grew (taken), and the ways a section
 * can be wrong (refused, the table left as it was). tests/layout/check
 * holds the table to the real sections of the interpreters on the
 * machine; this holds the code to what it does with any section.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "python/layout.h"

/* _Py_AsyncioModuleDebugOffsets (Modules/_asynciomodule.c): TaskObj's
 * size and offsets (name, awaited_by, is_task, awaited_by_is_set, coro,
 * node), PyInterpreterState's size and tasks head, _PyThreadStateImpl's
 * size, running loop, running task and tasks head. */
enum {
    W_TASK_SIZE,
    W_TASK_NAME,
    W_TASK_AWAITED_BY,
    W_TASK_IS_TASK,
    W_TASK_AWAITED_BY_IS_SET,
    W_TASK_CORO,
    W_TASK_NODE,
    W_INTERP_SIZE,
    W_INTERP_TASKS,
    W_THREAD_SIZE,
    W_THREAD_LOOP,
    W_THREAD_TASK,
    W_THREAD_TASKS,
    W_COUNT
};

/* The section a target of lay's version would have. */
static void section_of(const struct py_layout *lay, uint64_t *d)
{
    memset(d, 0, W_COUNT * sizeof *d);
    d[W_TASK_SIZE] = lay->task_node + 16;
    d[W_TASK_NAME] = lay->task_name;
    d[W_TASK_AWAITED_BY] = lay->fut_awaited_by;
    d[W_TASK_IS_TASK] = lay->fut_awaited_by + 8;
    d[W_TASK_AWAITED_BY_IS_SET] = lay->fut_awaited_by + 9;
    d[W_TASK_CORO] = lay->task_coro;
    d[W_TASK_NODE] = lay->task_node;
    d[W_INTERP_SIZE] = lay->interp_asyncio_tasks + 4096;
    d[W_INTERP_TASKS] = lay->interp_asyncio_tasks;
    d[W_THREAD_SIZE] = lay->ts_asyncio_tasks + 64;
    d[W_THREAD_LOOP] = lay->ts_asyncio_loop;
    d[W_THREAD_TASK] = lay->ts_asyncio_task;
    d[W_THREAD_TASKS] = lay->ts_asyncio_tasks;
}

static void test_a_section_equal_to_the_table_is_taken_as_it_is(void **state)
{
    (void)state;
    for (int minor = 14; minor <= layout_newest_minor(); minor++) {
        struct py_layout lay = *layout_for(minor);
        uint64_t d[W_COUNT];
        section_of(&lay, d);
        assert_null(layout_apply_asyncio_offsets(&lay, d, sizeof d));
        assert_memory_equal(&lay, layout_for(minor), sizeof lay);
    }
}

static void test_thread_and_interpreter_offsets_are_taken_from_the_section(void **state)
{
    (void)state;
    struct py_layout lay = *layout_for(14);
    uint64_t d[W_COUNT];
    section_of(&lay, d);
    /* A patch release that adds a member before them. */
    d[W_THREAD_SIZE] += 8;
    d[W_THREAD_LOOP] += 8;
    d[W_THREAD_TASK] += 8;
    d[W_THREAD_TASKS] += 8;
    d[W_INTERP_TASKS] += 16;
    assert_null(layout_apply_asyncio_offsets(&lay, d, sizeof d));
    const struct py_layout *table = layout_for(14);
    assert_int_equal(lay.ts_asyncio_loop, table->ts_asyncio_loop + 8);
    assert_int_equal(lay.ts_asyncio_task, table->ts_asyncio_task + 8);
    assert_int_equal(lay.ts_asyncio_tasks, table->ts_asyncio_tasks + 8);
    assert_int_equal(lay.interp_asyncio_tasks, table->interp_asyncio_tasks + 16);
    assert_int_equal(lay.task_coro, table->task_coro);
}

/* A section wrong in one word: refused, naming it, the table unchanged. */
static void refused(int word, uint64_t value, const char *named)
{
    struct py_layout lay = *layout_for(15);
    uint64_t d[W_COUNT];
    section_of(&lay, d);
    d[word] = value;
    const char *why = layout_apply_asyncio_offsets(&lay, d, sizeof d);
    assert_non_null(why);
    assert_string_equal(why, named);
    assert_memory_equal(&lay, layout_for(15), sizeof lay);
}

static void test_a_task_object_of_another_shape_is_refused(void **state)
{
    (void)state;
    const struct py_layout *t = layout_for(15);
    /* fut_state and task_fut_waiter, which the section does not give,
     * would be wrong too. */
    refused(W_TASK_CORO, t->task_coro + 8, "task_object.task_coro");
    refused(W_TASK_NAME, t->task_name - 8, "task_object.task_name");
    refused(W_TASK_NODE, t->task_node + 16, "task_object.task_node");
    refused(W_TASK_AWAITED_BY, 0, "task_object.task_awaited_by");
}

static void test_offsets_outside_their_struct_are_refused(void **state)
{
    (void)state;
    const struct py_layout *t = layout_for(15);
    refused(W_THREAD_TASKS, t->ts_asyncio_tasks + 100000, "thread_state.asyncio_tasks_head");
    refused(W_THREAD_SIZE, 16, "thread_state.asyncio_running_loop");
    refused(W_INTERP_TASKS, UINT64_MAX, "interpreter_state.asyncio_tasks_head");
    refused(W_TASK_SIZE, 8, "task_object.task_name");
}

static void test_empty_short_and_misplaced_sections_are_refused(void **state)
{
    (void)state;
    struct py_layout lay = *layout_for(15);
    uint64_t d[W_COUNT];
    section_of(&lay, d);
    assert_non_null(layout_apply_asyncio_offsets(&lay, d, sizeof d - 8));
    assert_non_null(layout_apply_asyncio_offsets(&lay, d, 0));
    uint64_t zero[W_COUNT] = {0};
    assert_non_null(layout_apply_asyncio_offsets(&lay, zero, sizeof zero));
    assert_memory_equal(&lay, layout_for(15), sizeof lay);
    /* 3.13 keeps its tasks in asyncio.tasks, not in lists the section
     * describes. */
    struct py_layout old = *layout_for(13);
    assert_non_null(layout_apply_asyncio_offsets(&old, d, sizeof d));
    assert_memory_equal(&old, layout_for(13), sizeof old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_section_equal_to_the_table_is_taken_as_it_is),
        cmocka_unit_test(test_thread_and_interpreter_offsets_are_taken_from_the_section),
        cmocka_unit_test(test_a_task_object_of_another_shape_is_refused),
        cmocka_unit_test(test_offsets_outside_their_struct_are_refused),
        cmocka_unit_test(test_empty_short_and_misplaced_sections_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
