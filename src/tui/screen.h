/*
 * tui/screen: the only module that calls curses.
 *
 * The live view draws rows of text through screen_text(), which clips and
 * pads by display width (a wide character or an emoji takes two columns,
 * so names in any script align), reads keys through screen_key(), and
 * never has to think about the terminal's state: whatever ends pytop
 * (q, SIGINT/SIGTERM/SIGHUP, exit() on an error), the terminal is given
 * back as it was.
 *
 * A screen can also be an in-memory grid (screen_open_memory) with the same
 * drawing calls: tests and the benchmark render the view without a
 * terminal and read rows back as text.
 */
#ifndef PYTOP_TUI_SCREEN_H
#define PYTOP_TUI_SCREEN_H

#include <stddef.h>

#include "error.h"

/* What a piece of text looks like; colours where the terminal has them
 * (and NO_COLOR is not set), otherwise bold / reverse. */
enum screen_attr {
    SA_NORMAL = 0,
    SA_BOLD,
    SA_DIM,
    SA_TITLE,    /* table column titles */
    SA_SORTED,   /* the title of the sort column */
    SA_SELECTED, /* the selected row */
    SA_KEY,      /* a key in the footer */
    SA_KEYLABEL, /* what it does */
    SA_STATUS,   /* the status line */
    SA_BANNER,   /* target exited, errors */
    /* The terminal flamegraph's boxes, by frame class (modules.h's
     * enum frame_class, in its order), then a search match and the
     * selected box. Monochrome: reverse video, matches and the selection
     * bold. */
    SA_FLAME,
    SA_FLAME_LAST = SA_FLAME + 7,
    SA_FLAME_MATCH,
    SA_FLAME_SELECTED,
    SA_COUNT
};

/* Keys besides plain characters (values of curses' KEY_*, or these). */
#define SCREEN_KEY_NONE   (-1) /* timeout */
#define SCREEN_KEY_SIGNAL (-2) /* SIGINT, SIGTERM or SIGHUP arrived: quit */
#define SCREEN_KEY_ESC    27

/* The curses key codes the view needs, without including curses. */
extern const int SCREEN_KEY_UP, SCREEN_KEY_DOWN, SCREEN_KEY_LEFT, SCREEN_KEY_RIGHT,
    SCREEN_KEY_PPAGE, SCREEN_KEY_NPAGE, SCREEN_KEY_HOME, SCREEN_KEY_END, SCREEN_KEY_F1,
    SCREEN_KEY_F10, SCREEN_KEY_RESIZE, SCREEN_KEY_BACKSPACE, SCREEN_KEY_ENTER;

struct screen;

/* Take over the terminal (stdin/stdout must be one). NULL with err set on
 * failure. Installs handlers of SIGINT, SIGTERM and SIGHUP that only set a
 * flag (screen_key then returns SCREEN_KEY_SIGNAL), and an atexit hook
 * that restores the terminal. */
struct screen *screen_open(struct pt_error *err);

/* A screen that draws into memory, rows x cols cells (tests, benchmarks). */
struct screen *screen_open_memory(int rows, int cols);

/* Give the terminal back (endwin) and free s. NULL is fine. */
void screen_close(struct screen *s);

/* The size in cells. */
void screen_size(const struct screen *s, int *rows, int *cols);

void screen_clear(struct screen *s);

/* Draw utf8 at (row, col) in exactly width cells: clipped when longer,
 * padded with spaces when shorter (width < 0: as much as the row holds,
 * not padded). Invalid UTF-8 shows as '?'. */
void screen_text(struct screen *s, int row, int col, int attr, const char *utf8, int width);

/* Show what was drawn. */
void screen_refresh(struct screen *s);

/* The next key within timeout_ms (0: do not wait), SCREEN_KEY_NONE if
 * none, SCREEN_KEY_SIGNAL after a stop signal. A resize re-reads the
 * size and returns SCREEN_KEY_RESIZE. */
int screen_key(struct screen *s, int timeout_ms);

/* The signal that asked to stop (SIGINT...), 0 if none. */
int screen_stop_signal(void);

/* Memory screens: row `row` as UTF-8 text (trailing spaces kept) and the
 * attribute of one cell. */
void screen_row_text(const struct screen *s, int row, char *buf, size_t size);
int screen_cell_attr(const struct screen *s, int row, int col);

/* Whether text reaches the terminal as UTF-8: decided by screen_open from
 * the locale (LC_CTYPE's character set; a plain `env -i` shell and many
 * containers have none); memory screens draw UTF-8 unless a test says
 * otherwise. Without it, as htop does, the view's own signs are drawn as
 * ASCII look-alikes of the same width (… as ~, · as -, ↓ as v, ▸ as >)
 * and any other character beyond ASCII as '?'. */
int screen_utf8(void);
void screen_set_utf8(int on);

/* Display width helpers (no curses, no screen needed). */

/* Columns utf8 takes on a terminal (control characters count as 1,
 * invalid bytes as 1). */
int screen_width(const char *utf8);

/* The longest prefix of utf8 that fits in width columns, copied into out
 * (NUL-terminated, at most size bytes); returns its width. */
int screen_fit(const char *utf8, int width, char *out, size_t size);

/* The longest suffix of utf8 that fits in width columns (truncating on
 * the left), copied into out; returns its width. */
int screen_fit_tail(const char *utf8, int width, char *out, size_t size);

#endif
