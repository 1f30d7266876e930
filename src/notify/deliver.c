/*
 * notify/deliver: one delivery attempt. See deliver.h.
 */
#include "config.h"
#include "notify/deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "notify/email.h"
#include "notify/transfer.h"
#include "notify/url.h"
#include "notify/zipfiles.h"
#include "util.h"

#define ZIP_NAME "pytop-reports.zip"

/* A JSON string of text; jansson takes only UTF-8, so a body that is not
 * (a name read from a target may not be) goes with its other bytes as '?'
 * rather than not at all. */
static json_t *json_text(const char *text)
{
    json_t *s = json_string(text);
    if (s != NULL)
        return s;
    char *ascii = strdup(text);
    if (ascii == NULL)
        return NULL;
    for (char *p = ascii; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    s = json_string(ascii);
    free(ascii);
    return s;
}

/* Set t up for an HTTP request to url, with the notifier's token as a
 * Bearer when it has one. */
static int http_init(struct transfer *t, const struct notifier *n, const char *url,
                     const atomic_int *cancel, char *why, size_t size)
{
    if (transfer_init(t, url, "http,https", n->ca_file, cancel, why, size) != 0)
        return -1;
    /* No "Expect: 100-continue" round trip before a larger body: some
     * receivers never answer it, and libcurl then waits a second. */
    int rc = transfer_header(t, "Expect:");
    if (*n->token != '\0') {
        char auth[300];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", n->token);
        rc |= transfer_header(t, auth);
    }
    if (rc != 0)
        snprintf(why, size, "out of memory");
    return rc;
}

/* POST body (taken: decref'd here) as JSON to url. */
static int post_json(const struct notifier *n, const char *url, json_t *body,
                     const atomic_int *cancel, char *why, size_t size)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct transfer t;
    memset(&t, 0, sizeof t);
    int rc = -1;
    if (text == NULL)
        snprintf(why, size, "out of memory");
    else if (http_init(&t, n, url, cancel, why, size) == 0 &&
             transfer_header(&t, "Content-Type: application/json") == 0) {
        t.lib->easy_setopt(t.curl, CURLOPT_COPYPOSTFIELDS, text);
        rc = transfer_run(&t, why, size);
    }
    transfer_free(&t);
    free(text);
    return rc;
}

static int send_webhook(const struct notifier *n, const struct alert *a, const atomic_int *cancel,
                        char *why, size_t size)
{
    json_t *body = json_object();
    json_object_set_new(body, "text", json_text(a->markdown));
    json_object_set_new(body, "username", json_string("pytop"));
    return post_json(n, n->url, body, cancel, why, size);
}

/* Put the request that failed before the reason: "/api/v4/files: HTTP 413". */
static void say_which(char *why, size_t size, const char *request)
{
    char reason[256];
    str_copy(reason, sizeof reason, why);
    snprintf(why, size, "%s: %s", request, reason);
}

/* The upload's form for t: the channel, and the zip as "files". NULL
 * when out of memory. */
static curl_mime *upload_form(const struct transfer *t, const char *channel, const char *zip,
                              size_t len)
{
    const struct netlibs_curl *lib = t->lib;
    curl_mime *form = lib->mime_init(t->curl);
    curl_mimepart *ch = form ? lib->mime_addpart(form) : NULL;
    curl_mimepart *file = ch ? lib->mime_addpart(form) : NULL;
    if (file == NULL || lib->mime_name(ch, "channel_id") != CURLE_OK ||
        lib->mime_data(ch, channel, CURL_ZERO_TERMINATED) != CURLE_OK ||
        lib->mime_name(file, "files") != CURLE_OK || lib->mime_data(file, zip, len) != CURLE_OK ||
        lib->mime_filename(file, ZIP_NAME) != CURLE_OK ||
        lib->mime_type(file, "application/zip") != CURLE_OK) {
        lib->mime_free(form);
        return NULL;
    }
    return form;
}

/* The id of the upload an answer describes: file_infos[0].id. */
static int uploaded_file_id(const char *answer, char *id, size_t idsize)
{
    json_t *json = json_loads(answer != NULL ? answer : "", 0, NULL);
    const char *fid = NULL;
    json_unpack(json, "{s:[{s:s}]}", "file_infos", "id", &fid);
    int ok = fid != NULL && *fid != '\0' && strlen(fid) < idsize;
    if (ok)
        str_copy(id, idsize, fid);
    json_decref(json);
    return ok ? 0 : -1;
}

/* Upload the alert's files as one zip into the channel; *id (size idsize)
 * gets the file id the post refers to. */
static int mattermost_upload(const struct notifier *n, const struct alert *a,
                             const atomic_int *cancel, char *id, size_t idsize, char *why,
                             size_t size)
{
    char *zip = NULL;
    size_t len = 0;
    if (zipfiles_make(a->files, a->nfiles, &zip, &len, why, size) != 0)
        return -1;
    char url[1100];
    snprintf(url, sizeof url, "%s/api/v4/files", n->url);
    struct transfer t;
    memset(&t, 0, sizeof t);
    curl_mime *form = NULL;
    int rc = http_init(&t, n, url, cancel, why, size);
    if (rc == 0 && (form = upload_form(&t, n->channel, zip, len)) == NULL) {
        snprintf(why, size, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        t.lib->easy_setopt(t.curl, CURLOPT_MIMEPOST, form);
        rc = transfer_run(&t, why, size);
        if (rc == 0 && uploaded_file_id(t.answer, id, idsize) != 0) {
            snprintf(why, size, "no file id in the server's answer");
            rc = -1;
        }
        if (rc != 0)
            say_which(why, size, "/api/v4/files");
    }
    const struct netlibs_curl *lib = t.lib; /* NULL when it could not be loaded */
    transfer_free(&t);
    if (form != NULL) /* after the handle that used it */
        lib->mime_free(form);
    free(zip);
    return rc;
}

static int send_mattermost(const struct notifier *n, const struct alert *a,
                           const atomic_int *cancel, char *why, size_t size)
{
    char file_id[128] = "";
    if (a->nfiles > 0 && mattermost_upload(n, a, cancel, file_id, sizeof file_id, why, size) != 0)
        return -1;
    json_t *body = json_object();
    json_object_set_new(body, "channel_id", json_string(n->channel));
    json_object_set_new(body, "message", json_text(a->markdown));
    if (*file_id != '\0')
        json_object_set_new(body, "file_ids", json_pack("[s]", file_id));
    char url[1100];
    snprintf(url, sizeof url, "%s/api/v4/posts", n->url);
    int rc = post_json(n, url, body, cancel, why, size);
    if (rc != 0)
        say_which(why, size, "/api/v4/posts");
    return rc;
}

/* Replace every occurrence of secret in why with "…". */
static void hide(char *why, const char *secret)
{
    size_t n = strlen(secret);
    if (n < 3) /* too short to tell from ordinary words */
        return;
    static const char dots[] = "\xe2\x80\xa6";
    size_t d = sizeof dots - 1; /* not longer than a secret */
    for (char *p = strstr(why, secret); p != NULL; p = strstr(p + d, secret)) {
        memmove(p + d, p + n, strlen(p + n) + 1);
        memcpy(p, dots, d);
    }
}

/* libcurl's and the servers' words should not quote the notifier's
 * secrets; should they ever, the reason, which is logged, does not. */
static void hide_secrets(const struct notifier *n, char *why)
{
    struct url_parts u;
    if (url_split(n->url, &u) == 0) {
        hide(why, u.password);
        if (n->kind == NOTIFIER_WEBHOOK && strcmp(u.rest, "/") != 0)
            hide(why, u.rest);
    }
    hide(why, n->token);
    if (n->kind == NOTIFIER_EMAIL) {
        char password[256];
        notifier_smtp_password(n, password, sizeof password);
        hide(why, password);
    }
}

int deliver_cancellable(const struct notifier *n, const struct alert *a, const atomic_int *cancel,
                        char *why, size_t size)
{
    int rc;
    switch (n->kind) {
    case NOTIFIER_WEBHOOK:
        rc = send_webhook(n, a, cancel, why, size);
        break;
    case NOTIFIER_MATTERMOST:
        rc = send_mattermost(n, a, cancel, why, size);
        break;
    default:
        rc = email_send(n, a, cancel, why, size);
        break;
    }
    if (rc != 0)
        hide_secrets(n, why);
    return rc;
}

int deliver(const struct notifier *n, const struct alert *a, char *why, size_t size)
{
    return deliver_cancellable(n, a, NULL, why, size);
}
