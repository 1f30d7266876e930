/*
 * Tests of remote/access: each way the kernel refuses a read gets its own
 * message, decided from the facts /proc shows; and the facts read about a
 * child process of the test itself.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "remote/access.h"

#define CAP_SYS_PTRACE (1ull << 19)
#define ALL_CAPS       0x1ffffffffffull

/* A refusal between two processes of uid 1000 with no capabilities, no
 * Yama and one user namespace: each test changes what it is about. */
static struct access_facts plain(void)
{
    struct access_facts f = {0};
    f.our_uid = 1000;
    f.target_uid[0] = f.target_uid[1] = f.target_uid[2] = 1000;
    f.owner_uid = 1000;
    f.have_target_prm = 1;
    f.yama = -1;
    return f;
}

static const char *explain(const struct access_facts *f, enum pt_code *code)
{
    static struct pt_error err;
    assert_int_equal(access_explain(f, 42, &err), -1);
    if (code)
        *code = err.code;
    return err.msg;
}

static void test_exited(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.gone = 1;
    enum pt_code code;
    assert_string_equal(explain(&f, &code), "PID 42 exited");
    assert_int_equal(code, PT_E_GONE);
}

static void test_other_user(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.target_uid[0] = f.target_uid[1] = f.target_uid[2] = 0;
    f.owner_uid = 0;
    enum pt_code code;
    const char *m = explain(&f, &code);
    assert_int_equal(code, PT_E_PERM);
    assert_non_null(strstr(m, "permission denied reading PID 42: it runs as user root (uid 0)"));
    assert_non_null(strstr(m, "run pytop as that user, or as root"));
}

static void test_root_without_capability(void **state)
{
    (void)state;
    /* Docker's default: uid 0, every capability but CAP_SYS_PTRACE, and a
     * target holding them all. */
    struct access_facts f = plain();
    f.our_uid = 0;
    f.target_uid[0] = f.target_uid[1] = f.target_uid[2] = 0;
    f.owner_uid = 0;
    f.our_caps = f.our_prm = ALL_CAPS & ~CAP_SYS_PTRACE;
    f.target_prm = ALL_CAPS;
    const char *m = explain(&f, NULL);
    assert_non_null(strstr(m, "pytop runs without CAP_SYS_PTRACE"));
    assert_non_null(strstr(m, "--cap-add SYS_PTRACE"));
    assert_non_null(strstr(m, "securityContext.capabilities.add: [SYS_PTRACE]"));
    assert_non_null(strstr(m, "kubectl debug --profile=general"));
    /* The same for another user's process: root passes the uid check only
     * with the capability. */
    f.target_uid[0] = f.target_uid[1] = f.target_uid[2] = 33;
    assert_non_null(strstr(explain(&f, NULL), "pytop runs without CAP_SYS_PTRACE"));
}

static void test_not_dumpable(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.owner_uid = 0;
    assert_non_null(strstr(explain(&f, NULL), "the process is not dumpable"));
}

static void test_target_holds_more_capabilities(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.target_prm = 1ull << 10; /* CAP_NET_BIND_SERVICE from a file capability */
    assert_non_null(strstr(explain(&f, NULL), "it holds capabilities pytop does not"));
}

static void test_yama(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.yama = 1;
    assert_non_null(strstr(explain(&f, NULL), "kernel.yama.ptrace_scope is 1, only a parent"));
    f.yama = 2;
    assert_non_null(strstr(explain(&f, NULL), "kernel.yama.ptrace_scope is 2"));
    /* Scope 3 refuses even a capable root. */
    f.yama = 3;
    f.our_uid = 0;
    f.our_caps = f.our_prm = ALL_CAPS;
    assert_non_null(strstr(explain(&f, NULL), "kernel.yama.ptrace_scope is 3"));
    /* A child under scope 1 is not refused by Yama: something else did. */
    f = plain();
    f.yama = 1;
    f.descendant = 1;
    assert_non_null(strstr(explain(&f, NULL), "a security module"));
}

static void test_user_namespace(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.other_userns = 1;
    const char *m = explain(&f, NULL);
    assert_non_null(strstr(m, "user namespace pytop is not privileged over"));
    assert_non_null(strstr(m, "nsenter --target 42 --user --pid"));
}

static void test_capable_and_refused(void **state)
{
    (void)state;
    struct access_facts f = plain();
    f.our_uid = 0;
    f.our_caps = f.our_prm = ALL_CAPS;
    const char *m = explain(&f, NULL);
    assert_non_null(strstr(m, "though pytop has CAP_SYS_PTRACE"));
    assert_non_null(strstr(m, "AppArmor, SELinux"));
}

/* The facts read about a child of this test: its uid is ours, it is a
 * descendant, it shares our user namespace; once reaped, it is gone. */
static void test_facts_of_a_child(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    struct access_facts f;
    access_facts_read(child, &f);
    assert_false(f.gone);
    assert_int_equal(f.our_uid, (long)geteuid());
    assert_int_equal(f.target_uid[1], (long)geteuid());
    assert_int_equal(f.owner_uid, (long)geteuid());
    assert_true(f.descendant);
    assert_false(f.other_userns);
    assert_true(f.have_target_prm);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    access_facts_read(child, &f);
    assert_true(f.gone);
    struct pt_error err;
    assert_int_equal(access_refused(child, &err), -1);
    assert_int_equal(err.code, PT_E_GONE);
    /* The test's own parent does not descend from it. */
    access_facts_read(getppid(), &f);
    assert_false(f.descendant);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exited),
        cmocka_unit_test(test_other_user),
        cmocka_unit_test(test_root_without_capability),
        cmocka_unit_test(test_not_dumpable),
        cmocka_unit_test(test_target_holds_more_capabilities),
        cmocka_unit_test(test_yama),
        cmocka_unit_test(test_user_namespace),
        cmocka_unit_test(test_capable_and_refused),
        cmocka_unit_test(test_facts_of_a_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
