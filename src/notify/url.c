/*
 * notify/url: splitting a notifier's URL. See url.h.
 */
#include "config.h"
#include "notify/url.h"

#include <ctype.h>
#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode n bytes of %XX-escaped text into out (size bytes). A '%' not
 * followed by two hex digits stands for itself, as browsers take it. */
static int percent_decode(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
                if (c == '\0')
                    return -1;
            }
        }
        if (o + 1 >= size)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* host[:port] (n bytes): a non-empty host, a port of digits in range. */
static int host_valid(const char *h, size_t n)
{
    const char *end = h + n;
    const char *port = NULL;
    if (n > 0 && h[0] == '[') {
        const char *close = memchr(h, ']', n);
        if (close == NULL || close == h + 1)
            return 0;
        port = close + 1 < end ? close + 1 : NULL;
        if (port != NULL && *port != ':')
            return 0;
    } else {
        port = memchr(h, ':', n);
        if (port == h || n == 0)
            return 0;
    }
    if (port == NULL)
        return 1;
    size_t digits = (size_t)(end - port - 1);
    if (digits == 0 || digits > 5)
        return 0;
    long v = 0;
    for (const char *p = port + 1; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= 65535;
}

int url_split(const char *url, struct url_parts *out)
{
    memset(out, 0, sizeof *out);
    const char *sep = strstr(url, "://");
    if (sep == NULL || sep == url || (size_t)(sep - url) >= sizeof out->scheme)
        return -1;
    for (const char *p = url; p < sep; p++) {
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return -1;
        out->scheme[p - url] = (char)tolower((unsigned char)*p);
    }
    const char *auth = sep + 3;
    const char *end = auth + strcspn(auth, "/?#");
    out->rest = end;

    /* The user information ends at the authority's last '@': an '@' of the
     * password itself should be %40, but a bare one is taken too. */
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    const char *host = auth;
    if (at != NULL) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        const char *user_end = colon ? colon : at;
        if (percent_decode(auth, (size_t)(user_end - auth), out->user, sizeof out->user) != 0)
            return -1;
        if (colon != NULL) {
            out->has_password = 1;
            if (percent_decode(colon + 1, (size_t)(at - colon - 1), out->password,
                               sizeof out->password) != 0)
                return -1;
        }
        host = at + 1;
    }
    size_t hn = (size_t)(end - host);
    if (hn >= sizeof out->host || !host_valid(host, hn))
        return -1;
    memcpy(out->host, host, hn);
    out->host[hn] = '\0';
    return 0;
}
