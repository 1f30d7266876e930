/*
 * notify/notifier: --notify specs and their safe descriptions. See
 * notifier.h.
 */
#include "config.h"
#include "notify/notifier.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/url.h"
#include "util.h"

/* "…": what a description shows in place of a hidden part. */
#define HIDDEN "\xe2\x80\xa6"

#define FORMS "webhook=URL, mattermost=SERVER,TOKEN,CHANNEL or email=SMTP-URL,FROM,TO[,TO...]"

/* The spec's fields: at most a URL, a sender and NOTIFIER_TO_MAX
 * recipients, plus one to tell that there were too many. */
#define FIELDS_MAX (NOTIFIER_TO_MAX + 3)

static const char *const kind_names[] = {
    [NOTIFIER_WEBHOOK] = "webhook",
    [NOTIFIER_MATTERMOST] = "mattermost",
    [NOTIFIER_EMAIL] = "email",
};

/* One line naming the kind but none of the spec's values, which may be
 * secrets. Returns -1. */
static int spec_error(struct pt_error *err, enum notifier_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int spec_error(struct pt_error *err, enum notifier_kind kind, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pt_error_set(err, PT_E_USAGE, "--notify %s=...: %s", kind_names[kind], what);
}

/* Split s (modified in place) at commas into at most max fields, each
 * trimmed of surrounding blanks. Returns how many. */
static int split_fields(char *s, char **fields, int max)
{
    int n = 0;
    for (char *p = s; n < max;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        while (*p == ' ')
            p++;
        size_t len = strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            p[--len] = '\0';
        fields[n++] = p;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return n;
}

/* An http:// or https:// URL that fits url[]. */
static int parse_http_url(const char *url, char *out, size_t size)
{
    struct url_parts u;
    if (strlen(url) >= size || strchr(url, ' ') != NULL || url_split(url, &u) != 0)
        return -1;
    if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
        return -1;
    str_copy(out, size, url);
    return 0;
}

/* A mail address as SMTP's MAIL FROM and RCPT TO take it bare: local@domain,
 * nothing that would break out of "<...>" or a header. */
static int address_valid(const char *a)
{
    const char *at = strrchr(a, '@');
    if (at == NULL || at == a || at[1] == '\0' || strlen(a) >= 256)
        return 0;
    return strpbrk(a, " <>,;\"\\") == NULL;
}

static int parse_webhook(char *rest, struct notifier *out, struct pt_error *err)
{
    if (*rest == '\0')
        return spec_error(err, NOTIFIER_WEBHOOK, "no URL (webhook=URL)");
    if (parse_http_url(rest, out->url, sizeof out->url) != 0)
        return spec_error(err, NOTIFIER_WEBHOOK, "not an http:// or https:// URL");
    return 0;
}

static int parse_mattermost(char *rest, struct notifier *out, struct pt_error *err)
{
    char *f[FIELDS_MAX];
    int n = split_fields(rest, f, FIELDS_MAX);
    if (n != 3)
        return spec_error(err, NOTIFIER_MATTERMOST,
                          "%d fields, not 3 (mattermost=SERVER,TOKEN,CHANNEL)", n);
    if (*f[0] == '\0')
        return spec_error(err, NOTIFIER_MATTERMOST, "no server URL");
    if (parse_http_url(f[0], out->url, sizeof out->url) != 0)
        return spec_error(err, NOTIFIER_MATTERMOST, "the server is not an http:// or https:// URL");
    /* The API's paths are appended to the base. */
    for (size_t len = strlen(out->url); len > 0 && out->url[len - 1] == '/';)
        out->url[--len] = '\0';

    const char *token = *f[1] != '\0' ? f[1] : getenv(NOTIFIER_TOKEN_ENV);
    if (token == NULL || *token == '\0')
        return spec_error(err, NOTIFIER_MATTERMOST, "no token (give one, or set %s)",
                          NOTIFIER_TOKEN_ENV);
    if (strlen(token) >= sizeof out->token || strpbrk(token, " \t\r\n") != NULL)
        return spec_error(err, NOTIFIER_MATTERMOST, "the token is not an access token");
    str_copy(out->token, sizeof out->token, token);

    const char *ch = f[2];
    if (*ch == '\0')
        return spec_error(err, NOTIFIER_MATTERMOST, "no channel id");
    if (strlen(ch) >= sizeof out->channel)
        return spec_error(err, NOTIFIER_MATTERMOST, "the channel id is too long");
    for (const char *p = ch; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return spec_error(err, NOTIFIER_MATTERMOST,
                              "the channel id must be letters and digits (the channel's ID, not "
                              "its name)");
    str_copy(out->channel, sizeof out->channel, ch);
    return 0;
}

static int parse_smtp_url(const char *url, struct notifier *out, struct pt_error *err)
{
    struct url_parts u;
    if (*url == '\0')
        return spec_error(err, NOTIFIER_EMAIL, "no SMTP URL (email=SMTP-URL,FROM,TO[,TO...])");
    if (strlen(url) >= sizeof out->url || url_split(url, &u) != 0 ||
        (strcmp(u.scheme, "smtp") != 0 && strcmp(u.scheme, "smtps") != 0))
        return spec_error(err, NOTIFIER_EMAIL,
                          "not an SMTP URL (smtp://[USER[:PASSWORD]@]HOST[:PORT] or smtps://...)");
    if (*u.rest != '\0' && strcmp(u.rest, "/") != 0)
        return spec_error(err, NOTIFIER_EMAIL, "an SMTP URL has no path (smtp://HOST[:PORT])");
    if (*u.user == '\0' && u.has_password)
        return spec_error(err, NOTIFIER_EMAIL, "a password without a user");
    str_copy(out->url, sizeof out->url, url);
    if (*u.user != '\0') {
        char password[256];
        notifier_smtp_password(out, password, sizeof password);
        if (*password == '\0')
            return spec_error(err, NOTIFIER_EMAIL,
                              "no password for the SMTP user (in the URL, or set %s)",
                              NOTIFIER_PASSWORD_ENV);
    }
    return 0;
}

static int parse_email(char *rest, struct notifier *out, struct pt_error *err)
{
    char *f[FIELDS_MAX];
    int n = split_fields(rest, f, FIELDS_MAX);
    if (parse_smtp_url(f[0], out, err) != 0)
        return -1;
    if (n < 2 || *f[1] == '\0')
        return spec_error(err, NOTIFIER_EMAIL, "no sender (email=SMTP-URL,FROM,TO[,TO...])");
    if (!address_valid(f[1]))
        return spec_error(err, NOTIFIER_EMAIL, "the sender is not a mail address (name@domain)");
    str_copy(out->from, sizeof out->from, f[1]);
    if (n < 3)
        return spec_error(err, NOTIFIER_EMAIL, "no recipient");
    if (n - 2 > NOTIFIER_TO_MAX)
        return spec_error(err, NOTIFIER_EMAIL, "more than %d recipients", NOTIFIER_TO_MAX);
    for (int i = 2; i < n; i++) {
        if (*f[i] == '\0')
            return spec_error(err, NOTIFIER_EMAIL, "an empty recipient");
        if (!address_valid(f[i]))
            return spec_error(err, NOTIFIER_EMAIL,
                              "recipient %d is not a mail address (name@domain)", i - 1);
        str_copy(out->to[out->nto++], sizeof out->to[0], f[i]);
    }
    return 0;
}

int notifier_parse(const char *spec, struct notifier *out, struct pt_error *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(spec, '=');
    size_t klen = eq ? (size_t)(eq - spec) : 0;
    int kind = -1;
    for (int k = 0; k < (int)(sizeof kind_names / sizeof *kind_names); k++)
        if (eq != NULL && strlen(kind_names[k]) == klen && strncmp(spec, kind_names[k], klen) == 0)
            kind = k;
    if (kind < 0)
        return pt_error_set(err, PT_E_USAGE, "--notify takes %s", FORMS);
    out->kind = (enum notifier_kind)kind;
    /* Controls would end up in HTTP or mail headers. */
    for (const char *p = spec; *p; p++)
        if (iscntrl((unsigned char)*p))
            return spec_error(err, out->kind, "control characters in the spec");

    char rest[4096];
    if (strlen(eq + 1) >= sizeof rest)
        return spec_error(err, out->kind, "too long");
    str_copy(rest, sizeof rest, eq + 1);
    int rc;
    switch (out->kind) {
    case NOTIFIER_WEBHOOK:
        rc = parse_webhook(rest, out, err);
        break;
    case NOTIFIER_MATTERMOST:
        rc = parse_mattermost(rest, out, err);
        break;
    default:
        rc = parse_email(rest, out, err);
        break;
    }
    return rc;
}

void notifier_describe(const struct notifier *n, char *buf, size_t size)
{
    struct url_parts u;
    if (url_split(n->url, &u) != 0) {
        snprintf(buf, size, "%s (no valid URL)", kind_names[n->kind]);
        return;
    }
    switch (n->kind) {
    case NOTIFIER_WEBHOOK: {
        int hidden = *u.rest != '\0' && strcmp(u.rest, "/") != 0;
        snprintf(buf, size, "webhook %s://%s%s", u.scheme, u.host, hidden ? "/" HIDDEN : "");
        break;
    }
    case NOTIFIER_MATTERMOST:
        /* A base path (a server under /mattermost) is no secret; a query is
         * not a base URL's, and would be hidden. */
        snprintf(buf, size, "mattermost %s://%s%.*s channel %s", u.scheme, u.host,
                 (int)strcspn(u.rest, "?#"), u.rest, n->channel);
        break;
    case NOTIFIER_EMAIL: {
        int len = snprintf(buf, size, "email %s://%s%s%s to ", u.scheme, u.user, *u.user ? "@" : "",
                           u.host);
        for (int i = 0; i < n->nto && len >= 0 && (size_t)len < size; i++)
            len += snprintf(buf + len, size - (size_t)len, "%s%s", i ? ", " : "", n->to[i]);
        break;
    }
    }
}

int notifier_same(const struct notifier *a, const struct notifier *b)
{
    if (a->kind != b->kind || a->nto != b->nto || strcmp(a->url, b->url) != 0 ||
        strcmp(a->token, b->token) != 0 || strcmp(a->channel, b->channel) != 0 ||
        strcmp(a->from, b->from) != 0 || strcmp(a->ca_file, b->ca_file) != 0)
        return 0;
    for (int i = 0; i < a->nto; i++)
        if (strcmp(a->to[i], b->to[i]) != 0)
            return 0;
    return 1;
}

void notifier_smtp_password(const struct notifier *n, char *buf, size_t size)
{
    struct url_parts u;
    const char *env = getenv(NOTIFIER_PASSWORD_ENV);
    if (url_split(n->url, &u) == 0 && u.has_password && *u.password != '\0')
        str_copy(buf, size, u.password);
    else
        str_copy(buf, size, env != NULL ? env : "");
}
