/*
 * tui/edit: a typed line. See edit.h.
 */
#include "config.h"
#include "tui/edit.h"

#include <string.h>

#include "tui/screen.h"

enum edit_result edit_key(char *text, size_t size, int key)
{
    size_t n = strlen(text);
    if (key == SCREEN_KEY_ESC) {
        text[0] = '\0';
        return EDIT_CANCELLED;
    }
    if (key == SCREEN_KEY_ENTER || key == '\n' || key == '\r')
        return EDIT_DONE;
    if (key == SCREEN_KEY_BACKSPACE || key == 0x7f || key == 8) {
        while (n > 0 && ((unsigned char)text[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0)
            n--;
        text[n] = '\0';
        return EDIT_CHANGED;
    }
    if (key >= 0x20 && key < 0x100 && n + 1 < size) {
        text[n] = (char)key;
        text[n + 1] = '\0';
        return EDIT_CHANGED;
    }
    return EDIT_IGNORED;
}
