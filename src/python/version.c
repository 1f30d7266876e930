/*
 * python/version: finding the interpreter in a process. See version.h.
 *
 * Candidates are the mappings of a libpython or a pythonX.Y executable
 * (Debian's python3.11 links the interpreter statically). The one that
 * defines _PyRuntime is the interpreter; its version comes from Py_Version
 * in the target (3.11+), else from the file name, else from PY_VERSION in
 * the file's read-only data. Pythons without _PyRuntime (2.7, 3.6) are
 * still named, so that the user reads "Python 2.7 is not supported".
 */
#include "config.h"
#include "python/version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remote/access.h"
#include "remote/elf.h"
#include "remote/maps.h"
#include "remote/mem.h"
#include "remote/task.h"
#include "util.h"

void py_version_format(const struct py_version *v, char *buf, unsigned size)
{
    unsigned level = (v->hex >> 4) & 0xf, serial = v->hex & 0xf;
    const char *tag = level == 0xA ? "a" : level == 0xB ? "b" : level == 0xC ? "rc" : NULL;
    if (v->micro < 0) /* only the minor version is known (from a file name) */
        snprintf(buf, size, "%d.%d", v->major, v->minor);
    else if (v->hex != 0 && tag != NULL)
        snprintf(buf, size, "%d.%d.%d%s%u", v->major, v->minor, v->micro, tag, serial);
    else
        snprintf(buf, size, "%d.%d.%d", v->major, v->minor, v->micro);
}

/* "libpython3.12.so.1.0" / "python3.8" / "libpython2.7.so" -> major.minor. */
static int version_from_name(const char *path, struct py_version *v)
{
    const char *b = path_base(path);
    if (strncmp(b, "lib", 3) == 0)
        b += 3;
    if (strncmp(b, "python", 6) != 0)
        return -1;
    int major, minor;
    char next = 0;
    if (sscanf(b + 6, "%d.%d%c", &major, &minor, &next) < 2 || (major != 2 && major != 3))
        return -1;
    v->major = major;
    v->minor = minor;
    v->micro = -1;
    return 0;
}

static int is_candidate(const struct map_entry *e, const char *exe)
{
    if (e->path[0] != '/')
        return 0;
    const char *b = path_base(e->path);
    return strncmp(b, "libpython", 9) == 0 || strncmp(b, "python", 6) == 0 ||
           strcmp(e->path, exe) == 0;
}

struct probe_state {
    int found_runtime;
    struct py_version named; /* a version seen in a candidate's name or data */
    int have_named;
};

/* Examine one candidate file. Returns 1 if it holds _PyRuntime (and fills
 * ver and bin), 0 if not, -1 on a read error of the target. */
static int probe_file(pid_t pid, const struct maps *m, const struct map_entry *e,
                      struct remote *mem, struct py_version *ver, struct py_binary *bin,
                      struct probe_state *st)
{
    struct elf_file ef;
    char open_path[sizeof bin->open_path];
    if (elf_open_mapping(pid, e, &ef, open_path, sizeof open_path) != 0)
        return 0;
    struct py_version named;
    int have_name = version_from_name(e->path, &named) == 0;
    if (!have_name && elf_lookup(&ef, "Py_GetVersion", &(uint64_t){0}, NULL) == 0) {
        int major, minor, micro;
        if (elf_find_python_version(&ef, -1, &major, &minor, &micro) == 0) {
            named = (struct py_version){major, minor, micro};
            have_name = 1;
        }
    }
    if (have_name && !st->have_named) {
        st->named = named;
        st->have_named = 1;
    }
    /* From 3.14 the runtime (its debug offsets first) is the section
     * .PyRuntime too, for debuggers of binaries without the symbol
     * (Python/pylifecycle.c, GENERATE_DEBUG_SECTION). */
    uint64_t runtime_sym;
    if (elf_lookup(&ef, "_PyRuntime", &runtime_sym, NULL) != 0 &&
        elf_section_address(&ef, ".PyRuntime", &runtime_sym, NULL) != 0) {
        elf_close(&ef);
        return 0;
    }
    uint64_t bias = maps_file_base(m, e->path) - ef.load_delta;
    uint64_t pyver_sym;
    uint32_t hex = 0;
    int have_hex = elf_lookup(&ef, "Py_Version", &pyver_sym, NULL) == 0 &&
                   remote_read(mem, pyver_sym + bias, &hex, sizeof hex) == 0 && hex != 0;
    int have_micro = 0;
    if (!have_hex && !have_name) {
        int major, minor, micro;
        if (elf_find_python_version(&ef, -1, &major, &minor, &micro) == 0) {
            named = (struct py_version){major, minor, micro};
            have_name = have_micro = 1;
        }
    } else if (!have_hex) {
        /* The name gives major.minor; PY_VERSION adds the micro. */
        int major, minor, micro;
        if (elf_find_python_version(&ef, named.minor, &major, &minor, &micro) == 0 &&
            major == named.major && minor == named.minor) {
            named.micro = micro;
            have_micro = 1;
        }
    }
    uint64_t code_type_sym = 0;
    int have_code_type = elf_lookup(&ef, "PyCode_Type", &code_type_sym, NULL) == 0;
    uint64_t frame_type_sym = 0;
    int have_frame_type = elf_lookup(&ef, "PyFrame_Type", &frame_type_sym, NULL) == 0;
    elf_close(&ef);
    if (have_hex) {
        ver->major = (int)(hex >> 24) & 0xff;
        ver->minor = (int)(hex >> 16) & 0xff;
        ver->micro = (int)(hex >> 8) & 0xff;
        ver->hex = hex;
    } else if (have_name) {
        *ver = named;
        ver->hex = 0;
        if (!have_micro)
            ver->micro = 0;
    } else {
        return 0;
    }
    if (bin) {
        snprintf(bin->path, sizeof bin->path, "%s", e->path);
        snprintf(bin->open_path, sizeof bin->open_path, "%s", open_path);
        bin->bias = bias;
        bin->runtime_addr = runtime_sym + bias;
        bin->code_type = have_code_type ? code_type_sym + bias : 0;
        bin->frame_type = have_frame_type ? frame_type_sym + bias : 0;
    }
    st->found_runtime = 1;
    return 1;
}

static int unsupported(struct pt_error *err, pid_t pid, const struct py_version *v)
{
    return pt_error_set(err, PT_E_UNSUPPORTED,
                        "Python %d.%d is not supported (PID %d; supported: %s)", v->major, v->minor,
                        (int)pid, PY_SUPPORTED_TEXT);
}

int python_probe(pid_t pid, struct py_version *ver, struct py_binary *bin, struct pt_error *err)
{
    struct maps m;
    if (maps_read(pid, &m, err) != 0)
        return -1;
    char exe[4096];
    if (task_exe(pid, exe, sizeof exe) != 0 && (errno == EACCES || errno == EPERM)) {
        /* The maps are readable where the files behind them are not
         * (root without CAP_SYS_PTRACE, fs/proc/base.c proc_exe_link): the
         * probe would find no Python and say so, wrongly. */
        maps_free(&m);
        return access_refused(pid, err);
    }
    struct remote mem;
    if (remote_open(&mem, pid, err) != 0) {
        maps_free(&m);
        return -1;
    }
    struct probe_state st = {0};
    int rc = 0;
    /* Look at each distinct file once, libpython before executables. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t i = 0; i < m.n && rc == 0; i++) {
            const struct map_entry *e = &m.v[i];
            int lib = strncmp(path_base(e->path), "libpython", 9) == 0;
            if (!is_candidate(e, exe) || lib != (pass == 0))
                continue;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(m.v[j].path, e->path) == 0;
            if (!seen)
                rc = probe_file(pid, &m, e, &mem, ver, bin, &st);
        }
    }
    remote_close(&mem);
    maps_free(&m);
    if (rc < 0)
        return pt_error_set(err, PT_E_READ, "cannot read the Python version of PID %d", (int)pid);
    if (!st.found_runtime) {
        /* A name alone (no _PyRuntime) is the answer for 2.7 and 3.6; for
         * a supported version it means the interpreter is not mapped yet
         * (a process that just started) or is not there at all. */
        if (st.have_named && (st.named.major != 3 || st.named.minor < PY_SUPPORTED_MIN_MINOR ||
                              st.named.minor > PY_SUPPORTED_MAX_MINOR)) {
            *ver = st.named;
            return unsupported(err, pid, ver);
        }
        return pt_error_set(err, PT_E_NOTPYTHON,
                            "PID %d is not a Python process (no libpython / _PyRuntime found)",
                            (int)pid);
    }
    if (ver->major != 3 || ver->minor < PY_SUPPORTED_MIN_MINOR ||
        (ver->minor > PY_SUPPORTED_MAX_MINOR && ver->hex == 0))
        return unsupported(err, pid, ver);
    return 0;
}
