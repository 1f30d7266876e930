/*
 * notify/url: the parts of a notifier's URL, scheme://[user[:password]@]host[:port]/rest.
 *
 * One splitter serves the spec parser (is the URL usable?), the
 * descriptions (which parts may be shown: never the password, never a
 * webhook's path, where Slack and Mattermost put its secret) and the SMTP
 * sender (libcurl gets the user and password apart from the URL).
 */
#ifndef PYTOP_NOTIFY_URL_H
#define PYTOP_NOTIFY_URL_H

struct url_parts {
    char scheme[16];    /* lower case: "https", "smtp" */
    char user[256];     /* percent-decoded; "" when none */
    char password[256]; /* percent-decoded; "" when none */
    int has_password;   /* a ':' after the user, even with nothing after it */
    char host[256];     /* host[:port] as written (an IPv6 address in brackets) */
    const char *rest;   /* path, query and fragment: a pointer into the URL split */
};

/* Split url. 0, or -1 when it is not scheme://host... with a port of digits
 * (1-65535), a user and password of at most 255 bytes each after decoding
 * (no NUL among them) and a host of at most 255. */
int url_split(const char *url, struct url_parts *out);

#endif
