/*
 * notify/email: alerts by SMTP. See email.h.
 */
#include "config.h"
#include "notify/email.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "notify/transfer.h"
#include "notify/url.h"
#include "util.h"

const char *email_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".svg", "image/svg+xml"},
        {".md", "text/markdown; charset=utf-8"},
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(alert_file_name(path), '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof *types; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* "Date: Sat, 05 Dec 2026 03:20:01 +0000" (RFC 5322), whatever the locale. */
static void date_header(char *buf, size_t size)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(buf, size, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "Subject: ...": as it is when ASCII, else one RFC 2047 encoded word. */
static void subject_header(const char *text, char *buf, size_t size)
{
    char subject[sizeof((struct alert *)0)->subject];
    str_copy(subject, sizeof subject, text);
    alert_one_line(subject); /* a struct alert need not come from alert_new */
    int ascii = 1;
    for (const char *p = subject; *p; p++)
        ascii &= (unsigned char)*p < 0x80;
    if (ascii) {
        snprintf(buf, size, "Subject: %s", subject);
        return;
    }
    char b64[400]; /* base64 of a 255-byte subject: 340 */
    base64_encode(subject, strlen(subject), b64, 0);
    snprintf(buf, size, "Subject: =?UTF-8?B?%s?=", b64);
}

/* The mail's own headers (curl_mime adds the MIME ones). */
static int add_headers(struct transfer *t, const struct notifier *n, const struct alert *a)
{
    char line[NOTIFIER_TO_MAX * 264 + 64];
    date_header(line, sizeof line);
    int rc = transfer_header(t, line);
    snprintf(line, sizeof line, "From: pytop <%s>", n->from);
    rc |= transfer_header(t, line);
    int len = snprintf(line, sizeof line, "To: ");
    /* One recipient a line (folded), for the 998 bytes a line may have. */
    for (int i = 0; i < n->nto && (size_t)len < sizeof line; i++)
        len +=
            snprintf(line + len, sizeof line - (size_t)len, "%s<%s>", i ? ",\r\n " : "", n->to[i]);
    rc |= transfer_header(t, line);
    subject_header(a->subject, line, sizeof line);
    rc |= transfer_header(t, line);
    return rc;
}

/* text with CRLF line ends, a mail's: quoted-printable keeps those as
 * lines, where a bare LF would become "=0A" in one long soft-wrapped
 * line. malloc'd; NULL when out of memory. */
static char *crlf_lines(const char *text)
{
    size_t lf = 0;
    for (const char *p = text; *p; p++)
        lf += *p == '\n';
    char *out = malloc(strlen(text) + lf + 1), *o = out;
    for (const char *p = text; out != NULL && *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            *o++ = '\r';
        *o++ = *p;
    }
    if (out != NULL)
        *o = '\0';
    return out;
}

/* The message: the markdown, then each file as an attachment (base64, so
 * that it arrives byte for byte). */
static curl_mime *build_message(const struct transfer *t, const struct alert *a, char *why,
                                size_t size)
{
    const struct netlibs_curl *lib = t->lib;
    curl_mime *mime = lib->mime_init(t->curl);
    curl_mimepart *text = mime ? lib->mime_addpart(mime) : NULL;
    char *body = crlf_lines(a->markdown);
    int ok = text != NULL && body != NULL &&
             lib->mime_data(text, body, CURL_ZERO_TERMINATED) == CURLE_OK &&
             lib->mime_type(text, "text/plain; charset=utf-8") == CURLE_OK &&
             lib->mime_encoder(text, "quoted-printable") == CURLE_OK;
    free(body); /* curl_mime_data took a copy */
    if (!ok) {
        snprintf(why, size, "cannot build the message: out of memory");
        lib->mime_free(mime);
        return NULL;
    }
    for (int i = 0; i < a->nfiles; i++) {
        const char *path = a->files[i];
        /* libcurl would read it only while sending, and say only that it
         * could not. */
        if (access(path, R_OK) != 0) {
            snprintf(why, size, "cannot read %s: %s", path, strerror(errno));
            lib->mime_free(mime);
            return NULL;
        }
        curl_mimepart *part = lib->mime_addpart(mime);
        if (part == NULL || lib->mime_filedata(part, path) != CURLE_OK ||
            lib->mime_filename(part, alert_file_name(path)) != CURLE_OK ||
            lib->mime_type(part, email_content_type(path)) != CURLE_OK ||
            lib->mime_encoder(part, "base64") != CURLE_OK) {
            snprintf(why, size, "cannot attach %s: out of memory", path);
            lib->mime_free(mime);
            return NULL;
        }
    }
    return mime;
}

/* MAIL FROM, RCPT TO and the login, on a handle for the server's URL
 * without its user information (libcurl gets the user and password
 * apart, so that neither is in a URL it might show). */
static int setup_session(struct transfer *t, const struct notifier *n, const atomic_int *cancel,
                         struct curl_slist **rcpt, char *why, size_t size)
{
    struct url_parts u;
    if (url_split(n->url, &u) != 0) {
        snprintf(why, size, "not an SMTP URL");
        return -1;
    }
    char url[300];
    snprintf(url, sizeof url, "%s://%s/", u.scheme, u.host);
    if (transfer_init(t, url, "smtp,smtps", n->ca_file, cancel, why, size) != 0)
        return -1;
    const struct netlibs_curl *lib = t->lib;
    CURL *c = t->curl;
    if (*u.user != '\0') {
        char password[256];
        notifier_smtp_password(n, password, sizeof password);
        lib->easy_setopt(c, CURLOPT_USERNAME, u.user);
        lib->easy_setopt(c, CURLOPT_PASSWORD, password);
        lib->easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    } else {
        lib->easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    }
    char addr[300];
    snprintf(addr, sizeof addr, "<%s>", n->from);
    lib->easy_setopt(c, CURLOPT_MAIL_FROM, addr);
    for (int i = 0; i < n->nto; i++) {
        snprintf(addr, sizeof addr, "<%s>", n->to[i]);
        struct curl_slist *l = lib->slist_append(*rcpt, addr);
        if (l == NULL) {
            snprintf(why, size, "out of memory");
            return -1;
        }
        *rcpt = l;
    }
    lib->easy_setopt(c, CURLOPT_MAIL_RCPT, *rcpt);
    return 0;
}

int email_send(const struct notifier *n, const struct alert *a, const atomic_int *cancel, char *why,
               size_t size)
{
    struct transfer t;
    memset(&t, 0, sizeof t);
    struct curl_slist *rcpt = NULL;
    curl_mime *mime = NULL;
    int rc = setup_session(&t, n, cancel, &rcpt, why, size);
    if (rc == 0 && add_headers(&t, n, a) != 0) {
        snprintf(why, size, "out of memory");
        rc = -1;
    }
    if (rc == 0 && (mime = build_message(&t, a, why, size)) == NULL)
        rc = -1;
    if (rc == 0) {
        t.lib->easy_setopt(t.curl, CURLOPT_MIMEPOST, mime);
        rc = transfer_run(&t, why, size);
        if (rc != 0 && t.code == CURLE_USE_SSL_FAILED)
            snprintf(why, size,
                     "the server offers no STARTTLS: the password is not sent in clear "
                     "(use smtps://, or a server with STARTTLS)");
    }
    /* The message and the recipients after the handle that used them;
     * there are none unless libcurl was loaded. */
    const struct netlibs_curl *lib = t.lib;
    transfer_free(&t);
    if (mime != NULL)
        lib->mime_free(mime);
    if (rcpt != NULL)
        lib->slist_free_all(rcpt);
    return rc;
}
