/*
 * python/objects: dicts, instance attributes and reprs. See objects.h.
 *
 * Dicts: up to 3.10 every entry is (hash, key, value); from 3.11 a keys
 * object of kind "general" keeps that form while unicode-only and split
 * keys keep (key, value), and a split dict's values live apart (in
 * ma_values, or from 3.13 inline after the object). An instance's
 * attributes are in its __dict__ (tp_dictoffset up to 3.10), or from 3.11
 * managed: a dict or values pointer just before the object, values that
 * share the keys of the class (ht_cached_keys).
 */
#include "config.h"
#include "python/objects.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "python/pystr.h"
#include "python/stack.h"
#include "python/target.h"
#include "util.h"

#define TPFLAGS_INLINE_VALUES (1ul << 2)
#define TPFLAGS_MANAGED_DICT  (1ul << 4)
#define CO_FAST_LOCAL         0x20
#define CO_FAST_CELL          0x40
#define DICT_ENTRIES_MAX      100000
#define REPR_ITEMS_MAX        12

static int rd_u64(struct py_target *t, uint64_t addr, uint64_t *v)
{
    return addr == 0 ? -1 : remote_read(&t->mem, addr, v, sizeof *v);
}

static int type_of(struct py_target *t, uint64_t obj, uint64_t *type)
{
    return rd_u64(t, obj + t->lay.ob_type, type);
}

static int type_name(struct py_target *t, uint64_t type, char *buf, size_t size)
{
    buf[0] = '\0';
    const char *known = addr_names_find(&t->types, type);
    if (known != NULL) {
        str_copy(buf, size, known);
        return 0;
    }
    uint64_t name;
    if (rd_u64(t, type + t->lay.tp_name, &name) != 0 || name == 0)
        return -1;
    char tmp[64];
    if (remote_read(&t->mem, name, tmp, sizeof tmp) != 0 &&
        remote_read(&t->mem, name, tmp, 16) != 0)
        return -1;
    tmp[sizeof tmp - 1] = '\0';
    str_copy(buf, size, tmp);
    addr_names_add(&t->types, type, tmp);
    return 0;
}

/* --- dicts --- */

/* The first bytes of a keys object read at once: a small dict's header,
 * indices and entries (a request's scope or environ) in one read. */
#define KEYS_BLOCK 1024

struct dict_view {
    uint64_t entries; /* first entry */
    int64_t nentries;
    unsigned entry_size; /* 24 (hash, key, value) or 16 (key, value) */
    unsigned key_off;    /* of the key within an entry */
    uint64_t values;     /* split: the values array, else 0 */
    uint64_t type;       /* the dict's type (dict_view only) */
    uint64_t keys;       /* the keys object, whose first `have` bytes are in block */
    size_t have;
    uint8_t block[KEYS_BLOCK];
};

static int keys_view(struct py_target *t, uint64_t keys, struct dict_view *v)
{
    const struct py_layout *lay = &t->lay;
    if (keys == 0)
        return -1;
    /* A keys object near the end of its mapping: its header alone. */
    v->have = sizeof v->block;
    if (remote_read(&t->mem, keys, v->block, v->have) != 0) {
        v->have = 48;
        if (remote_read(&t->mem, keys, v->block, v->have) != 0)
            return -1;
    }
    v->keys = keys;
    const uint8_t *head = v->block;
    int64_t nentries;
    memcpy(&nentries, head + lay->dk_nentries, 8);
    if (nentries < 0 || nentries > DICT_ENTRIES_MAX)
        return -1;
    v->nentries = nentries;
    if (layout_has(lay->dk_kind)) { /* 3.11+ */
        unsigned log2_index_bytes = head[lay->dk_log2_index_bytes];
        unsigned kind = head[lay->dk_kind];
        if (log2_index_bytes > 40)
            return -1;
        v->entries = keys + lay->dk_indices + (1ull << log2_index_bytes);
        v->entry_size = kind == 0 ? 24 : 16;
        v->key_off = kind == 0 ? 8 : 0;
    } else {
        int64_t size;
        memcpy(&size, head + lay->dk_size, 8);
        if (size <= 0 || size > (1ll << 40))
            return -1;
        unsigned ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffll ? 4 : 8;
        v->entries = keys + lay->dk_indices + (uint64_t)size * ix;
        v->entry_size = 24;
        v->key_off = 8;
    }
    v->values = 0;
    return 0;
}

/* Entries [at, at + n) of a view into buf: from the block when it holds
 * them, else read. */
static int view_entries(struct py_target *t, const struct dict_view *v, int64_t at, int n,
                        void *buf)
{
    uint64_t addr = v->entries + (uint64_t)at * v->entry_size;
    size_t len = (size_t)n * v->entry_size;
    if (addr >= v->keys && addr - v->keys <= v->have && len <= v->have - (addr - v->keys)) {
        memcpy(buf, v->block + (addr - v->keys), len);
        return 0;
    }
    return remote_read(&t->mem, addr, buf, len);
}

/* The values array of a split dict or of inline values (PyDictValues:
 * from 3.13 a header of four bytes comes first). */
static uint64_t values_array(struct py_target *t, uint64_t values)
{
    return values + t->lay.values_array;
}

static int dict_view(struct py_target *t, uint64_t dict, struct dict_view *v)
{
    /* ob_type, ma_keys and ma_values are neighbours: one read. */
    const struct py_layout *lay = &t->lay;
    uint64_t lo = lay->ob_type, hi = lay->ob_type;
    lo = lay->dict_keys < lo ? lay->dict_keys : lo;
    lo = lay->dict_values < lo ? lay->dict_values : lo;
    hi = lay->dict_keys > hi ? lay->dict_keys : hi;
    hi = lay->dict_values > hi ? lay->dict_values : hi;
    uint8_t head[64];
    uint64_t keys, values;
    if (dict == 0 || hi - lo + 8 > sizeof head ||
        remote_read(&t->mem, dict + lo, head, (size_t)(hi - lo + 8)) != 0)
        return -1;
    memcpy(&v->type, head + (lay->ob_type - lo), 8);
    memcpy(&keys, head + (lay->dict_keys - lo), 8);
    memcpy(&values, head + (lay->dict_values - lo), 8);
    if (keys_view(t, keys, v) != 0)
        return -1;
    v->values = values ? values_array(t, values) : 0;
    return 0;
}

/* Entry i: key and value (0 for an empty or deleted slot). */
static int view_entry(struct py_target *t, const struct dict_view *v, int64_t i, uint64_t *key,
                      uint64_t *value)
{
    uint64_t e[3];
    if (view_entries(t, v, i, 1, e) != 0)
        return -1;
    *key = e[v->key_off / 8];
    if (v->values)
        return rd_u64(t, v->values + 8 * (uint64_t)i, value);
    *value = e[v->key_off / 8 + 1];
    return 0;
}

/* The text of the compact ASCII str key whose first `have` bytes are
 * hdr, if it is interned (bits 0-1 of its state: the same place in every
 * supported version, Include/cpython/unicodeobject.h) and short: a key
 * worth knowing by its address. NULL otherwise. */
static const char *interned_key(struct py_target *t, uint64_t key, const uint8_t *hdr, size_t have,
                                char *text, size_t size)
{
    const struct py_layout *lay = &t->lay;
    uint64_t data_addr, data_ptr_addr;
    int64_t length;
    int kind;
    uint32_t state;
    uint8_t header[128] = {0};
    memcpy(header, hdr, have < sizeof header ? have : sizeof header);
    memcpy(&state, header + lay->unicode_state, sizeof state);
    if ((state & 3) == 0 ||
        pystr_locate(lay, key, header, &data_addr, &data_ptr_addr, &length, &kind) != 0 ||
        kind != 1 || data_addr < key || length < 0 || (size_t)length >= size ||
        data_addr - key + (uint64_t)length > have)
        return NULL;
    memcpy(text, hdr + (data_addr - key), (size_t)length);
    text[length] = '\0';
    return text;
}

/* Does the str at key equal name? hdr holds its first bytes (have of
 * them): enough to answer for a compact ASCII key; another key of the
 * same length is read whole. */
static int key_is(struct py_target *t, uint64_t key, const uint8_t *hdr, size_t have,
                  const char *name, size_t len)
{
    uint8_t header[128] = {0};
    uint64_t data_addr, data_ptr_addr;
    int64_t length;
    int kind;
    memcpy(header, hdr, have < sizeof header ? have : sizeof header);
    if (pystr_locate(&t->lay, key, header, &data_addr, &data_ptr_addr, &length, &kind) != 0 ||
        length != (int64_t)len)
        return 0;
    if (kind == 1 && data_addr >= key && data_addr - key + len <= have)
        return memcmp(hdr + (data_addr - key), name, len) == 0;
    char text[256];
    return pystr_read(&t->mem, &t->lay, key, text, sizeof text) == 0 && strcmp(text, name) == 0;
}

/* The value of entry i of the batch of entries from `at` (copied into e)
 * into *value: 1, 0 for a slot left empty (a split dict's value not
 * set), -1 when unreadable. */
static int take_value(struct py_target *t, const struct dict_view *v, const uint64_t *e, int64_t at,
                      int i, uint64_t *value)
{
    const uint64_t *entry = (const uint64_t *)((const uint8_t *)e + i * v->entry_size);
    uint64_t val = entry[v->key_off / 8 + 1];
    if (v->values && rd_u64(t, v->values + 8 * (uint64_t)(at + i), &val) != 0)
        return -1;
    *value = val;
    return val != 0;
}

/* Find the str keys names[0..n) in a dict view: values[i] their values,
 * 0 where absent; how many were found. A linear scan (pytop cannot hash
 * as the target does: its str hashes are keyed per process), made cheap
 * by batches: the entries of a batch in one read (none for a small
 * dict: keys_view has them), a key found before known by its address
 * when it is an interned str (t->keys), and the first bytes of the
 * other keys in one more read, only while one of the first `need` names
 * is still missing (the others are taken where met by address). */
static int view_get_many(struct py_target *t, const struct dict_view *v, const char *const *names,
                         int n, int need, uint64_t *values)
{
    enum { BATCH = 64, KEY_BYTES = 192 };
    const struct py_layout *lay = &t->lay;
    size_t want = lay->unicode_ascii_size + ADDR_NAME_LEN;
    size_t longest = 0;
    for (int j = 0; j < n; j++) {
        values[j] = 0;
        size_t len = strlen(names[j]);
        longest = len > longest ? len : longest;
    }
    if (lay->unicode_ascii_size + longest + 1 > want)
        want = lay->unicode_ascii_size + longest + 1;
    if (want < lay->unicode_compact_size)
        want = lay->unicode_compact_size;
    if (want > KEY_BYTES || v->entry_size > 24)
        return -1;
    int found = 0;
    uint8_t heads[BATCH][KEY_BYTES];
    uint64_t e[BATCH * 3];
    for (int64_t at = 0; at < v->nentries && found < n; at += BATCH) {
        int m = v->nentries - at < BATCH ? (int)(v->nentries - at) : BATCH;
        if (view_entries(t, v, at, m, e) != 0)
            return -1;
        struct remote_iov iov[BATCH];
        uint64_t key[BATCH];
        int nk = 0;
        for (int i = 0; i < m; i++) {
            const uint64_t *entry = (const uint64_t *)((const uint8_t *)e + i * v->entry_size);
            key[i] = entry[v->key_off / 8];
            if (key[i] == 0)
                continue;
            const char *known = addr_names_find(&t->keys, key[i]);
            int match = -1;
            for (int j = 0; known != NULL && j < n; j++)
                if (values[j] == 0 && strcmp(known, names[j]) == 0)
                    match = j;
            if (known != NULL)
                key[i] = 0; /* answered */
            else
                iov[nk++] = (struct remote_iov){key[i], heads[i], want};
            if (match < 0)
                continue;
            int taken = take_value(t, v, e, at, i, &values[match]);
            if (taken < 0)
                return -1;
            found += taken;
        }
        int needed = 0; /* of the first `need` names, those found */
        for (int j = 0; j < need; j++)
            needed += values[j] != 0;
        if (found == n || needed == need || nk == 0)
            continue;
        /* A key near the end of its mapping may refuse the whole batch:
         * then its keys one by one, as far as each reads. */
        int batched = remote_readv(&t->mem, iov, nk) == 0;
        for (int i = 0; i < m && found < n; i++) {
            if (key[i] == 0)
                continue;
            size_t have = want;
            if (!batched) {
                have = lay->unicode_compact_size;
                if (remote_read(&t->mem, key[i], heads[i], have) != 0)
                    continue;
            }
            int match = -1;
            for (int j = 0; j < n && match < 0; j++)
                if (values[j] == 0 && key_is(t, key[i], heads[i], have, names[j], strlen(names[j])))
                    match = j;
            if (match < 0)
                continue;
            /* Only the keys asked for are kept: a lookup in sys.modules
             * would fill the table with every module's name. */
            char text[ADDR_NAME_LEN];
            if (interned_key(t, key[i], heads[i], have, text, sizeof text) != NULL)
                addr_names_add(&t->keys, key[i], text);
            int taken = take_value(t, v, e, at, i, &values[match]);
            if (taken < 0)
                return -1;
            found += taken;
        }
    }
    return found;
}

static int view_get_str(struct py_target *t, const struct dict_view *v, const char *name,
                        uint64_t *value)
{
    return view_get_many(t, v, &name, 1, 1, value) == 1 ? 0 : -1;
}

static int dict_get_str(struct py_target *t, uint64_t dict, const char *name, uint64_t *value)
{
    struct dict_view v;
    return dict_view(t, dict, &v) == 0 ? view_get_str(t, &v, name, value) : -1;
}

/* An instance attribute from the object's own attributes. */
static int obj_getattr(struct py_target *t, uint64_t obj, const char *name, uint64_t *value)
{
    const struct py_layout *lay = &t->lay;
    uint64_t type, flags;
    if (type_of(t, obj, &type) != 0 || rd_u64(t, type + lay->tp_flags, &flags) != 0)
        return -1;
    if (layout_has(lay->managed_dict) && (flags & TPFLAGS_MANAGED_DICT)) {
        /* 3.11+: a dict pointer before the object, or values that share
         * the class's keys (Include/internal/pycore_object.h). */
        uint64_t slot, values = 0;
        if (rd_u64(t, obj - lay->managed_dict, &slot) != 0)
            return -1;
        if (layout_has(lay->managed_tagged) && (slot & 1))
            values = slot + 1; /* 3.12's PyDictOrValues: values as (pointer - 1) */
        else if (slot != 0)
            return dict_get_str(t, slot, name, value);
        else if (layout_has(lay->managed_values) &&
                 rd_u64(t, obj - lay->managed_values, &values) != 0)
            return -1; /* 3.11: the values pointer, a word further */
        if (values == 0 && layout_has(lay->values_valid) && (flags & TPFLAGS_INLINE_VALUES)) {
            /* 3.13+: values inline after the object, while valid. */
            uint64_t basicsize;
            uint8_t valid;
            if (rd_u64(t, type + lay->tp_basicsize, &basicsize) != 0 ||
                remote_read(&t->mem, obj + basicsize + lay->values_valid, &valid, 1) != 0 || !valid)
                return -1;
            values = obj + basicsize;
        }
        uint64_t keys;
        struct dict_view v;
        if (values == 0 || rd_u64(t, type + lay->ht_cached_keys, &keys) != 0 ||
            keys_view(t, keys, &v) != 0)
            return -1;
        v.values = values_array(t, values);
        return view_get_str(t, &v, name, value);
    }
    int64_t dictoffset;
    uint64_t dict;
    if (remote_read(&t->mem, type + lay->tp_dictoffset, &dictoffset, 8) != 0 || dictoffset <= 0 ||
        rd_u64(t, obj + (uint64_t)dictoffset, &dict) != 0 || dict == 0)
        return -1;
    return dict_get_str(t, dict, name, value);
}

/* --- ints --- */

/* Digits (base 2^30) and sign of an int. Returns ndigits, or -1. */
static int long_digits(struct py_target *t, uint64_t obj, uint32_t *digits, int max, int *neg)
{
    /* The tag and the first digits in one read (a small int's are all
     * of them); near the end of a mapping, the tag alone. */
    enum { FIRST = 3 };
    uint8_t head[64];
    int64_t tag;
    size_t span = (size_t)(t->lay.long_digit - t->lay.long_tag) + 4 * FIRST;
    int have_digits = t->lay.long_digit > t->lay.long_tag && span <= sizeof head &&
                      remote_read(&t->mem, obj + t->lay.long_tag, head, span) == 0;
    if (have_digits)
        memcpy(&tag, head, 8);
    else if (remote_read(&t->mem, obj + t->lay.long_tag, &tag, 8) != 0)
        return -1;
    int64_t n;
    if (layout_has(t->lay.long_tag_shift)) {
        /* 3.12+: lv_tag holds the size above its non-size bits, and the
         * sign (2: negative) in its two lowest (Include/cpython/longintrepr.h). */
        n = (int64_t)((uint64_t)tag >> t->lay.long_tag_shift);
        *neg = (tag & 3) == 2;
    } else {
        *neg = tag < 0;
        n = tag < 0 ? -tag : tag;
    }
    if (n > max)
        return -1;
    if (have_digits && n <= FIRST) {
        memcpy(digits, head + (t->lay.long_digit - t->lay.long_tag), (size_t)n * 4);
        return (int)n;
    }
    if (n > 0 && remote_read(&t->mem, obj + t->lay.long_digit, digits, (size_t)n * 4) != 0)
        return -1;
    return (int)n;
}

static int long_to_u64(struct py_target *t, uint64_t obj, uint64_t *out)
{
    uint32_t d[3];
    int neg, n = long_digits(t, obj, d, 3, &neg);
    if (n < 0 || neg)
        return -1;
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 30) | (d[i] & 0x3fffffff);
    *out = v;
    return 0;
}

static void long_repr(struct py_target *t, uint64_t obj, char *buf, size_t size)
{
    uint32_t d[70];
    int neg, n = long_digits(t, obj, d, 70, &neg);
    if (n < 0) {
        snprintf(buf, size, "<int at 0x%" PRIx64 ">", obj);
        return;
    }
    /* Repeated division by 10^9 of the base-2^30 number. */
    char out[700];
    int at = (int)sizeof out - 1;
    out[at] = '\0';
    while (n > 0) {
        uint64_t rem = 0;
        for (int i = n - 1; i >= 0; i--) {
            uint64_t cur = (rem << 30) | (d[i] & 0x3fffffff);
            d[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (n > 0 && d[n - 1] == 0)
            n--;
        for (int k = 0; k < 9 && (n > 0 || rem > 0 || k == 0); k++) {
            out[--at] = (char)('0' + rem % 10);
            rem /= 10;
            if (n == 0 && rem == 0)
                break;
        }
    }
    if (out[at] == '\0')
        out[--at] = '0';
    if (neg)
        out[--at] = '-';
    snprintf(buf, size, "%s", out + at);
}

/* --- floats: Python's repr (shortest round-trip digits). --- */

static void float_repr(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return;
    }
    char e[64];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    char *ep = strchr(e, 'e');
    int exp = atoi(ep + 1);
    if (exp >= -5 && exp < 16) {
        int decimals = p - 1 - exp;
        snprintf(buf, size, "%.*f", decimals > 0 ? decimals : 0, v);
        if (!strchr(buf, '.') && strlen(buf) + 2 < size)
            strcat(buf, ".0");
    } else {
        *ep = '\0';
        snprintf(buf, size, "%se%c%02d", e, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}

/* --- reprs --- */

struct sbuf {
    char *p;
    size_t size, len;
    int full;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->full)
        return;
    if (b->len + n >= b->size) {
        n = b->size - 1 - b->len;
        b->full = 1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void quote_text(struct sbuf *b, const unsigned char *s, size_t n, int is_bytes)
{
    int has_single = memchr(s, '\'', n) != NULL, has_double = memchr(s, '"', n) != NULL;
    char q = has_single && !has_double ? '"' : '\'';
    if (is_bytes)
        sb_puts(b, "b");
    sb_add(b, &q, 1);
    for (size_t i = 0; i < n && !b->full; i++) {
        unsigned char c = s[i];
        char esc[8];
        if (c == '\\' || c == (unsigned char)q) {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_add(b, esc, 2);
        } else if (c == '\n') {
            sb_puts(b, "\\n");
        } else if (c == '\r') {
            sb_puts(b, "\\r");
        } else if (c == '\t') {
            sb_puts(b, "\\t");
        } else if (c < 0x20 || c == 0x7f || (is_bytes && c >= 0x80)) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            sb_puts(b, esc);
        } else {
            sb_add(b, (const char *)&c, 1);
        }
    }
    sb_add(b, &q, 1);
}

static void repr_into(struct py_target *t, uint64_t obj, struct sbuf *b, int depth);

static void repr_sequence(struct py_target *t, uint64_t items, int64_t n, const char *open,
                          const char *close, struct sbuf *b, int depth, int tuple)
{
    sb_puts(b, open);
    for (int64_t i = 0; i < n && !b->full; i++) {
        uint64_t item;
        if (i >= REPR_ITEMS_MAX) {
            sb_puts(b, ", ...");
            break;
        }
        if (i > 0)
            sb_puts(b, ", ");
        if (rd_u64(t, items + 8 * (uint64_t)i, &item) != 0) {
            sb_puts(b, "?");
            continue;
        }
        repr_into(t, item, b, depth + 1);
    }
    if (tuple && n == 1)
        sb_puts(b, ",");
    sb_puts(b, close);
}

static void repr_dict(struct py_target *t, uint64_t obj, struct sbuf *b, int depth)
{
    struct dict_view v;
    if (dict_view(t, obj, &v) != 0) {
        sb_puts(b, "{?}");
        return;
    }
    sb_puts(b, "{");
    int shown = 0;
    for (int64_t i = 0; i < v.nentries && !b->full; i++) {
        uint64_t key, val;
        if (view_entry(t, &v, i, &key, &val) != 0)
            break;
        if (key == 0 || val == 0)
            continue;
        if (shown == REPR_ITEMS_MAX) {
            sb_puts(b, ", ...");
            break;
        }
        if (shown++ > 0)
            sb_puts(b, ", ");
        repr_into(t, key, b, depth + 1);
        sb_puts(b, ": ");
        repr_into(t, val, b, depth + 1);
    }
    sb_puts(b, "}");
}

static void repr_set(struct py_target *t, uint64_t obj, const char *tname, struct sbuf *b,
                     int depth)
{
    /* PySetObject: entries are (key, hash). */
    const struct py_layout *lay = &t->lay;
    uint64_t used, mask, table;
    if (rd_u64(t, obj + lay->set_used, &used) != 0 || rd_u64(t, obj + lay->set_mask, &mask) != 0 ||
        rd_u64(t, obj + lay->set_table, &table) != 0 || mask > (1u << 20)) {
        sb_puts(b, "{?}");
        return;
    }
    int frozen = strcmp(tname, "frozenset") == 0;
    if (used == 0) {
        sb_puts(b, frozen ? "frozenset()" : "set()");
        return;
    }
    sb_puts(b, frozen ? "frozenset({" : "{");
    int shown = 0;
    for (uint64_t i = 0; i <= mask && !b->full; i++) {
        uint64_t key;
        char kt[32];
        if (rd_u64(t, table + 16 * i, &key) != 0)
            break;
        uint64_t ktype;
        if (key == 0 || type_of(t, key, &ktype) != 0 || type_name(t, ktype, kt, sizeof kt) != 0 ||
            kt[0] == '<')
            continue; /* empty slot, or the dummy of a deleted key */
        if (shown == REPR_ITEMS_MAX) {
            sb_puts(b, ", ...");
            break;
        }
        if (shown++ > 0)
            sb_puts(b, ", ");
        repr_into(t, key, b, depth + 1);
    }
    sb_puts(b, frozen ? "})" : "}");
}

static void repr_into(struct py_target *t, uint64_t obj, struct sbuf *b, int depth)
{
    const struct py_layout *lay = &t->lay;
    uint64_t type;
    char tname[64], text[PYREPR_MAX * 4 + 8];
    if (obj == 0 || type_of(t, obj, &type) != 0 || type_name(t, type, tname, sizeof tname) != 0) {
        sb_puts(b, "<unreadable>");
        return;
    }
    if (strcmp(tname, "NoneType") == 0) {
        sb_puts(b, "None");
    } else if (strcmp(tname, "bool") == 0) {
        uint64_t v = 0;
        sb_puts(b, long_to_u64(t, obj, &v) == 0 && v ? "True" : "False");
    } else if (strcmp(tname, "int") == 0) {
        long_repr(t, obj, text, sizeof text);
        sb_puts(b, text);
    } else if (strcmp(tname, "float") == 0) {
        double v;
        if (remote_read(&t->mem, obj + lay->float_fval, &v, sizeof v) != 0)
            sb_puts(b, "<float>");
        float_repr(v, text, sizeof text);
        sb_puts(b, text);
    } else if (strcmp(tname, "str") == 0) {
        if (pystr_read(&t->mem, lay, obj, text, sizeof text) != 0)
            snprintf(text, sizeof text, "?");
        quote_text(b, (const unsigned char *)text, strlen(text), 0);
    } else if (strcmp(tname, "bytes") == 0) {
        size_t len;
        uint8_t data[PYREPR_MAX];
        if (pybytes_read(&t->mem, lay, obj, data, sizeof data, &len) != 0)
            len = 0;
        quote_text(b, data, len < sizeof data ? len : sizeof data, 1);
    } else if (depth >= 3 && (!strcmp(tname, "list") || !strcmp(tname, "tuple") ||
                              !strcmp(tname, "dict") || !strcmp(tname, "set"))) {
        sb_puts(b, "...");
    } else if (strcmp(tname, "list") == 0 || strcmp(tname, "tuple") == 0) {
        int64_t n;
        uint64_t items = obj + lay->tuple_item;
        int is_list = tname[0] == 'l';
        if (remote_read(&t->mem, obj + lay->var_size, &n, 8) != 0 || n < 0 ||
            (is_list && rd_u64(t, obj + lay->list_item, &items) != 0)) {
            sb_puts(b, "?");
            return;
        }
        repr_sequence(t, items, n, is_list ? "[" : "(", is_list ? "]" : ")", b, depth, !is_list);
    } else if (strcmp(tname, "dict") == 0) {
        repr_dict(t, obj, b, depth);
    } else if (strcmp(tname, "set") == 0 || strcmp(tname, "frozenset") == 0) {
        repr_set(t, obj, tname, b, depth);
    } else {
        snprintf(text, sizeof text, "<%s at 0x%" PRIx64 ">", tname, obj);
        sb_puts(b, text);
    }
}

/* Cut a UTF-8 repr to PYREPR_MAX characters, ending in "...". */
static void shorten(char *buf)
{
    size_t chars = 0, i = 0, cut = 0;
    for (; buf[i]; i++) {
        if (((unsigned char)buf[i] & 0xC0) == 0x80)
            continue;
        if (chars == PYREPR_MAX - 3)
            cut = i;
        chars++;
    }
    if (chars > PYREPR_MAX)
        strcpy(buf + cut, "...");
}

void pyobj_repr(struct py_target *t, uint64_t obj, char *buf, size_t size)
{
    char big[PYREPR_MAX * 8];
    struct sbuf b = {big, sizeof big, 0, 0};
    big[0] = '\0';
    repr_into(t, obj, &b, 0);
    shorten(big);
    snprintf(buf, size, "%s", big);
}

/* --- thread names --- */

struct name_ctx {
    struct py_target *t;
    const struct py_sample *s;
    char (*names)[64];
};

void pyobj_thread_names(struct py_target *t, const struct py_sample *s, char (*names)[64])
{
    const struct py_layout *lay = &t->lay;
    for (int i = 0; i < s->nthreads; i++)
        names[i][0] = '\0';
    uint64_t active;
    if (pyobj_module_attr(t, "threading", "_active", &active) != 0)
        return;
    struct dict_view v;
    if (dict_view(t, active, &v) != 0)
        return;
    for (int64_t i = 0; i < v.nentries; i++) {
        uint64_t key, thread, ident, name;
        if (view_entry(t, &v, i, &key, &thread) != 0)
            return;
        if (key == 0 || thread == 0 || long_to_u64(t, key, &ident) != 0)
            continue;
        for (int k = 0; k < s->nthreads; k++) {
            if (s->threads[k].pthread != ident || names[k][0] != '\0')
                continue;
            if (obj_getattr(t, thread, "_name", &name) == 0)
                pystr_read(&t->mem, lay, name, names[k], sizeof names[k]);
        }
    }
}

/* --- locals --- */

/* The object a local's slot holds (raw, as read from the frame): none
 * for an empty slot or a tagged int (3.14+: locals are _PyStackRefs);
 * for a cell variable (is_cell), the cell's content. 0 or -1. */
static int local_object(struct py_target *t, uint64_t raw, int is_cell, uint64_t *obj)
{
    const struct py_layout *lay = &t->lay;
    uint64_t value = raw & ~(uint64_t)lay->fr_tag_bits;
    if (value == 0 || (lay->fr_tag_bits && (raw & lay->fr_tag_bits) == lay->fr_tag_bits))
        return -1;
    if (is_cell) {
        uint64_t type;
        char tname[16];
        if (type_of(t, value, &type) == 0 && type_name(t, type, tname, sizeof tname) == 0 &&
            strcmp(tname, "cell") == 0 &&
            (rd_u64(t, value + lay->cell_ref, &value) != 0 || value == 0))
            return -1;
    }
    *obj = value;
    return 0;
}

void pyobj_frame_locals(struct py_target *t, const struct py_frame *f,
                        void (*cb)(void *ctx, const char *name, uint64_t value), void *ctx)
{
    const struct py_layout *lay = &t->lay;
    const struct py_code *code = code_cache_at(&t->codes, f->code);
    int n = code->nlocals;
    if (n <= 0 || n > 4096)
        return;
    uint64_t *values = calloc((size_t)n, sizeof *values);
    uint8_t kinds[4096];
    size_t nkinds = 0;
    if (values == NULL)
        return;
    if (remote_read(&t->mem, f->addr + lay->fr_localsplus, values, (size_t)n * 8) != 0)
        goto out;
    int have_kinds = layout_has(lay->co_localspluskinds); /* 3.11+ */
    if (have_kinds && pybytes_read(&t->mem, lay, code->kinds, kinds, sizeof kinds, &nkinds) != 0)
        goto out;
    for (int i = 0; i < n; i++) {
        unsigned kind = have_kinds && (size_t)i < nkinds ? kinds[i] : 0;
        uint64_t value;
        if ((have_kinds && !(kind & (CO_FAST_LOCAL | CO_FAST_CELL))) ||
            local_object(t, values[i], (kind & CO_FAST_CELL) != 0, &value) != 0)
            continue;
        uint64_t name_obj;
        char name[128];
        if (rd_u64(t, code->varnames + lay->tuple_item + 8 * (uint64_t)i, &name_obj) != 0 ||
            pystr_read(&t->mem, lay, name_obj, name, sizeof name) != 0)
            continue;
        cb(ctx, name, value);
    }
out:
    free(values);
}

int pyobj_local_index(struct py_target *t, uint32_t code, const char *name, int *is_cell)
{
    const struct py_code *c = code_cache_at(&t->codes, code);
    if (c->nlocals <= 0 || c->nlocals > 4096 || c->varnames == 0)
        return -1;
    uint64_t names[256];
    int n = c->nlocals < 256 ? c->nlocals : 256; /* a request's local comes early */
    if (remote_read(&t->mem, c->varnames + t->lay.tuple_item, names, (size_t)n * 8) != 0)
        return -1;
    size_t want = strlen(name);
    for (int i = 0; i < n; i++) {
        char buf[64];
        if (pystr_read(&t->mem, &t->lay, names[i], buf, sizeof buf) != 0 || strlen(buf) != want ||
            strcmp(buf, name) != 0)
            continue;
        uint8_t kind = 0; /* 3.11+: a captured local lives in a cell */
        if (layout_has(t->lay.co_localspluskinds) &&
            remote_read(&t->mem, c->kinds + t->lay.bytes_sval + (uint64_t)i, &kind, 1) != 0)
            return -1;
        *is_cell = (kind & CO_FAST_CELL) != 0;
        return i;
    }
    return -1;
}

int pyobj_frame_local(struct py_target *t, const struct py_frame *f, int i, int is_cell,
                      uint64_t *value)
{
    struct pyobj_local_ref ref = {f, i, is_cell};
    pyobj_frame_local_many(t, &ref, 1, value);
    return *value != 0 ? 0 : -1;
}

void pyobj_frame_local_many(struct py_target *t, const struct pyobj_local_ref *refs, int n,
                            uint64_t *values)
{
    enum { BATCH = 64 };
    for (int at = 0; at < n; at += BATCH) {
        int m = n - at < BATCH ? n - at : BATCH;
        struct remote_iov iov[BATCH];
        uint64_t raw[BATCH];
        int nio = 0, slot[BATCH];
        for (int i = 0; i < m; i++) {
            const struct pyobj_local_ref *r = &refs[at + i];
            raw[i] = 0;
            slot[i] = -1;
            if (r->index < 0 || r->index >= code_cache_at(&t->codes, r->f->code)->nlocals)
                continue;
            slot[i] = nio;
            iov[nio++] = (struct remote_iov){
                r->f->addr + t->lay.fr_localsplus + 8 * (uint64_t)r->index, &raw[i], 8};
        }
        /* A frame that went away refuses the whole batch: then one by one. */
        int batched = nio > 0 && remote_readv(&t->mem, iov, nio) == 0;
        for (int i = 0; i < m; i++) {
            uint64_t *v = &values[at + i];
            *v = 0;
            if (slot[i] < 0 || (!batched && rd_u64(t, iov[slot[i]].addr, &raw[i]) != 0) ||
                local_object(t, raw[i], refs[at + i].is_cell, v) != 0)
                *v = 0;
        }
    }
}

int pyobj_str(struct py_target *t, uint64_t obj, char *buf, size_t size)
{
    return pystr_read(&t->mem, &t->lay, obj, buf, size);
}

/* --- access --- */

int pyobj_type_name(struct py_target *t, uint64_t obj, char *buf, size_t size)
{
    uint64_t type;
    if (type_of(t, obj, &type) != 0)
        return -1;
    return type_name(t, type, buf, size);
}

int pyobj_getattr(struct py_target *t, uint64_t obj, const char *name, uint64_t *value)
{
    return obj_getattr(t, obj, name, value);
}

int pyobj_dict_get(struct py_target *t, uint64_t dict, const char *key, uint64_t *value)
{
    return dict_get_str(t, dict, key, value);
}

int pyobj_dict_get_many(struct py_target *t, uint64_t dict, const char *const *names, int n,
                        int need, uint64_t *values)
{
    struct dict_view v;
    char tname[8];
    if (dict_view(t, dict, &v) != 0 || type_name(t, v.type, tname, sizeof tname) != 0 ||
        strcmp(tname, "dict") != 0)
        return -1;
    return view_get_many(t, &v, names, n, need, values);
}

int pyobj_module(struct py_target *t, const char *module, uint64_t *mod)
{
    const struct py_layout *lay = &t->lay;
    uint64_t interp, modules;
    if (rd_u64(t, t->bin.runtime_addr + lay->rt_interp_head, &interp) != 0 ||
        rd_u64(t, interp + lay->interp_modules, &modules) != 0)
        return -1;
    return dict_get_str(t, modules, module, mod);
}

int pyobj_module_attr(struct py_target *t, const char *module, const char *name, uint64_t *value)
{
    uint64_t mod, mdict;
    if (pyobj_module(t, module, &mod) != 0 || rd_u64(t, mod + t->lay.mod_dict, &mdict) != 0)
        return -1;
    return dict_get_str(t, mdict, name, value);
}

int pyobj_uint(struct py_target *t, uint64_t obj, uint64_t *value)
{
    return long_to_u64(t, obj, value);
}

static int each_set(struct py_target *t, uint64_t set, int max,
                    int (*cb)(void *ctx, uint64_t key, uint64_t value), void *ctx)
{
    /* PySetObject: a table of mask + 1 entries (key, hash); a deleted key
     * is the dummy, whose type is a private one named "<dummy key>"
     * (Objects/setobject.c). */
    const struct py_layout *lay = &t->lay;
    uint64_t used, mask, table;
    if (rd_u64(t, set + lay->set_used, &used) != 0 || rd_u64(t, set + lay->set_mask, &mask) != 0 ||
        rd_u64(t, set + lay->set_table, &table) != 0 || mask > (1u << 24) || used > mask + 1)
        return -1;
    int calls = 0;
    uint64_t entries[2 * 64];
    for (uint64_t at = 0; at <= mask && calls < max; at += 64) {
        uint64_t n = mask + 1 - at < 64 ? mask + 1 - at : 64;
        if (remote_read(&t->mem, table + 16 * at, entries, (size_t)n * 16) != 0)
            return -1;
        for (uint64_t i = 0; i < n && calls < max; i++) {
            uint64_t key = entries[2 * i];
            char kt[16];
            if (key == 0 || pyobj_type_name(t, key, kt, sizeof kt) != 0 || kt[0] == '<')
                continue;
            calls++;
            if (cb(ctx, key, 0))
                return calls;
        }
    }
    return calls;
}

int pyobj_each(struct py_target *t, uint64_t container, int max,
               int (*cb)(void *ctx, uint64_t key, uint64_t value), void *ctx)
{
    const struct py_layout *lay = &t->lay;
    char tname[32];
    /* A short tuple (a client's address) is read with its type in one
     * read: ob_type, ob_size and the items follow each other. */
    enum { SHORT = 4 };
    uint64_t head[16];
    size_t span = (size_t)(lay->tuple_item - lay->ob_type) + 8 * SHORT;
    int have_head = lay->tuple_item > lay->var_size && lay->var_size > lay->ob_type &&
                    span <= sizeof head &&
                    remote_read(&t->mem, container + lay->ob_type, head, span) == 0;
    if (have_head ? type_name(t, head[0], tname, sizeof tname) != 0
                  : pyobj_type_name(t, container, tname, sizeof tname) != 0)
        return -1;
    if (have_head && strcmp(tname, "tuple") == 0) {
        int64_t n = (int64_t)head[(lay->var_size - lay->ob_type) / 8];
        const uint64_t *items = &head[(lay->tuple_item - lay->ob_type) / 8];
        if (n >= 0 && n <= SHORT) {
            int calls = 0;
            for (int64_t i = 0; i < n && calls < max; i++) {
                calls++;
                if (cb(ctx, items[i], 0))
                    break;
            }
            return calls;
        }
    }
    if (strcmp(tname, "set") == 0 || strcmp(tname, "frozenset") == 0)
        return each_set(t, container, max, cb, ctx);
    if (strcmp(tname, "dict") == 0) {
        struct dict_view v;
        if (dict_view(t, container, &v) != 0)
            return -1;
        int calls = 0;
        for (int64_t i = 0; i < v.nentries && calls < max; i++) {
            uint64_t key, val;
            if (view_entry(t, &v, i, &key, &val) != 0)
                return -1;
            if (key == 0 || val == 0)
                continue;
            calls++;
            if (cb(ctx, key, val))
                break;
        }
        return calls;
    }
    if (strcmp(tname, "list") == 0 || strcmp(tname, "tuple") == 0) {
        int64_t n;
        uint64_t items = container + lay->tuple_item;
        if (remote_read(&t->mem, container + lay->var_size, &n, 8) != 0 || n < 0 ||
            (tname[0] == 'l' && rd_u64(t, container + lay->list_item, &items) != 0))
            return -1;
        int calls = 0;
        for (int64_t i = 0; i < n && calls < max; i++) {
            uint64_t item;
            if (rd_u64(t, items + 8 * (uint64_t)i, &item) != 0)
                return -1;
            calls++;
            if (cb(ctx, item, 0))
                break;
        }
        return calls;
    }
    return -1;
}
