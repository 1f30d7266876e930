/*
 * notify/deliver: one attempt to deliver one alert to one notifier,
 * synchronously (the sender's thread makes the attempts and the retries).
 *
 * - webhook: POST {"text": MARKDOWN, "username": "pytop"}, what Slack's and
 *   Mattermost's incoming webhooks take.
 * - mattermost: the files zipped into one upload (POST /api/v4/files), then
 *   a post in the channel with the markdown and the upload's id (POST
 *   /api/v4/posts), both with the token as a Bearer.
 * - email: SMTP (see notify/email.h).
 *
 * Connecting is given TRANSFER_CONNECT_TIMEOUT_S seconds and each request
 * TRANSFER_TIMEOUT_S. A reason never quotes a secret of the notifier.
 */
#ifndef PYTOP_NOTIFY_DELIVER_H
#define PYTOP_NOTIFY_DELIVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "notify/alert.h"
#include "notify/notifier.h"

/* 0, or -1 with a short reason in why ("HTTP 500", "couldn't connect to
 * server"). */
int deliver(const struct notifier *n, const struct alert *a, char *why, size_t size);

/* The same, abandoned ("abandoned as pytop stopped") once *cancel is set
 * (libcurl looks at it about once a second and at every transfer of
 * data). */
int deliver_cancellable(const struct notifier *n, const struct alert *a, const atomic_int *cancel,
                        char *why, size_t size);

#endif
