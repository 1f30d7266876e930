/*
 * output/markup: see markup.h.
 */
#include "config.h"
#include "output/markup.h"

#include <stdint.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes) that XML
 * can hold, with its code point in *cp; 0 if there is none. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, lowest;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2, c = s[0] & 0x1f, lowest = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, c = s[0] & 0x0f, lowest = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, c = s[0] & 0x07, lowest = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < lowest || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
        return 0;
    *cp = c;
    return len;
}

void markup_putn(FILE *out, const char *str, size_t n, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t run = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_char(s + i, n - i, &cp);
        const char *rep = NULL;
        char num[8];
        if (len == 0) {
            rep = "\xef\xbf\xbd";
            len = 1;
        } else if (cp == '&') {
            rep = "&amp;";
        } else if (cp == '<') {
            rep = "&lt;";
        } else if (cp == '>') {
            rep = "&gt;";
        } else if (cp == '"') {
            rep = "&quot;";
        } else if (cp == '\'' && (flags & MARKUP_APOS)) {
            rep = "&#39;";
        } else if ((cp == '\t' || cp == '\n' || cp == '\r') && (flags & MARKUP_FLAT)) {
            rep = " ";
        } else if (cp == '\t' || cp == '\n' || cp == '\r') {
            snprintf(num, sizeof num, "&#%u;", (unsigned)cp);
            rep = num;
        } else if (cp < 0x20 || cp == 0x7f) {
            rep = "\xef\xbf\xbd";
        }
        if (rep != NULL) {
            fwrite(s + run, 1, i - run, out);
            fputs(rep, out);
            run = i + len;
        }
        i += len;
    }
    fwrite(s + run, 1, n - run, out);
}
