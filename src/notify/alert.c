/*
 * notify/alert: making and freeing an alert. See alert.h.
 */
#include "config.h"
#include "notify/alert.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct alert *alert_new(const char *subject, const char *markdown)
{
    struct alert *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->markdown = strdup(markdown);
    if (a->markdown == NULL) {
        free(a);
        return NULL;
    }
    str_copy(a->subject, sizeof a->subject, subject);
    alert_one_line(a->subject);
    return a;
}

void alert_one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (iscntrl((unsigned char)*p))
            *p = ' ';
}

const char *alert_file_name(const char *path)
{
    return path_base(path);
}

int alert_add_file(struct alert *a, const char *path)
{
    if (a->nfiles >= ALERT_FILES)
        return -1;
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    a->files[a->nfiles++] = copy;
    return 0;
}

void alert_free(struct alert *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->nfiles; i++)
        free(a->files[i]);
    free(a->markdown);
    free(a);
}
