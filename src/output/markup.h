/*
 * output/markup: text written into XML (the flamegraph SVG) and HTML
 * (report -f html) so that no name of a profile can break the document:
 * the characters that end text or an attribute value as entities, and
 * what neither can hold (invalid UTF-8, control characters, U+FFFE and
 * U+FFFF) as U+FFFD.
 */
#ifndef PYTOP_OUTPUT_MARKUP_H
#define PYTOP_OUTPUT_MARKUP_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MARKUP_APOS 1u /* ' as &#39; too (an HTML attribute may use either quote) */
#define MARKUP_FLAT                                                                                \
    2u /* tab, CR and LF as a space; else as numeric references,                                   \
        * which attribute values keep */

/* Write s[0..n) escaped as flags say. */
void markup_putn(FILE *out, const char *s, size_t n, unsigned flags);

static inline void markup_puts(FILE *out, const char *s, unsigned flags)
{
    markup_putn(out, s, strlen(s), flags);
}

#endif
