/*
 * python/pystr: reading str and bytes objects. See pystr.h.
 */
#include "config.h"
#include "python/pystr.h"

#include <string.h>

#include "python/layout.h"
#include "remote/mem.h"

#define STATE_KIND(s)    (((s) >> 2) & 7u)
#define STATE_COMPACT(s) (((s) >> 5) & 1u)
#define STATE_ASCII(s)   (((s) >> 6) & 1u)

int pystr_locate(const struct py_layout *lay, uint64_t obj, const uint8_t *header,
                 uint64_t *data_addr, uint64_t *data_ptr_addr, int64_t *length, int *kind)
{
    uint32_t state;
    int64_t len;
    memcpy(&state, header + lay->unicode_state, sizeof state);
    memcpy(&len, header + lay->unicode_length, sizeof len);
    unsigned k = STATE_KIND(state);
    if (len < 0 || (k != 1 && k != 2 && k != 4))
        return -1;
    if (STATE_ASCII(state) && k != 1)
        return -1;
    *length = len;
    *kind = (int)k;
    *data_ptr_addr = 0;
    if (!STATE_COMPACT(state)) {
        /* PyUnicodeObject: the data pointer follows the compact header. */
        *data_addr = 0;
        *data_ptr_addr = obj + lay->unicode_compact_size;
    } else if (STATE_ASCII(state)) {
        *data_addr = obj + lay->unicode_ascii_size;
    } else {
        *data_addr = obj + lay->unicode_compact_size;
    }
    return 0;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return utf8_put(0xFFFD, out);
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t pystr_to_utf8(const void *data, int64_t length, int kind, char *out, size_t outsize)
{
    size_t at = 0;
    if (outsize == 0)
        return 0;
    for (int64_t i = 0; i < length; i++) {
        uint32_t cp;
        if (kind == 1) {
            cp = ((const uint8_t *)data)[i];
        } else if (kind == 2) {
            uint16_t v;
            memcpy(&v, (const uint8_t *)data + 2 * i, 2);
            cp = v;
        } else {
            memcpy(&cp, (const uint8_t *)data + 4 * i, 4);
        }
        char enc[4];
        size_t n = utf8_put(cp, enc);
        if (at + n >= outsize)
            break;
        memcpy(out + at, enc, n);
        at += n;
    }
    out[at] = '\0';
    return at;
}

int pystr_read(struct remote *mem, const struct py_layout *lay, uint64_t addr, char *out,
               size_t outsize)
{
    uint8_t header[128];
    uint64_t data_addr, data_ptr_addr;
    int64_t length;
    int kind;
    if (outsize > 0)
        out[0] = '\0';
    if (addr == 0 || lay->unicode_compact_size > sizeof header)
        return -1;
    /* One read brings the header and, for short ASCII names (the common
     * case: identifiers and file names), the characters too. */
    uint8_t buf[sizeof header + 192];
    size_t have = sizeof buf;
    if (remote_read(mem, addr, buf, sizeof buf) != 0) {
        /* Near the end of a mapping: the header alone. */
        have = lay->unicode_compact_size;
        memset(buf, 0, sizeof buf);
        if (remote_read(mem, addr, buf, have) != 0)
            return -1;
    }
    memcpy(header, buf, sizeof header);
    if (pystr_locate(lay, addr, header, &data_addr, &data_ptr_addr, &length, &kind) != 0)
        return -1;
    if (length > PYSTR_MAX_CHARS)
        length = PYSTR_MAX_CHARS;
    if (data_addr == 0 && remote_read_ptr(mem, data_ptr_addr, &data_addr) != 0)
        return -1;
    size_t nbytes = (size_t)length * (size_t)kind;
    uint8_t chars[PYSTR_MAX_CHARS * 4];
    if (data_addr >= addr && data_addr - addr <= have && nbytes <= have - (data_addr - addr)) {
        memcpy(chars, buf + (data_addr - addr), nbytes);
    } else if (remote_read(mem, data_addr, chars, nbytes) != 0) {
        return -1;
    }
    pystr_to_utf8(chars, length, kind, out, outsize);
    return 0;
}

int pybytes_read(struct remote *mem, const struct py_layout *lay, uint64_t addr, uint8_t *buf,
                 size_t max, size_t *len)
{
    int64_t size;
    if (addr == 0 || remote_read(mem, addr + lay->var_size, &size, sizeof size) != 0 || size < 0)
        return -1;
    *len = (size_t)size;
    size_t want = (size_t)size < max ? (size_t)size : max;
    return remote_read(mem, addr + lay->bytes_sval, buf, want);
}
