/*
 * Tests of options: the command line, PYTOP_* variables and the config
 * file, merged strongest last (command line > environment > config file >
 * defaults), and the one-line usage errors.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

/* An empty config home for every test: the user's config never counts. */
static char home[64];

static int setup(void **state)
{
    (void)state;
    snprintf(home, sizeof home, "/tmp/pytop-test-options-XXXXXX");
    if (mkdtemp(home) == NULL)
        return -1;
    setenv("XDG_CONFIG_HOME", home, 1);
    unsetenv("PYTOP_RATE");
    unsetenv("PYTOP_DURATION");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/pytop/config", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/pytop", home);
    rmdir(path);
    rmdir(home);
    unsetenv("PYTOP_RATE");
    unsetenv("PYTOP_DURATION");
    return 0;
}

/* Parse a command line given as words; argv[0] is added. */
static int parse(struct options *opt, struct pt_error *err, int n, ...)
{
    static char *argv[32];
    static char words[32][128];
    va_list ap;
    va_start(ap, n);
    argv[0] = "pytop";
    for (int i = 0; i < n; i++) {
        snprintf(words[i], sizeof words[i], "%s", va_arg(ap, const char *));
        argv[i + 1] = words[i];
    }
    va_end(ap);
    argv[n + 1] = NULL;
    pt_error_clear(err);
    return options_parse(n + 1, argv, opt, err);
}

static void write_config(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/pytop", home);
    mkdir(path, 0700); /* there already, or made now */
    snprintf(path, sizeof path, "%s/pytop/config", home);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_defaults_and_command(void **state)
{
    (void)state;
    struct options opt;
    struct pt_error err;
    assert_int_equal(parse(&opt, &err, 2, "-p", "42"), 0);
    assert_int_equal(opt.command, CMD_TOP);
    assert_int_equal(opt.pid, 42);
    assert_true(opt.rate == 100);
    assert_true(opt.duration == 0);
    options_free(&opt);
    assert_int_equal(parse(&opt, &err, 5, "record", "-P", "8000", "-d", "1.5"), 0);
    assert_int_equal(opt.command, CMD_RECORD);
    assert_int_equal(opt.port, 8000);
    assert_true(opt.duration == 1.5);
    options_free(&opt);
}

static void test_command_after_dashes(void **state)
{
    (void)state;
    struct options opt;
    struct pt_error err;
    assert_int_equal(parse(&opt, &err, 5, "record", "--", "python3", "app.py", "-p"), 0);
    assert_int_equal(opt.cmd_argc, 3);
    assert_string_equal(opt.cmd_argv[0], "python3");
    assert_string_equal(opt.cmd_argv[2], "-p"); /* the command's, not pytop's */
    assert_null(opt.cmd_argv[3]);
    assert_int_equal(opt.pid, 0);
    options_free(&opt);
}

static void test_usage_errors_are_one_line(void **state)
{
    (void)state;
    struct options opt;
    struct pt_error err;
    const char *bad[][2] = {{"-p", "notanumber"}, {"--no-such-option", "x"}, {"-r", "-5"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(&opt, &err, 3, "dump", bad[i][0], bad[i][1]), -1);
        assert_int_equal(err.code, PT_E_USAGE);
        assert_int_equal(pt_error_exit_status(&err), 2);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
        options_free(&opt);
    }
}

static void test_durations(void **state)
{
    (void)state;
    double d;
    assert_int_equal(options_parse_duration("500ms", &d), 0);
    assert_true(d == 0.5);
    assert_int_equal(options_parse_duration("2m", &d), 0);
    assert_true(d == 120);
    assert_int_equal(options_parse_duration("1d", &d), 0);
    assert_true(d == 86400);
    assert_int_equal(options_parse_duration("3", &d), 0);
    assert_true(d == 3);
    assert_int_equal(options_parse_duration("fast", &d), -1);
    assert_int_equal(options_parse_duration("5 parsecs", &d), -1);
}

/* config file < environment < command line. */
static void test_sources_in_order(void **state)
{
    (void)state;
    struct options opt;
    struct pt_error err;
    write_config("# a comment\nrate = 250\nduration = 7\n");
    assert_int_equal(parse(&opt, &err, 2, "-p", "1"), 0);
    assert_true(opt.rate == 250);
    assert_true(opt.duration == 7);
    options_free(&opt);
    setenv("PYTOP_RATE", "300", 1);
    assert_int_equal(parse(&opt, &err, 2, "-p", "1"), 0);
    assert_true(opt.rate == 300);
    assert_true(opt.duration == 7);
    options_free(&opt);
    assert_int_equal(parse(&opt, &err, 4, "-p", "1", "-r", "50"), 0);
    assert_true(opt.rate == 50);
    options_free(&opt);
    /* A bad value in the environment names where it came from. */
    setenv("PYTOP_RATE", "lots", 1);
    assert_int_equal(parse(&opt, &err, 2, "-p", "1"), -1);
    assert_non_null(strstr(err.msg, "PYTOP_RATE"));
    options_free(&opt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_and_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_after_dashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors_are_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources_in_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
