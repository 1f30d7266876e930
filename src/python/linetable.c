/*
 * python/linetable: bytecode offset -> source line. See linetable.h.
 *
 * Every format CPython 3.8-3.15 uses is a run-length code read from the start:
 * each entry advances an address and moves a running line number, and the
 * answer is the line of the entry whose range holds the offset. So all three
 * decoders are one forward pass that stops at that entry, with no state and no
 * allocation -- cheap enough to run on every sample.
 *
 *   3.8, 3.9  co_lnotab: (address increment u8, line increment s8) pairs. The
 *             line at an offset is firstlineno plus the line increments of
 *             every pair whose cumulated address is <= offset.
 *   3.10      co_linetable (PEP 626): (range length u8 in bytes, line delta
 *             s8) pairs. Delta -128 marks a range with no line and leaves the
 *             running line alone; an offset after the last range has no line.
 *   3.11+     location table: entries of one header byte (bit 7 set, kind in
 *             bits 3-6, length - 1 in code units in bits 0-2) and then bytes
 *             with bit 7 clear. Kinds 0-9 keep the line, 10-12 add 0-2, 13 and
 *             14 add a signed varint, 15 has no line. Columns are not decoded:
 *             the next entry is the next byte with bit 7 set.
 *
 * The tables come from another process and may be torn or garbage: reads
 * never go past len, and the running line is 64-bit (a varint delta that would
 * leave int's range ends the walk), so no table can overflow it. A line that
 * is negative or beyond INT_MAX gives -1. A negative offset (a frame whose
 * first instruction has not run) gives firstlineno, as CPython reports it.
 */
#include "config.h"
#include "python/linetable.h"

#include <limits.h>

/* A table byte read as the signed char CPython stores there. */
static int signed_byte(uint8_t b)
{
    return b < 128 ? b : (int)b - 256;
}

static int as_line(int64_t line)
{
    return line >= 0 && line <= INT_MAX ? (int)line : -1;
}

static int lnotab_line(const uint8_t *t, size_t len, int firstlineno, int offset)
{
    int64_t line = firstlineno, addr = 0;

    for (size_t i = 0; i + 1 < len; i += 2) {
        addr += t[i];
        if (addr > offset)
            break;
        line += signed_byte(t[i + 1]);
    }
    return as_line(line);
}

#define PEP626_NO_LINE (-128)

static int pep626_line(const uint8_t *t, size_t len, int firstlineno, int offset)
{
    int64_t line = firstlineno, end = 0;

    for (size_t i = 0; i + 1 < len; i += 2) {
        int delta = signed_byte(t[i + 1]);
        if (delta != PEP626_NO_LINE)
            line += delta;
        end += t[i];
        if (offset < end)
            return delta == PEP626_NO_LINE ? -1 : as_line(line);
    }
    return -1;
}

enum {
    LOC_ONE_LINE0 = 10,
    LOC_ONE_LINE1 = 11,
    LOC_ONE_LINE2 = 12,
    LOC_NO_COLUMNS = 13,
    LOC_LONG = 14,
    LOC_NONE = 15,
};

/* The signed varint at t[i]: 6-bit chunks, least significant first, bit 6
 * set on all but the last; then the lowest bit of the value is the sign.
 * Returns 0, or -1 if it runs past len or is longer than any line delta. */
static int read_svarint(const uint8_t *t, size_t len, size_t i, int64_t *out)
{
    uint32_t val = 0;

    for (unsigned shift = 0; shift <= 24; shift += 6) {
        if (i >= len)
            return -1;
        uint8_t b = t[i++];
        val |= (uint32_t)(b & 63) << shift;
        if (!(b & 64)) {
            *out = val & 1 ? -(int64_t)(val >> 1) : (int64_t)(val >> 1);
            return 0;
        }
    }
    return -1;
}

static int loctable_line(const uint8_t *t, size_t len, int firstlineno, int offset)
{
    int64_t line = firstlineno, end = 0;
    size_t i = 0;

    while (i < len) {
        uint8_t head = t[i++];
        int kind = (head >> 3) & 15;
        int64_t delta = 0;

        if (kind == LOC_NO_COLUMNS || kind == LOC_LONG) {
            if (read_svarint(t, len, i, &delta) != 0)
                return -1;
            if (line + delta < INT_MIN || line + delta > INT_MAX)
                return -1;
        } else if (kind >= LOC_ONE_LINE0 && kind <= LOC_ONE_LINE2) {
            delta = kind - LOC_ONE_LINE0;
        }
        line += delta;
        end += ((head & 7) + 1) * 2;
        /* Like CPython, "no line" needs bit 7 set too: 0xf8-0xff. */
        if (offset < end)
            return (head >> 3) == (0x10 | LOC_NONE) ? -1 : as_line(line);
        while (i < len && !(t[i] & 0x80))
            i++;
    }
    return -1;
}

int linetable_line(int minor, const uint8_t *table, size_t len, int firstlineno, int offset)
{
    if (minor < 8 || minor > LINETABLE_NEWEST_FORMAT_MINOR)
        return -1;
    if (table == NULL)
        len = 0;
    if (offset < 0)
        return as_line(firstlineno);
    if (minor <= 9)
        return lnotab_line(table, len, firstlineno, offset);
    if (minor == 10)
        return pep626_line(table, len, firstlineno, offset);
    return loctable_line(table, len, firstlineno, offset);
}
