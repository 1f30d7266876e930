/*
 * notify/alert: what `pytop watch` sends about a slow request: a one-line
 * subject, a markdown body, and up to ALERT_FILES report files. An alert
 * is malloc'd and handed over whole (sender_post takes it): alert_free
 * frees it with everything it holds.
 */
#ifndef PYTOP_NOTIFY_ALERT_H
#define PYTOP_NOTIFY_ALERT_H

#define ALERT_FILES 4

struct alert {
    char subject[256];        /* one line: "pytop: slow request GET /users/{id} 812 ms (PID 42)" */
    char *markdown;           /* the body, owned (malloc) */
    char *files[ALERT_FILES]; /* attachments: paths of report files, owned */
    int nfiles;
};

/* A new alert with subject (cut to one line: controls become blanks) and
 * a copy of markdown. NULL when out of memory. */
struct alert *alert_new(const char *subject, const char *markdown);

/* Make s one line (a subject becomes a mail header and a log line):
 * control characters become blanks. */
void alert_one_line(char *s);

/* What an attached file is called where it arrives (in the zip, in the
 * mail): the base name of its path. */
const char *alert_file_name(const char *path);

/* Attach a copy of path. 0, or -1 when ALERT_FILES are attached already
 * or out of memory. */
int alert_add_file(struct alert *a, const char *path);

/* Free a (NULL is fine), its body and its paths. */
void alert_free(struct alert *a);

#endif
