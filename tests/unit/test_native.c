/*
 * test_native: the merge of native and Python frames (native_merge_frames)
 * on made-up stacks shaped like each interpreter's: 3.11+ (one eval call
 * runs several Python frames), 3.8-3.10 (one eval call per frame, with
 * call_function between), a C extension calling back into Python, calls
 * of the eval loop that run no shown frame, an unwind that stops early,
 * an eval loop that could not be found, and the plumbing kept by
 * --native-all.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "native.h"
#include "python/stack.h"
#include "remote/symbols.h"

static const char EVAL[] = "<eval>"; /* marks an eval-loop frame in the tables below */

struct nat {
    const char *function, *module;
    int interpreter;
};

static const struct nat LIBZ = {"deflate", "libz.so.1", 0}, LIBZ_INNER = {NULL, "libz.so.1", 0},
                        COMPRESS = {"zlib_compress", "zlib.cpython-312.so", 0},
                        TPCALL = {"_PyObject_MakeTpCall", "libpython3.12.so", 1},
                        VECTORCALL = {"cfunction_vectorcall_O", "libpython3.12.so", 1},
                        LIST_SORT = {"list_sort", "libpython3.12.so", 1},
                        UNNAMED_INTERP = {NULL, "python3.11", 1},
                        CALL_FUNCTION = {"call_function", "libpython3.8.so", 1},
                        EVALCODE = {"PyEval_EvalCode", "libpython3.12.so", 1},
                        MAIN = {"Py_BytesMain", "libpython3.12.so", 1},
                        START = {"__libc_start_main", "libc.so.6", 0},
                        CALLBACK = {"qsort_r", "libc.so.6", 0}, EVALF = {EVAL, "", 1};

/* Merge natives[0..n) (innermost first) with Python frames whose groups
 * are groups[0..np); the result as text, a frame per line: native frames
 * by name (or "?module"), Python frames as "py<index>". */
static void merge(const struct nat *natives, int n, const uint32_t *groups, int np, int all,
                  char *out, size_t size)
{
    struct native_sym syms[32];
    unsigned char is_eval[32];
    struct py_frame pf[32];
    struct merged_frame m[64];
    for (int i = 0; i < n; i++) {
        is_eval[i] = natives[i].function == EVAL;
        syms[i] = (struct native_sym){is_eval[i] ? NULL : natives[i].function, natives[i].module,
                                      0x100, 0, natives[i].interpreter};
    }
    for (int i = 0; i < np; i++)
        pf[i] = (struct py_frame){0, 1, 0, groups[i]};
    int k = native_merge_frames(syms, is_eval, n, pf, 100, np, all, m, 64);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < k && len < size; i++) {
        if (m[i].native)
            len += (size_t)snprintf(out + len, size - len, "%s%s%s", i ? " " : "",
                                    m[i].function ? m[i].function : "?",
                                    m[i].function ? "" : m[i].module);
        else
            len += (size_t)snprintf(out + len, size - len, "%spy%d", i ? " " : "", m[i].py - 100);
    }
}

static void test_312_zlib(void **state)
{
    (void)state;
    /* squash -> zlib.compress -> deflate, all three Python frames in one
     * call of the eval loop. */
    const struct nat st[] = {LIBZ_INNER, LIBZ, COMPRESS, VECTORCALL, EVALF, EVALCODE, MAIN, START};
    const uint32_t g[] = {0, 0, 0};
    char out[512];
    merge(st, 8, g, 3, 0, out, sizeof out);
    assert_string_equal(out, "?libz.so.1 deflate zlib_compress py0 py1 py2");
    merge(st, 8, g, 3, 1, out, sizeof out);
    assert_string_equal(out, "?libz.so.1 deflate zlib_compress cfunction_vectorcall_O py0 py1 py2 "
                             "PyEval_EvalCode Py_BytesMain __libc_start_main");
}

static void test_38_one_call_per_frame(void **state)
{
    (void)state;
    const struct nat st[] = {LIST_SORT, TPCALL,        EVALF, CALL_FUNCTION,
                             EVALF,     CALL_FUNCTION, EVALF, MAIN};
    const uint32_t g[] = {0, 1, 2};
    char out[512];
    merge(st, 8, g, 3, 0, out, sizeof out);
    /* list_sort is the interpreter's own work: it stays; the call
     * plumbing (below and between Python frames) goes. */
    assert_string_equal(out, "list_sort py0 py1 py2");
}

static void test_extension_calling_back(void **state)
{
    (void)state;
    /* A Python key function called from C (qsort_r) called from Python. */
    const struct nat st[] = {EVALF, VECTORCALL, CALLBACK, COMPRESS, EVALF, MAIN};
    const uint32_t g[] = {0, 1, 1};
    char out[512];
    merge(st, 6, g, 3, 0, out, sizeof out);
    assert_string_equal(out, "py0 qsort_r zlib_compress py1 py2");
}

static void test_call_without_shown_frames(void **state)
{
    (void)state;
    /* The middle call of the eval loop runs no shown frame (a frame not
     * set up yet): its group number is skipped. */
    const struct nat st[] = {EVALF, CALLBACK, EVALF, CALLBACK, EVALF};
    const uint32_t g[] = {0, 2};
    char out[512];
    merge(st, 5, g, 2, 0, out, sizeof out);
    assert_string_equal(out, "py0 qsort_r qsort_r py1");
}

static void test_unwind_stopped_early(void **state)
{
    (void)state;
    const struct nat st[] = {LIBZ, COMPRESS, EVALF};
    const uint32_t g[] = {0, 1, 2, 2};
    char out[512];
    merge(st, 3, g, 4, 0, out, sizeof out);
    assert_string_equal(out, "deflate zlib_compress py0 py1 py2 py3");
}

static void test_no_eval_found(void **state)
{
    (void)state;
    /* Nothing known of the eval loop: every native frame stays, the
     * Python frames follow them. */
    const struct nat st[] = {LIBZ, TPCALL, MAIN};
    const uint32_t g[] = {0, 0};
    char out[512];
    merge(st, 3, g, 2, 0, out, sizeof out);
    assert_string_equal(out, "deflate _PyObject_MakeTpCall Py_BytesMain py0 py1");
}

static void test_stripped_interpreter(void **state)
{
    (void)state;
    /* Debian's builtin zlib: a nameless interpreter function below the
     * innermost Python frame could be work, so it stays; nameless ones
     * between Python frames go. */
    const struct nat st[] = {LIBZ, UNNAMED_INTERP, EVALF, UNNAMED_INTERP, EVALF};
    const uint32_t g[] = {0, 1};
    char out[512];
    merge(st, 5, g, 2, 0, out, sizeof out);
    assert_string_equal(out, "deflate ?python3.11 py0 py1");
}

static void test_room(void **state)
{
    (void)state;
    struct native_sym syms[4] = {{"a", "x.so", 0, 0, 0}, {"b", "x.so", 0, 0, 0}};
    unsigned char is_eval[4] = {0, 1};
    struct py_frame pf[3] = {{0, 1, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}};
    struct merged_frame m[2];
    assert_int_equal(native_merge_frames(syms, is_eval, 2, pf, 0, 3, 0, m, 2), 2);
    assert_int_equal(native_merge_frames(syms, is_eval, 2, pf, 0, 3, 0, m, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_312_zlib),
        cmocka_unit_test(test_38_one_call_per_frame),
        cmocka_unit_test(test_extension_calling_back),
        cmocka_unit_test(test_call_without_shown_frames),
        cmocka_unit_test(test_unwind_stopped_early),
        cmocka_unit_test(test_no_eval_found),
        cmocka_unit_test(test_stripped_interpreter),
        cmocka_unit_test(test_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
