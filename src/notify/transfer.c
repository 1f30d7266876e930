/*
 * notify/transfer: libcurl with the notifiers' settings. See transfer.h.
 */
#include "config.h"
#include "notify/transfer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static size_t keep_answer(char *data, size_t one, size_t n, void *user)
{
    struct transfer *t = user;
    size_t len = one * n;
    size_t room = TRANSFER_ANSWER_MAX - t->len;
    size_t take = len < room ? len : room;
    if (take > 0) {
        if (vec_reserve((void **)&t->answer, &t->answer_cap, 1, t->len + take + 1) != 0)
            return 0; /* libcurl ends the transfer with a write error */
        memcpy(t->answer + t->len, data, take);
        t->len += take;
        t->answer[t->len] = '\0';
    }
    return len;
}

static int check_cancel(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const struct transfer *t = user;
    return t->cancel != NULL && atomic_load(t->cancel);
}

int transfer_init(struct transfer *t, const char *url, const char *protocols, const char *ca_file,
                  const atomic_int *cancel, char *why, size_t size)
{
    memset(t, 0, sizeof *t);
    t->cancel = cancel;
    struct pt_error err;
    if (netlibs_curl(&t->lib, &err) != 0) {
        snprintf(why, size, "%s", err.msg);
        return -1;
    }
    t->curl = t->lib->easy_init();
    if (t->curl == NULL) {
        snprintf(why, size, "libcurl could not start a request");
        return -1;
    }
    const struct netlibs_curl *lib = t->lib;
    CURL *c = t->curl;
    lib->easy_setopt(c, CURLOPT_URL, url);
    lib->easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
    lib->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lib->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)TRANSFER_CONNECT_TIMEOUT_S);
    lib->easy_setopt(c, CURLOPT_TIMEOUT, (long)TRANSFER_TIMEOUT_S);
    lib->easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    lib->easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    lib->easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
    lib->easy_setopt(c, CURLOPT_WRITEDATA, t);
    lib->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    lib->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
    lib->easy_setopt(c, CURLOPT_XFERINFODATA, t);
    if (ca_file != NULL && *ca_file != '\0')
        lib->easy_setopt(c, CURLOPT_CAINFO, ca_file);
    return 0;
}

int transfer_header(struct transfer *t, const char *line)
{
    struct curl_slist *l = t->lib->slist_append(t->headers, line);
    if (l == NULL)
        return -1;
    t->headers = l;
    return t->lib->easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers) == CURLE_OK ? 0 : -1;
}

/* libcurl's reason for code: its error buffer, which names what failed
 * ("SSL certificate problem: self-signed certificate"), except where the
 * code's own text says it all (the buffer adds the address, already in
 * the notifier's description, and the milliseconds). */
static void curl_reason(const struct transfer *t, CURLcode code, char *why, size_t size)
{
    if (code == CURLE_ABORTED_BY_CALLBACK)
        snprintf(why, size, "abandoned as pytop stopped");
    else if (*t->errbuf != '\0' && code != CURLE_COULDNT_CONNECT)
        snprintf(why, size, "%s", t->errbuf);
    else
        snprintf(why, size, "%s", t->lib->easy_strerror(code));
    /* A reason follows a colon: "Couldn't connect" reads "couldn't connect",
     * while "SSL certificate problem" keeps its capitals. */
    if (isupper((unsigned char)why[0]) && islower((unsigned char)why[1]))
        why[0] = (char)tolower((unsigned char)why[0]);
}

int transfer_run(struct transfer *t, char *why, size_t size)
{
    t->code = t->lib->easy_perform(t->curl);
    t->lib->easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->code != CURLE_OK) {
        curl_reason(t, t->code, why, size);
        return -1;
    }
    const char *scheme = NULL;
    t->lib->easy_getinfo(t->curl, CURLINFO_SCHEME, &scheme);
    int http = scheme != NULL && strncasecmp(scheme, "http", 4) == 0;
    if (http && t->status >= 300) {
        snprintf(why, size, "HTTP %ld", t->status);
        return -1;
    }
    return 0;
}

void transfer_free(struct transfer *t)
{
    /* A transfer that never got libcurl has nothing of libcurl's to free. */
    if (t->lib != NULL) {
        t->lib->easy_cleanup(t->curl);
        t->lib->slist_free_all(t->headers);
    }
    free(t->answer);
    memset(t, 0, sizeof *t);
}
