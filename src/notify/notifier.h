/*
 * notify/notifier: where `pytop watch` sends an alert, parsed from a
 * --notify spec.
 *
 *   webhook=URL                          a Slack or Mattermost incoming webhook
 *   mattermost=SERVER,TOKEN,CHANNEL      a post with the report files zipped
 *   email=SMTP-URL,FROM,TO[,TO...]       a mail with the files attached
 *
 * A notifier holds secrets (a webhook URL's path, a token, an SMTP
 * password): anything shown to a person goes through notifier_describe.
 * The token may come from PYTOP_MATTERMOST_TOKEN (an empty TOKEN field)
 * and the SMTP password from PYTOP_SMTP_PASSWORD, so that neither need
 * be on a command line.
 */
#ifndef PYTOP_NOTIFY_NOTIFIER_H
#define PYTOP_NOTIFY_NOTIFIER_H

#include <stddef.h>

#include "error.h"

enum notifier_kind { NOTIFIER_WEBHOOK, NOTIFIER_MATTERMOST, NOTIFIER_EMAIL };

#define NOTIFIER_TO_MAX 16

/* Where the SMTP password and the Mattermost token may come from. */
#define NOTIFIER_PASSWORD_ENV "PYTOP_SMTP_PASSWORD"
#define NOTIFIER_TOKEN_ENV    "PYTOP_MATTERMOST_TOKEN"

struct notifier {
    enum notifier_kind kind;
    char url[1024];    /* webhook URL; Mattermost server base URL; SMTP URL */
    char token[256];   /* Mattermost access token */
    char channel[128]; /* Mattermost channel id */
    char from[256];    /* email */
    char to[NOTIFIER_TO_MAX][256];
    int nto;
    char ca_file[1024]; /* optional CA bundle for TLS ("" = system default) */
};

/* Parse "webhook=URL", "mattermost=SERVER,TOKEN,CHANNEL" or
 * "email=SMTP-URL,FROM,TO[,TO...]" into *out (zeroed first; ca_file is
 * left to the caller). SMTP-URL is smtp://[user[:password]@]host[:port]
 * or smtps://..., its user and password %-escaped where they hold ':',
 * '@', '/' or ','. 0, or -1 with err = PT_E_USAGE and one line that
 * never quotes the spec's secrets ("--notify email=...: no recipient"). */
int notifier_parse(const char *spec, struct notifier *out, struct pt_error *err);

/* n for messages and logs, never showing a secret: "webhook
 * https://hooks.example.com/..." (path and query hidden), "mattermost
 * https://mm.example.com channel CHANNEL", "email
 * smtp://user@mail.example.com:587 to a@x, b@y" (no password). */
void notifier_describe(const struct notifier *n, char *buf, size_t size);

/* Whether a and b send to the same place the same way (a reload that
 * keeps a notifier keeps what it still has to send). */
int notifier_same(const struct notifier *a, const struct notifier *b);

/* The SMTP password of an email notifier: its URL's, else
 * $PYTOP_SMTP_PASSWORD, else "" (into buf, size bytes). */
void notifier_smtp_password(const struct notifier *n, char *buf, size_t size);

#endif
