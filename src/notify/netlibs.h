/*
 * notify/netlibs: the HTTP and zip libraries, loaded on first use.
 *
 * libcurl and libzip serve only `pytop watch`'s notifiers, yet linking
 * them maps some 40 libraries (TLS, Kerberos, LDAP, ...) and about 5 MB
 * into every pytop process. So pytop does not link them: the first
 * transfer or zip dlopen()s the library, by the soname configure found,
 * and takes every function the notifiers call into a table. The headers
 * are still the libraries' own: each pointer has the type of the
 * library's declaration, and its constants and types are used as they are.
 *
 * A member is the library's function without its prefix: easy_setopt is
 * curl_easy_setopt (which <curl/curl.h> also defines as a macro, hence
 * never that name for a member), source_free is zip_source_free.
 */
#ifndef PYTOP_NOTIFY_NETLIBS_H
#define PYTOP_NOTIFY_NETLIBS_H

#include <curl/curl.h>
#include <zip.h>

#include "error.h"

struct netlibs_curl {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
    __typeof__(curl_mime_init) *mime_init;
    __typeof__(curl_mime_addpart) *mime_addpart;
    __typeof__(curl_mime_name) *mime_name;
    __typeof__(curl_mime_data) *mime_data;
    __typeof__(curl_mime_filedata) *mime_filedata;
    __typeof__(curl_mime_filename) *mime_filename;
    __typeof__(curl_mime_type) *mime_type;
    __typeof__(curl_mime_encoder) *mime_encoder;
    __typeof__(curl_mime_free) *mime_free;
};

struct netlibs_zip {
    __typeof__(zip_error_init) *error_init;
    __typeof__(zip_error_fini) *error_fini;
    __typeof__(zip_error_strerror) *error_strerror;
    __typeof__(zip_strerror) *strerror;
    __typeof__(zip_open_from_source) *open_from_source;
    __typeof__(zip_file_add) *file_add;
    __typeof__(zip_close) *close;
    __typeof__(zip_discard) *discard;
    __typeof__(zip_source_buffer) *source_buffer;
    __typeof__(zip_source_buffer_create) *source_buffer_create;
    __typeof__(zip_source_keep) *source_keep;
    __typeof__(zip_source_free) *source_free;
    __typeof__(zip_source_open) *source_open;
    __typeof__(zip_source_seek) *source_seek;
    __typeof__(zip_source_tell) *source_tell;
    __typeof__(zip_source_read) *source_read;
    __typeof__(zip_source_close) *source_close;
    __typeof__(zip_source_error) *source_error;
};

/* libcurl, loaded and curl_global_init'ed the first time any thread asks
 * (once per process: later calls only return the outcome). 0 with *out
 * set (a table that stays valid until exit), or -1 with err = "cannot
 * load libcurl.so.4 (install the Debian package libcurl4): DLERROR", the
 * same at every call. */
int netlibs_curl(const struct netlibs_curl **out, struct pt_error *err);

/* libzip the same way. */
int netlibs_zip(const struct netlibs_zip **out, struct pt_error *err);

#endif
