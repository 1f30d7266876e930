/*
 * notify/transfer: libcurl with the notifiers' settings. See transfer.h.
 */
#include "config.h"
#include "notify/transfer.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* Once per process, before any handle: libcurl's global state (TLS). */
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t keep_answer(char *data, size_t one, size_t n, void *user)
{
    struct transfer *t = user;
    size_t len = one * n;
    size_t room = TRANSFER_ANSWER_MAX - t->len;
    size_t take = len < room ? len : room;
    if (take > 0) {
        char *grown = realloc(t->answer, t->len + take + 1);
        if (grown == NULL)
            return 0; /* libcurl ends the transfer with a write error */
        memcpy(grown + t->len, data, take);
        t->answer = grown;
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
    pthread_once(&global_once, global_init);
    memset(t, 0, sizeof *t);
    t->cancel = cancel;
    t->curl = curl_easy_init();
    if (t->curl == NULL) {
        snprintf(why, size, "libcurl could not start a request");
        return -1;
    }
    CURL *c = t->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)TRANSFER_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TRANSFER_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
    if (ca_file != NULL && *ca_file != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    return 0;
}

int transfer_header(struct transfer *t, const char *line)
{
    struct curl_slist *l = curl_slist_append(t->headers, line);
    if (l == NULL)
        return -1;
    t->headers = l;
    return curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers) == CURLE_OK ? 0 : -1;
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
        snprintf(why, size, "%s", curl_easy_strerror(code));
    /* A reason follows a colon: "Couldn't connect" reads "couldn't connect",
     * while "SSL certificate problem" keeps its capitals. */
    if (isupper((unsigned char)why[0]) && islower((unsigned char)why[1]))
        why[0] = (char)tolower((unsigned char)why[0]);
}

int transfer_run(struct transfer *t, char *why, size_t size)
{
    t->code = curl_easy_perform(t->curl);
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->code != CURLE_OK) {
        curl_reason(t, t->code, why, size);
        return -1;
    }
    const char *scheme = NULL;
    curl_easy_getinfo(t->curl, CURLINFO_SCHEME, &scheme);
    int http = scheme != NULL && strncasecmp(scheme, "http", 4) == 0;
    if (http && t->status >= 300) {
        snprintf(why, size, "HTTP %ld", t->status);
        return -1;
    }
    return 0;
}

void transfer_free(struct transfer *t)
{
    curl_easy_cleanup(t->curl);
    curl_slist_free_all(t->headers);
    free(t->answer);
    memset(t, 0, sizeof *t);
}
