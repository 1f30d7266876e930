/*
 * remote/maps: parsing /proc/PID/maps. See maps.h.
 */
#include "config.h"
#include "remote/maps.h"
#include "remote/access.h"
#include "remote/mem.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int maps_push(struct maps *m, size_t *cap, const struct map_entry *e)
{
    if (vec_reserve((void **)&m->v, cap, sizeof *m->v, m->n + 1) != 0)
        return -1;
    m->v[m->n++] = *e;
    return 0;
}

/* Parse one line "start-end perms offset maj:min inode   path". */
static int maps_parse_line(const char *text, struct map_entry *e)
{
    /* sscanf must not see past this line: copy it, bounded. */
    char line[8192];
    size_t linelen = strcspn(text, "\n");
    if (linelen >= sizeof line)
        return -1;
    memcpy(line, text, linelen);
    line[linelen] = '\0';
    int pathpos = 0;
    memset(e, 0, sizeof *e);
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &e->start,
               &e->end, e->perms, &e->offset, &e->dev_major, &e->dev_minor, &e->inode,
               &pathpos) < 7)
        return -1;
    const char *path = pathpos > 0 ? line + pathpos : "";
    while (*path == ' ')
        path++;
    size_t len = strcspn(path, "\n");
    static const char deleted[] = " (deleted)";
    size_t dlen = sizeof deleted - 1;
    if (len >= dlen && memcmp(path + len - dlen, deleted, dlen) == 0) {
        e->deleted = 1;
        len -= dlen;
    }
    e->path = strndup(path, len);
    return e->path ? 0 : -1;
}

int maps_parse(const char *text, struct maps *m, struct pt_error *err)
{
    size_t cap = 0;
    m->v = NULL;
    m->n = 0;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        struct map_entry e;
        if (maps_parse_line(line, &e) == 0 && maps_push(m, &cap, &e) != 0) {
            free(e.path);
            maps_free(m);
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading a memory map");
        }
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return 0;
}

int maps_read(pid_t pid, struct maps *m, struct pt_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *text = read_file(path, NULL);
    if (text == NULL) {
        int e = errno;
        if (e == ENOENT || e == ESRCH)
            return pt_error_set(err, PT_E_NOPROC, "no such process: PID %d does not exist",
                                (int)pid);
        if (e == EACCES || e == EPERM)
            return access_refused(pid, err);
        return pt_error_sys(err, PT_E_SYS, e, "cannot read %s: %s", path, strerror(e));
    }
    if (text[0] == '\0') {
        /* Kernel threads and zombies have empty maps. */
        free(text);
        m->v = NULL;
        m->n = 0;
        return 0;
    }
    int rc = maps_parse(text, m, err);
    free(text);
    return rc;
}

void maps_free(struct maps *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

const struct map_entry *maps_find(const struct maps *m, uint64_t addr)
{
    for (size_t i = 0; i < m->n; i++)
        if (addr >= m->v[i].start && addr < m->v[i].end)
            return &m->v[i];
    return NULL;
}

uint64_t maps_file_base(const struct maps *m, const char *path)
{
    uint64_t base = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].path, path) != 0)
            continue;
        uint64_t b = m->v[i].start - m->v[i].offset;
        if (base == 0 || b < base)
            base = b;
    }
    return base;
}

void maps_root_path(pid_t pid, const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "/proc/%d/root%s", (int)pid, path);
}
