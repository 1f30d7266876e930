/*
 * notify/email: an alert as a mail through libcurl's SMTP: MAIL FROM, RCPT
 * TO each recipient, then a MIME message (From, To, Subject, Date; the
 * markdown as text/plain; each report file attached under its base name
 * with its content type).
 *
 * TLS: smtps:// from the start; smtp:// with STARTTLS, required when there
 * is a user (a password never goes in clear), used when offered otherwise.
 */
#ifndef PYTOP_NOTIFY_EMAIL_H
#define PYTOP_NOTIFY_EMAIL_H

#include <stdatomic.h>
#include <stddef.h>

#include "notify/alert.h"
#include "notify/notifier.h"

/* Send a to the email notifier n. 0, or -1 with why. */
int email_send(const struct notifier *n, const struct alert *a, const atomic_int *cancel, char *why,
               size_t size);

/* The content type of an attachment, from its name's extension. */
const char *email_content_type(const char *path);

#endif
