/*
 * tui/edit: a line of text typed into the live view, a key at a time (the
 * table's filter, the flamegraph's search).
 */
#ifndef PYTOP_TUI_EDIT_H
#define PYTOP_TUI_EDIT_H

#include <stddef.h>

enum edit_result {
    EDIT_IGNORED,   /* not a key of the line */
    EDIT_CHANGED,   /* a character added or removed */
    EDIT_DONE,      /* Enter: the text is kept */
    EDIT_CANCELLED, /* Esc: the text is emptied */
};

/* Apply key to text (NUL-terminated, size bytes): printable bytes are
 * added, Backspace removes a whole UTF-8 character. */
enum edit_result edit_key(char *text, size_t size, int key);

#endif
