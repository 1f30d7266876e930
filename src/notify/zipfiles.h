/*
 * notify/zipfiles: report files zipped into one archive in memory, for
 * the notifiers that take one attachment (Mattermost: one upload, one
 * file on the post, whatever the number of reports).
 */
#ifndef PYTOP_NOTIFY_ZIPFILES_H
#define PYTOP_NOTIFY_ZIPFILES_H

#include <stddef.h>

/* Zip the n files at paths, each under its alert_file_name, into *out
 * (malloc'd, *len bytes); libzip is loaded here the first time. 0, or -1
 * with why ("cannot read PATH: No such file or directory", "cannot load
 * libzip.so.4 (install ...): ..."). */
int zipfiles_make(char *const *paths, int n, char **out, size_t *len, char *why, size_t size);

#endif
