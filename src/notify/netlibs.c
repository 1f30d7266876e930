/*
 * notify/netlibs: libcurl and libzip through dlopen. See netlibs.h.
 *
 * Each library has one loaded table for the process, filled under
 * pthread_once: the sender's thread and the tests' threads may ask at
 * the same time, and a library is mapped once whoever asks. A library
 * loaded is never closed: its tables are handed out until exit, and
 * libcurl's TLS backend keeps global state that outlives any handle.
 */
#include "config.h"
#include "notify/netlibs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

/* Where the library's function name goes in its table. */
struct symbol {
    const char *name;
    size_t offset;
};

/* A member is named after its function (see netlibs.h), so one name
 * gives both. (clang-format would spread each over four lines.) */
// clang-format off
#define CURL_SYMBOL(member) {"curl_" #member, offsetof(struct netlibs_curl, member)}
#define ZIP_SYMBOL(member)  {"zip_" #member, offsetof(struct netlibs_zip, member)}
// clang-format on

static const struct symbol curl_symbols[] = {
    CURL_SYMBOL(global_init),   CURL_SYMBOL(easy_init),     CURL_SYMBOL(easy_setopt),
    CURL_SYMBOL(easy_perform),  CURL_SYMBOL(easy_getinfo),  CURL_SYMBOL(easy_cleanup),
    CURL_SYMBOL(easy_strerror), CURL_SYMBOL(slist_append),  CURL_SYMBOL(slist_free_all),
    CURL_SYMBOL(mime_init),     CURL_SYMBOL(mime_addpart),  CURL_SYMBOL(mime_name),
    CURL_SYMBOL(mime_data),     CURL_SYMBOL(mime_filedata), CURL_SYMBOL(mime_filename),
    CURL_SYMBOL(mime_type),     CURL_SYMBOL(mime_encoder),  CURL_SYMBOL(mime_free),
};

static const struct symbol zip_symbols[] = {
    ZIP_SYMBOL(error_init),
    ZIP_SYMBOL(error_fini),
    ZIP_SYMBOL(error_strerror),
    ZIP_SYMBOL(strerror),
    ZIP_SYMBOL(open_from_source),
    ZIP_SYMBOL(file_add),
    ZIP_SYMBOL(close),
    ZIP_SYMBOL(discard),
    ZIP_SYMBOL(source_buffer),
    ZIP_SYMBOL(source_buffer_create),
    ZIP_SYMBOL(source_keep),
    ZIP_SYMBOL(source_free),
    ZIP_SYMBOL(source_open),
    ZIP_SYMBOL(source_seek),
    ZIP_SYMBOL(source_tell),
    ZIP_SYMBOL(source_read),
    ZIP_SYMBOL(source_close),
    ZIP_SYMBOL(source_error),
};

/* Every table member must have its symbol: a forgotten one would stay NULL. */
_Static_assert(sizeof curl_symbols / sizeof *curl_symbols ==
                   sizeof(struct netlibs_curl) / sizeof(void (*)(void)),
               "a member of struct netlibs_curl has no entry in curl_symbols");
_Static_assert(sizeof zip_symbols / sizeof *zip_symbols ==
                   sizeof(struct netlibs_zip) / sizeof(void (*)(void)),
               "a member of struct netlibs_zip has no entry in zip_symbols");

/* What a library's loading came to, the same for every caller. */
struct loaded {
    int ok;
    struct pt_error err;
};

/* The advice before dlerror's words: the sender's messages go on with
 * " after 4 tries". */
static int load_failed(struct pt_error *err, const char *soname, const char *package)
{
    return pt_error_set(err, PT_E_SYS, "cannot load %s (install the Debian package %s): %s", soname,
                        package, dlerror());
}

/* dlopen soname and fill table from the n symbols. 0, or -1 with err (the
 * library is then closed again). */
static int load(const char *soname, const char *package, const struct symbol *symbols, size_t n,
                void *table, struct pt_error *err)
{
    /* RTLD_NOW: a dependency missing is told now, not as a crash at the
     * first call into it. */
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
        return load_failed(err, soname, package);
    for (size_t i = 0; i < n; i++) {
        void *fn = dlsym(lib, symbols[i].name);
        if (fn == NULL) {
            load_failed(err, soname, package);
            dlclose(lib);
            return -1;
        }
        /* POSIX makes a function's address fit a void *; memcpy is how a
         * void * becomes a function pointer without a cast C forbids. */
        memcpy((char *)table + symbols[i].offset, &fn, sizeof fn);
    }
    return 0;
}

static struct netlibs_curl curl_table;
static struct loaded curl_loaded;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void)
{
    struct pt_error *err = &curl_loaded.err;
    if (load(CURL_SONAME, CURL_PACKAGE, curl_symbols, sizeof curl_symbols / sizeof *curl_symbols,
             &curl_table, err) != 0)
        return;
    /* Once per process, before any handle: libcurl's global state (TLS). */
    CURLcode rc = curl_table.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        pt_error_set(err, PT_E_SYS, "cannot start %s: %s", CURL_SONAME,
                     curl_table.easy_strerror(rc));
        return;
    }
    curl_loaded.ok = 1;
}

int netlibs_curl(const struct netlibs_curl **out, struct pt_error *err)
{
    pthread_once(&curl_once, load_curl);
    if (!curl_loaded.ok)
        return pt_error_set(err, curl_loaded.err.code, "%s", curl_loaded.err.msg);
    *out = &curl_table;
    return 0;
}

static struct netlibs_zip zip_table;
static struct loaded zip_loaded;
static pthread_once_t zip_once = PTHREAD_ONCE_INIT;

static void load_zip(void)
{
    zip_loaded.ok =
        load(LIBZIP_SONAME, LIBZIP_PACKAGE, zip_symbols, sizeof zip_symbols / sizeof *zip_symbols,
             &zip_table, &zip_loaded.err) == 0;
}

int netlibs_zip(const struct netlibs_zip **out, struct pt_error *err)
{
    pthread_once(&zip_once, load_zip);
    if (!zip_loaded.ok)
        return pt_error_set(err, zip_loaded.err.code, "%s", zip_loaded.err.msg);
    *out = &zip_table;
    return 0;
}
