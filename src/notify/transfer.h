/*
 * notify/transfer: one libcurl request made the way every notifier makes
 * it: bounded in time (a dead receiver must not keep an alert forever),
 * restricted to the protocols its notifier speaks, with the notifier's CA
 * bundle, without signals (it runs in the sender's thread), abandoned
 * when the sender gives up, and its outcome as one short reason.
 */
#ifndef PYTOP_NOTIFY_TRANSFER_H
#define PYTOP_NOTIFY_TRANSFER_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "notify/netlibs.h"

#define TRANSFER_CONNECT_TIMEOUT_S 10
#define TRANSFER_TIMEOUT_S         60
#define TRANSFER_ANSWER_MAX        (1 << 20) /* more of an answer is not kept */

struct transfer {
    const struct netlibs_curl *lib; /* libcurl, through which curl is used */
    CURL *curl;
    struct curl_slist *headers; /* transfer_header's, freed with t */
    const atomic_int *cancel;   /* set: abandon the request */
    char *answer;               /* what the server sent back, NUL-terminated */
    size_t len, answer_cap;
    CURLcode code; /* of the last run */
    long status;   /* HTTP status of the answer, 0 when none */
    char errbuf[CURL_ERROR_SIZE];
};

/* Set t up for url over protocols ("http,https", "smtp,smtps"), with
 * ca_file when not "" and cancel (may be NULL); libcurl is loaded here
 * the first time. 0, or -1 with why when libcurl cannot be loaded
 * ("cannot load libcurl.so.4 (install ...): ...") or cannot make a
 * handle. */
int transfer_init(struct transfer *t, const char *url, const char *protocols, const char *ca_file,
                  const atomic_int *cancel, char *why, size_t size);

/* Add a header line ("Name: value"): HTTP's, or the mail's own with
 * curl_mime. 0, or -1 when out of memory. */
int transfer_header(struct transfer *t, const char *line);

/* Run the request. 0, or -1 with why: libcurl's reason ("couldn't
 * connect to server") or, over HTTP, "HTTP 500" for a status >= 300. */
int transfer_run(struct transfer *t, char *why, size_t size);

/* Free the handle, headers and answer. */
void transfer_free(struct transfer *t);

#endif
