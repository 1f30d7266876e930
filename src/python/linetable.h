/*
 * python/linetable: bytecode offset -> source line, for every table format
 * CPython 3.8-3.15 uses (3.12-3.15 keep 3.11's):
 *   - 3.8, 3.9: co_lnotab (pairs of byte-offset / line increments);
 *   - 3.10: the PEP 626 co_linetable (pairs of byte-range / line delta);
 *   - 3.11+: the location table (varint-coded entries, one per run of code
 *     units, with line, end line and columns).
 * Pure functions on byte buffers copied out of the target: every read is
 * bounds-checked, so a torn or corrupted table gives -1, never a crash.
 */
#ifndef PYTOP_PYTHON_LINETABLE_H
#define PYTOP_PYTHON_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/* The newest minor version known to use the 3.11 location table. */
#define LINETABLE_NEWEST_FORMAT_MINOR 15

/* The line of the instruction at byte offset `offset` (bytes from the start
 * of the bytecode, a multiple of 2) of a code object whose table has the
 * format of Python 3.`minor` (8: co_lnotab, 10: PEP 626, 11: PEP 657
 * locations; the layout's co_linetable_format) and whose first line is
 * `firstlineno`. Returns the line (>= 0), or -1 if the offset has no line
 * (artificial instructions) or the table is malformed. */
int linetable_line(int minor, const uint8_t *table, size_t len, int firstlineno, int offset);

#endif
