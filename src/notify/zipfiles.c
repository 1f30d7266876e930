/*
 * notify/zipfiles: a zip in memory through libzip. See zipfiles.h.
 *
 * The archive is written into a buffer source that outlives the archive
 * (zip_source_keep), then read back whole: nothing is left on disk.
 * libzip is loaded by the first zip (see netlibs.h).
 */
#include "config.h"
#include "notify/zipfiles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/alert.h"
#include "notify/netlibs.h"
#include "util.h"

/* Add the file at path to za; the file is read now, so that a missing one
 * is named here rather than as a failure of zip_close. */
static int add_file(const struct netlibs_zip *z, zip_t *za, const char *path, char *why,
                    size_t size)
{
    size_t len = 0;
    char *data = read_file(path, &len);
    if (data == NULL) {
        snprintf(why, size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    zip_source_t *src = z->source_buffer(za, data, len, 1);
    if (src == NULL) {
        free(data);
        snprintf(why, size, "cannot zip %s: %s", path, z->strerror(za));
        return -1;
    }
    if (z->file_add(za, alert_file_name(path), src, ZIP_FL_ENC_UTF_8) < 0) {
        z->source_free(src);
        snprintf(why, size, "cannot zip %s: %s", path, z->strerror(za));
        return -1;
    }
    return 0;
}

/* The bytes of the buffer source mem, into *out. */
static int read_source(const struct netlibs_zip *z, zip_source_t *mem, char **out, size_t *len,
                       char *why, size_t size)
{
    if (z->source_open(mem) < 0) {
        snprintf(why, size, "cannot read the zip back: %s",
                 z->error_strerror(z->source_error(mem)));
        return -1;
    }
    zip_int64_t n = -1;
    if (z->source_seek(mem, 0, SEEK_END) == 0)
        n = z->source_tell(mem);
    char *buf = n >= 0 && z->source_seek(mem, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
    if (buf == NULL || z->source_read(mem, buf, (zip_uint64_t)n) != n) {
        free(buf);
        z->source_close(mem);
        snprintf(why, size, "cannot read the zip back");
        return -1;
    }
    z->source_close(mem);
    *out = buf;
    *len = (size_t)n;
    return 0;
}

int zipfiles_make(char *const *paths, int n, char **out, size_t *len, char *why, size_t size)
{
    const struct netlibs_zip *z;
    struct pt_error err;
    if (netlibs_zip(&z, &err) != 0) {
        snprintf(why, size, "%s", err.msg);
        return -1;
    }
    zip_error_t ze;
    z->error_init(&ze);
    zip_source_t *mem = z->source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = mem != NULL ? z->open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    if (za == NULL) {
        snprintf(why, size, "cannot make a zip: %s", z->error_strerror(&ze));
        z->source_free(mem);
        z->error_fini(&ze);
        return -1;
    }
    z->error_fini(&ze);
    z->source_keep(mem); /* zip_close would free it with the archive */
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = add_file(z, za, paths[i], why, size);
    if (rc != 0) {
        z->discard(za);
    } else if (z->close(za) != 0) {
        snprintf(why, size, "cannot make a zip: %s", z->strerror(za));
        z->discard(za);
        rc = -1;
    }
    if (rc == 0)
        rc = read_source(z, mem, out, len, why, size);
    z->source_free(mem);
    return rc;
}
