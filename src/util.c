/*
 * util: shared helpers. See util.h.
 */
#include "config.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int vec_reserve(void **v, size_t *cap, size_t elem, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *nv = realloc(*v, ncap * elem);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            buf = NULL;
            errno = e;
            break;
        }
        if (got == 0) {
            buf[n] = '\0';
            if (len)
                *len = n;
            break;
        }
        n += (size_t)got;
    }
    int e = buf == NULL && errno == 0 ? ENOMEM : errno;
    close(fd);
    errno = e;
    return buf;
}

void stop_signals_install(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double monotonic_s(void)
{
    return (double)monotonic_ns() / 1e9;
}

const char *addr_names_find(struct addr_names *m, uint64_t addr)
{
    /* The clock is asked once in a while, not for every name. */
    if ((m->lookups++ & 1023) == 0) {
        uint64_t now = monotonic_ns();
        if (now - m->made_ns > ADDR_NAMES_TTL_NS) {
            m->n = 0;
            m->made_ns = now;
        }
    }
    for (int i = 0; i < m->n; i++)
        if (m->addr[i] == addr)
            return m->name[i];
    return NULL;
}

void addr_names_add(struct addr_names *m, uint64_t addr, const char *name)
{
    if (m->n < ADDR_NAMES_MAX && strlen(name) < ADDR_NAME_LEN) {
        m->addr[m->n] = addr;
        str_copy(m->name[m->n++], ADDR_NAME_LEN, name);
    }
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_size(size_t n, int wrap)
{
    size_t chars = (n + 2) / 3 * 4;
    return chars + (wrap ? chars / 76 + 1 : 0) + 1;
}

size_t base64_encode(const void *src, size_t n, char *out, int wrap)
{
    const unsigned char *s = src;
    size_t o = 0, col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
        if (wrap && (col += 4) == 76) {
            out[o++] = '\n';
            col = 0;
        }
    }
    out[o] = '\0';
    return o;
}

long base64_decode(const char *text, size_t n, unsigned char *out)
{
    uint32_t v = 0;
    int bits = 0, pad = 0;
    long o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        int d;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        const char *at = c != '\0' ? strchr(b64, c) : NULL;
        if (at == NULL || pad > 0)
            return -1; /* not base64, or data after the padding */
        d = (int)(at - b64);
        v = (v << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    return pad > 2 ? -1 : o;
}

static struct rlimit files_limit_was;
static int files_limit_raised;

void files_limit_raise(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    files_limit_was = rl;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        files_limit_raised = 1;
}

void files_limit_restore(void)
{
    if (files_limit_raised)
        setrlimit(RLIMIT_NOFILE, &files_limit_was);
}
