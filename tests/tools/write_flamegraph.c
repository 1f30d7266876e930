/*
 * tests/tools/write_flamegraph: folded stacks on stdin -> flamegraph SVG on
 * stdout, for the browser tests (tests/integration/test_flamegraph_browser.py).
 *
 *   write_flamegraph [-t TARGET] [-p PYTHON] [-d SECONDS] [-r HZ] < stacks > out.svg
 *
 * Each input line is "frame;frame;...;frame COUNT", root first. A frame
 * is "name (file:line)", "name (file)" or "name" (Python frames), or
 * "[process] NAME", "[thread] NAME", "[native] NAME" for the other kinds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltree.h"
#include "output/flamegraph.h"
#include "output/meta.h"

/* Intern one frame of the folded text (modified in place). */
static int parse_frame(struct calltree *t, char *s, uint32_t *id)
{
    static const struct {
        const char *prefix;
        int kind;
    } kinds[] = {{"[process] ", CT_PROCESS}, {"[thread] ", CT_THREAD}, {"[native] ", CT_NATIVE}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strncmp(s, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
            return calltree_frame(t, kinds[i].kind, s + strlen(kinds[i].prefix), "", 0, id);

    size_t n = strlen(s);
    char *open = NULL;
    for (char *p = strstr(s, " ("); p; p = strstr(p + 1, " ("))
        open = p;
    if (open == NULL || n == 0 || s[n - 1] != ')')
        return calltree_frame(t, CT_PYTHON, s, "", 0, id);
    *open = '\0';
    char *file = open + 2;
    s[n - 1] = '\0';
    int line = 0;
    char *colon = strrchr(file, ':');
    if (colon != NULL && colon[1] != '\0' && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        line = atoi(colon + 1);
        *colon = '\0';
    }
    return calltree_frame(t, CT_PYTHON, s, file, line, id);
}

int main(int argc, char **argv)
{
    struct profile_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.target, sizeof m.target, "PID 4242 (python3 app.py)");
    snprintf(m.python, sizeof m.python, "Python 3.12.1");
    m.rate = 100;
    int opt;
    while ((opt = getopt(argc, argv, "t:p:d:r:")) != -1) {
        switch (opt) {
        case 't':
            snprintf(m.target, sizeof m.target, "%s", optarg);
            break;
        case 'p':
            snprintf(m.python, sizeof m.python, "%s", optarg);
            break;
        case 'd':
            m.duration = atof(optarg);
            break;
        case 'r':
            m.rate = atof(optarg);
            break;
        default:
            fprintf(stderr, "usage: %s [-t TARGET] [-p PYTHON] [-d SECONDS] [-r HZ]\n", argv[0]);
            return 2;
        }
    }

    struct calltree t;
    if (calltree_init(&t) != 0)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint32_t ids[1024];
    while ((len = getline(&line, &cap, stdin)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *space = strrchr(line, ' ');
        if (space == NULL)
            continue;
        *space = '\0';
        unsigned long long count = strtoull(space + 1, NULL, 10);
        int n = 0;
        for (char *f = strtok(line, ";"); f != NULL && n < 1024; f = strtok(NULL, ";"))
            if (parse_frame(&t, f, &ids[n++]) != 0)
                return 1;
        if (calltree_add(&t, ids, n, count) != 0)
            return 1;
    }
    free(line);
    m.samples = t.nodes[0].total;
    if (m.duration == 0 && m.rate > 0)
        m.duration = (double)m.samples / m.rate;

    struct pt_error err = {0};
    int rc = flamegraph_write(stdout, &t, &m, &err);
    if (rc != 0)
        fprintf(stderr, "write_flamegraph: %s\n", err.msg);
    calltree_free(&t);
    return rc != 0;
}
