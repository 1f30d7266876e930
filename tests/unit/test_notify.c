/*
 * tests/unit/test_notify: the notifiers of `pytop watch` below the network:
 * every form of --notify spec and every way one is wrong (one line each,
 * never quoting a secret), the descriptions that logs show (never a
 * secret), the zip of report files, and the sender's queue, retries,
 * reloads and stop against receivers on 127.0.0.1 made here (a port
 * nothing listens on, one that never answers, and a minimal HTTP server).
 * The real receivers are tests/integration/test_notify.py's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "notify/alert.h"
#include "notify/email.h"
#include "notify/notifier.h"
#include "notify/sender.h"
#include "notify/zipfiles.h"
#include "util.h"

#define HIDDEN "\xe2\x80\xa6"

/* Secrets of the specs below: none may show in a message or description. */
#define WEBHOOK_SECRET "T000/B000/XXXXsecretXXXX"
#define TOKEN          "tok3nSECRETabc"
#define PASSWORD       "pa55SECRET"

static struct notifier parsed(const char *spec)
{
    struct notifier n;
    struct pt_error err = {0};
    if (notifier_parse(spec, &n, &err) != 0)
        fail_msg("%s: %s", spec, err.msg);
    return n;
}

static void describe_is(const char *spec, const char *expected)
{
    struct notifier n = parsed(spec);
    char buf[1400];
    notifier_describe(&n, buf, sizeof buf);
    assert_string_equal(buf, expected);
}

/* --- specs --- */

static void test_webhook_specs(void **state)
{
    (void)state;
    struct notifier n = parsed("webhook=https://hooks.example.com/services/" WEBHOOK_SECRET);
    assert_int_equal(n.kind, NOTIFIER_WEBHOOK);
    assert_string_equal(n.url, "https://hooks.example.com/services/" WEBHOOK_SECRET);
    assert_string_equal(n.ca_file, ""); /* the caller's */
    /* A query's commas are the URL's, not fields. */
    n = parsed("webhook=http://127.0.0.1:8080/hook?a=1,2");
    assert_string_equal(n.url, "http://127.0.0.1:8080/hook?a=1,2");
}

static void test_mattermost_specs(void **state)
{
    (void)state;
    unsetenv(NOTIFIER_TOKEN_ENV);
    struct notifier n = parsed("mattermost=https://mm.example.com/," TOKEN ",4xp9fdtgbtf8pcs9d");
    assert_int_equal(n.kind, NOTIFIER_MATTERMOST);
    assert_string_equal(n.url, "https://mm.example.com"); /* the API's paths follow */
    assert_string_equal(n.token, TOKEN);
    assert_string_equal(n.channel, "4xp9fdtgbtf8pcs9d");

    /* An empty TOKEN: from the environment, off the command line. */
    setenv(NOTIFIER_TOKEN_ENV, "fromenv123", 1);
    n = parsed("mattermost=https://mm.example.com, ,chan_1");
    assert_string_equal(n.token, "fromenv123");
    n = parsed("mattermost=https://mm.example.com," TOKEN ",chan_1");
    assert_string_equal(n.token, TOKEN); /* the spec's first */
    unsetenv(NOTIFIER_TOKEN_ENV);
}

static void test_email_specs(void **state)
{
    (void)state;
    unsetenv(NOTIFIER_PASSWORD_ENV);
    struct notifier n = parsed("email=smtp://alerts:p%40ss%2Cword@mail.example.com:587, "
                               "alerts@example.com, a@x.org,b@y.org");
    assert_int_equal(n.kind, NOTIFIER_EMAIL);
    assert_string_equal(n.url, "smtp://alerts:p%40ss%2Cword@mail.example.com:587");
    assert_string_equal(n.from, "alerts@example.com");
    assert_int_equal(n.nto, 2);
    assert_string_equal(n.to[0], "a@x.org");
    assert_string_equal(n.to[1], "b@y.org");
    char password[256];
    notifier_smtp_password(&n, password, sizeof password);
    assert_string_equal(password, "p@ss,word");

    /* No user: no login, no password needed. */
    n = parsed("email=smtps://mail.example.com,me@example.com,you@example.com");
    assert_string_equal(n.url, "smtps://mail.example.com");
    notifier_smtp_password(&n, password, sizeof password);
    assert_string_equal(password, "");

    /* A user whose password is in the environment. */
    setenv(NOTIFIER_PASSWORD_ENV, PASSWORD, 1);
    n = parsed("email=smtp://alerts@[::1]:2525/,me@example.com,you@example.com");
    notifier_smtp_password(&n, password, sizeof password);
    assert_string_equal(password, PASSWORD);
    unsetenv(NOTIFIER_PASSWORD_ENV);

    /* Sixteen recipients fit. */
    char spec[1024] = "email=smtp://mail,me@example.com";
    for (int i = 0; i < NOTIFIER_TO_MAX; i++)
        snprintf(spec + strlen(spec), sizeof spec - strlen(spec), ",r%d@example.com", i);
    n = parsed(spec);
    assert_int_equal(n.nto, NOTIFIER_TO_MAX);
    assert_string_equal(n.to[15], "r15@example.com");
}

static void test_spec_errors_are_one_line_without_secrets(void **state)
{
    (void)state;
    unsetenv(NOTIFIER_TOKEN_ENV);
    unsetenv(NOTIFIER_PASSWORD_ENV);
    char seventeen[1024] = "email=smtp://mail,me@example.com";
    for (int i = 0; i < NOTIFIER_TO_MAX + 1; i++)
        snprintf(seventeen + strlen(seventeen), sizeof seventeen - strlen(seventeen),
                 ",r%d@example.com", i);
    const struct {
        const char *spec, *msg;
    } cases[] = {
        {"slack=https://x", "--notify takes webhook=URL, mattermost=SERVER,TOKEN,CHANNEL or "
                            "email=SMTP-URL,FROM,TO[,TO...]"},
        {"https://hooks.example.com/" WEBHOOK_SECRET,
         "--notify takes webhook=URL, mattermost=SERVER,TOKEN,CHANNEL or "
         "email=SMTP-URL,FROM,TO[,TO...]"},
        {"webhook=", "--notify webhook=...: no URL (webhook=URL)"},
        {"webhook=ftp://hooks.example.com/" WEBHOOK_SECRET,
         "--notify webhook=...: not an http:// or https:// URL"},
        {"webhook=https:///" WEBHOOK_SECRET,
         "--notify webhook=...: not an http:// or https:// URL"},
        {"webhook=https://hooks.example.com:99999/" WEBHOOK_SECRET,
         "--notify webhook=...: not an http:// or https:// URL"},
        {"webhook=https://hooks.example.com/a\n" WEBHOOK_SECRET,
         "--notify webhook=...: control characters in the spec"},
        {"mattermost=https://mm.example.com," TOKEN,
         "--notify mattermost=...: 2 fields, not 3 (mattermost=SERVER,TOKEN,CHANNEL)"},
        {"mattermost=https://mm.example.com," TOKEN ",chan,more",
         "--notify mattermost=...: 4 fields, not 3 (mattermost=SERVER,TOKEN,CHANNEL)"},
        {"mattermost=," TOKEN ",chan", "--notify mattermost=...: no server URL"},
        {"mattermost=mm.example.com," TOKEN ",chan",
         "--notify mattermost=...: the server is not an http:// or https:// URL"},
        {"mattermost=https://mm.example.com,,chan",
         "--notify mattermost=...: no token (give one, or set PYTOP_MATTERMOST_TOKEN)"},
        {"mattermost=https://mm.example.com,tok3n SECRET,chan",
         "--notify mattermost=...: the token is not an access token"},
        {"mattermost=https://mm.example.com," TOKEN ",", "--notify mattermost=...: no channel id"},
        {"mattermost=https://mm.example.com," TOKEN ",town square",
         "--notify mattermost=...: the channel id must be letters and digits (the channel's ID, "
         "not its name)"},
        {"email=", "--notify email=...: no SMTP URL (email=SMTP-URL,FROM,TO[,TO...])"},
        {"email=smtp://u:" PASSWORD "@mail", "--notify email=...: no sender (email=SMTP-URL,FROM,"
                                             "TO[,TO...])"},
        {"email=smtp://u:" PASSWORD "@mail,me@example.com", "--notify email=...: no recipient"},
        {"email=smtp://u:" PASSWORD "@mail,me@example.com,",
         "--notify email=...: an empty recipient"},
        {"email=smtp://u:" PASSWORD "@mail,me,you@example.com",
         "--notify email=...: the sender is not a mail address (name@domain)"},
        {"email=smtp://u:" PASSWORD "@mail,me@example.com,you@example.com,<x>@y",
         "--notify email=...: recipient 2 is not a mail address (name@domain)"},
        {seventeen, "--notify email=...: more than 16 recipients"},
        {"email=https://u:" PASSWORD "@mail,me@example.com,you@example.com",
         "--notify email=...: not an SMTP URL (smtp://[USER[:PASSWORD]@]HOST[:PORT] or "
         "smtps://...)"},
        {"email=smtp://u:" PASSWORD "@mail:x,me@example.com,you@example.com",
         "--notify email=...: not an SMTP URL (smtp://[USER[:PASSWORD]@]HOST[:PORT] or "
         "smtps://...)"},
        {"email=smtp://u:" PASSWORD "@mail/" PASSWORD ",me@example.com,you@example.com",
         "--notify email=...: an SMTP URL has no path (smtp://HOST[:PORT])"},
        {"email=smtp://:" PASSWORD "@mail,me@example.com,you@example.com",
         "--notify email=...: a password without a user"},
        {"email=smtp://alerts@mail,me@example.com,you@example.com",
         "--notify email=...: no password for the SMTP user (in the URL, or set "
         "PYTOP_SMTP_PASSWORD)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct notifier n;
        struct pt_error err = {0};
        if (notifier_parse(cases[i].spec, &n, &err) != -1)
            fail_msg("accepted: %s", cases[i].spec);
        assert_int_equal(err.code, PT_E_USAGE);
        assert_string_equal(err.msg, cases[i].msg);
        assert_null(strstr(err.msg, "SECRET"));
        assert_null(strstr(err.msg, "secret"));
    }
}

/* --- descriptions --- */

static void test_descriptions_never_show_secrets(void **state)
{
    (void)state;
    describe_is("webhook=https://hooks.example.com/services/" WEBHOOK_SECRET,
                "webhook https://hooks.example.com/" HIDDEN);
    describe_is("webhook=https://hooks.example.com?key=" WEBHOOK_SECRET,
                "webhook https://hooks.example.com/" HIDDEN);
    describe_is("webhook=https://user:" PASSWORD "@hooks.example.com:8443/x",
                "webhook https://hooks.example.com:8443/" HIDDEN);
    describe_is("webhook=http://127.0.0.1:8080", "webhook http://127.0.0.1:8080");
    describe_is("mattermost=https://mm.example.com," TOKEN ",4xp9fd",
                "mattermost https://mm.example.com channel 4xp9fd");
    describe_is("mattermost=https://example.com/chat/," TOKEN ",4xp9fd",
                "mattermost https://example.com/chat channel 4xp9fd");
    describe_is("email=smtp://user:" PASSWORD "@mail.example.com:587,me@example.com,a@x,b@y",
                "email smtp://user@mail.example.com:587 to a@x, b@y");
    describe_is("email=smtps://mail.example.com,me@example.com,a@x",
                "email smtps://mail.example.com to a@x");
    /* A buffer too small is cut, not overrun. */
    struct notifier n = parsed("email=smtp://mail,me@example.com,a@example.com,b@example.com");
    char small[24];
    notifier_describe(&n, small, sizeof small);
    assert_string_equal(small, "email smtp://mail to a@");
}

static void test_same_notifier(void **state)
{
    (void)state;
    struct notifier a = parsed("email=smtp://mail,me@example.com,a@x,b@y");
    struct notifier b = parsed("email=smtp://mail, me@example.com, a@x, b@y");
    assert_true(notifier_same(&a, &b));
    b = parsed("email=smtp://mail,me@example.com,a@x");
    assert_false(notifier_same(&a, &b));
    b = a;
    str_copy(b.ca_file, sizeof b.ca_file, "/etc/ca.pem");
    assert_false(notifier_same(&a, &b));
}

/* --- alerts and their files --- */

static void test_alert_subject_is_one_line(void **state)
{
    (void)state;
    struct alert *a = alert_new("slow\r\nBcc: x@y", "body");
    assert_non_null(a);
    assert_string_equal(a->subject, "slow  Bcc: x@y");
    for (int i = 0; i < ALERT_FILES; i++)
        assert_int_equal(alert_add_file(a, "/tmp/report.svg"), 0);
    assert_int_equal(alert_add_file(a, "/tmp/one-too-many.md"), -1);
    assert_int_equal(a->nfiles, ALERT_FILES);
    alert_free(a);
    alert_free(NULL);
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(email_content_type("/r/profile.svg"), "image/svg+xml");
    assert_string_equal(email_content_type("report.MD"), "text/markdown; charset=utf-8");
    assert_string_equal(email_content_type("report.html"), "text/html; charset=utf-8");
    assert_string_equal(email_content_type("/r.d/stacks"), "application/octet-stream");
    assert_string_equal(email_content_type("profile.pb.gz"), "application/octet-stream");
}

static char *write_temp(const char *name, const void *data, size_t len)
{
    char *dir = strdup("/tmp/pytop-test-notify-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(dir);
    return path;
}

static void remove_temp(char *path)
{
    unlink(path);
    *strrchr(path, '/') = '\0';
    rmdir(path);
    free(path);
}

static void test_zip_holds_the_files_byte_for_byte(void **state)
{
    (void)state;
    unsigned char binary[3000];
    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (unsigned char)(i * 7 + i / 256);
    const char *md = "# Slow request\n\n| a | b |\n";
    char *paths[2] = {write_temp("profile.svg", binary, sizeof binary),
                      write_temp("report.md", md, strlen(md))};
    char *zip = NULL, why[256];
    size_t len = 0;
    assert_int_equal(zipfiles_make(paths, 2, &zip, &len, why, sizeof why), 0);

    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(zip, len, 0, &ze);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    assert_non_null(za);
    assert_int_equal(zip_get_num_entries(za, 0), 2);
    const struct {
        const char *name;
        const void *data;
        size_t len;
    } want[] = {{"profile.svg", binary, sizeof binary}, {"report.md", md, strlen(md)}};
    for (int i = 0; i < 2; i++) {
        assert_string_equal(zip_get_name(za, (zip_uint64_t)i, 0), want[i].name);
        zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
        char got[4096];
        assert_int_equal(zip_fread(zf, got, sizeof got), (zip_int64_t)want[i].len);
        assert_memory_equal(got, want[i].data, want[i].len);
        zip_fclose(zf);
    }
    zip_close(za);
    zip_error_fini(&ze);
    free(zip);

    /* A file that is gone is named. */
    char *gone[1] = {"/tmp/pytop-test-notify-no-such/report.html"};
    assert_int_equal(zipfiles_make(gone, 1, &zip, &len, why, sizeof why), -1);
    assert_string_equal(why, "cannot read /tmp/pytop-test-notify-no-such/report.html: No such "
                             "file or directory");
    remove_temp(paths[0]);
    remove_temp(paths[1]);
}

/* --- the sender, against receivers on 127.0.0.1 --- */

/* A listening socket on an ephemeral port of 127.0.0.1; *port gets it. */
static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    assert_int_equal(listen(fd, 16), 0);
    return fd;
}

/* A port nothing listens on (bound, then released). */
static int dead_port(void)
{
    int port;
    close(listen_local(&port));
    return port;
}

static char *slurp_log(const char *path)
{
    char *text = read_file(path, NULL);
    assert_non_null(text);
    return text;
}

static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A sender with one webhook on 127.0.0.1:port, path /hooks/SECRET. */
static struct sender *start_webhook(int port, const char *log_path, double backoff)
{
    char spec[256];
    snprintf(spec, sizeof spec, "webhook=http://127.0.0.1:%d/hooks/" WEBHOOK_SECRET, port);
    struct notifier n = parsed(spec);
    struct sender *s;
    struct pt_error err = {0};
    if (sender_start(&s, &n, 1, log_path, backoff, &err) != 0)
        fail_msg("%s", err.msg);
    return s;
}

static struct alert *an_alert(int i)
{
    char subject[64];
    snprintf(subject, sizeof subject, "pytop: slow request GET /a/%d 812 ms (PID 42)", i);
    struct alert *a = alert_new(subject, "**slow**");
    assert_non_null(a);
    return a;
}

static void test_sender_queue_is_bounded_and_stop_wakes_retries(void **state)
{
    (void)state;
    char log_path[] = "/tmp/pytop-test-notify-log-XXXXXX";
    close(mkstemp(log_path));
    /* Retries 100 s apart: every alert stays queued after its first try. */
    struct sender *s = start_webhook(dead_port(), log_path, 100);
    for (int i = 0; i < SENDER_QUEUE; i++)
        assert_int_equal(sender_post(s, an_alert(i)), 0);
    assert_int_equal(sender_post(s, an_alert(SENDER_QUEUE)), -1);
    double t0 = monotonic_s();
    struct sender_stats st;
    sender_stop_stats(s, 5, &st);
    /* No retry is due within the grace: given up at once. */
    assert_true(monotonic_s() - t0 < 2);
    assert_int_equal(st.queued, SENDER_QUEUE);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.failed, SENDER_QUEUE);
    assert_int_equal(st.sent, 0);
    assert_int_equal(st.retries, 0);

    char *log = slurp_log(log_path);
    assert_int_equal(count_lines(log, "\n"), SENDER_QUEUE + 1);
    assert_int_equal(count_lines(log, "Z failed webhook http://127.0.0.1:"), SENDER_QUEUE);
    assert_int_equal(count_lines(log, "Z dropped (64 alerts waiting already) : pytop: slow "
                                      "request GET /a/64 812 ms (PID 42)\n"),
                     1);
    assert_null(strstr(log, "secret"));
    assert_non_null(strstr(log, "/" HIDDEN " after "));
    free(log);
    unlink(log_path);
}

static void test_sender_stop_abandons_an_attempt_that_hangs(void **state)
{
    (void)state;
    int port;
    int fd = listen_local(&port); /* connects, never answers */
    struct sender *s = start_webhook(port, NULL, 0.01);
    assert_int_equal(sender_post(s, an_alert(1)), 0);
    double t0 = monotonic_s();
    struct sender_stats st;
    sender_stop_stats(s, 0.3, &st);
    /* libcurl looks at the cancel flag about once a second. */
    assert_true(monotonic_s() - t0 < 2.5);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.sent, 0);
    close(fd);
}

/* A minimal HTTP receiver: answers every request 200 and counts them by
 * path. */
struct receiver {
    int fd, port;
    pthread_t thread;
    atomic_int stop;
    atomic_int hits_a, hits_b; /* POST /a, POST /b */
};

static void receiver_serve(struct receiver *r, int c)
{
    char buf[65536];
    size_t n = 0;
    char *end = NULL;
    while (end == NULL && n < sizeof buf - 1) {
        ssize_t got = read(c, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return;
        n += (size_t)got;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t want = (size_t)(end - buf) + 4 + (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
    while (n < want && n < sizeof buf - 1) {
        ssize_t got = read(c, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return;
        n += (size_t)got;
    }
    if (strncmp(buf, "POST /a ", 8) == 0)
        atomic_fetch_add(&r->hits_a, 1);
    if (strncmp(buf, "POST /b ", 8) == 0)
        atomic_fetch_add(&r->hits_b, 1);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    assert_int_equal(write(c, ok, sizeof ok - 1), (ssize_t)sizeof ok - 1);
}

static void *receiver_main(void *arg)
{
    struct receiver *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(r->fd, NULL, NULL);
        if (c >= 0) {
            receiver_serve(r, c);
            close(c);
        }
    }
    return NULL;
}

static int wait_for(atomic_int *v, int want)
{
    for (double end = monotonic_s() + 10; monotonic_s() < end; usleep(10000))
        if (atomic_load(v) >= want)
            return 1;
    return 0;
}

static void test_sender_reload_keeps_what_a_notifier_has(void **state)
{
    (void)state;
    struct receiver r = {0};
    r.fd = listen_local(&r.port);
    assert_int_equal(pthread_create(&r.thread, NULL, receiver_main, &r), 0);
    char spec[128];
    struct notifier v[2];
    snprintf(spec, sizeof spec, "webhook=http://127.0.0.1:%d/a", r.port);
    v[0] = parsed(spec);
    snprintf(spec, sizeof spec, "webhook=http://127.0.0.1:%d/dead", dead_port());
    v[1] = parsed(spec);

    struct sender *s;
    struct pt_error err = {0};
    assert_int_equal(sender_start(&s, v, 2, NULL, 100, &err), 0);
    assert_int_equal(sender_post(s, an_alert(1)), 0);
    assert_true(wait_for(&r.hits_a, 1)); /* /a has it; /dead waits 100 s */

    /* The same notifiers: /a is not sent the alert again. */
    sender_set_notifiers(s, v, 2);
    /* Another in place of /a: the alert still queued goes to it. */
    snprintf(spec, sizeof spec, "webhook=http://127.0.0.1:%d/b", r.port);
    v[0] = parsed(spec);
    sender_set_notifiers(s, v, 2);
    assert_true(wait_for(&r.hits_b, 1));
    struct sender_stats st;
    for (double end = monotonic_s() + 10; monotonic_s() < end; usleep(10000)) {
        sender_get_stats(s, &st);
        if (st.sent == 2)
            break;
    }

    sender_stop_stats(s, 0, &st);
    assert_int_equal(atomic_load(&r.hits_a), 1);
    assert_int_equal(atomic_load(&r.hits_b), 1);
    assert_int_equal(st.sent, 2);
    assert_int_equal(st.failed, 1); /* /dead, given up at the stop */
    atomic_store(&r.stop, 1);
    pthread_join(r.thread, NULL);
    close(r.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_specs),
        cmocka_unit_test(test_mattermost_specs),
        cmocka_unit_test(test_email_specs),
        cmocka_unit_test(test_spec_errors_are_one_line_without_secrets),
        cmocka_unit_test(test_descriptions_never_show_secrets),
        cmocka_unit_test(test_same_notifier),
        cmocka_unit_test(test_alert_subject_is_one_line),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_zip_holds_the_files_byte_for_byte),
        cmocka_unit_test(test_sender_queue_is_bounded_and_stop_wakes_retries),
        cmocka_unit_test(test_sender_stop_abandons_an_attempt_that_hangs),
        cmocka_unit_test(test_sender_reload_keeps_what_a_notifier_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
