/*
 * tui/screen: curses (ncursesw) behind a handful of calls, or an
 * in-memory grid with the same calls. See screen.h.
 *
 * One idea: text is measured and cut here, by display width, before it
 * reaches curses, so curses only ever gets a string that fits.
 */
#include "config.h"

#include "tui/screen.h"
#include "util.h"

#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <langinfo.h>
#include <strings.h>
#include <wchar.h>

const int SCREEN_KEY_UP = KEY_UP, SCREEN_KEY_DOWN = KEY_DOWN, SCREEN_KEY_LEFT = KEY_LEFT,
          SCREEN_KEY_RIGHT = KEY_RIGHT, SCREEN_KEY_PPAGE = KEY_PPAGE, SCREEN_KEY_NPAGE = KEY_NPAGE,
          SCREEN_KEY_HOME = KEY_HOME, SCREEN_KEY_END = KEY_END, SCREEN_KEY_F1 = KEY_F(1),
          SCREEN_KEY_F10 = KEY_F(10), SCREEN_KEY_RESIZE = KEY_RESIZE,
          SCREEN_KEY_BACKSPACE = KEY_BACKSPACE, SCREEN_KEY_ENTER = KEY_ENTER;

struct cell {
    uint32_t ch;  /* code point; 0 = the right half of a wide character */
    uint8_t attr; /* enum screen_attr */
};

struct screen {
    int memory; /* an in-memory grid, not the terminal */
    int rows, cols;
    struct cell *grid; /* memory screens */
    int color;
    chtype attrs[SA_COUNT];
};

static volatile sig_atomic_t stop_signal;
static int utf8_out = 1;   /* see screen_utf8 */
static int terminal_taken; /* endwin still owed */

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void restore_terminal(void)
{
    if (terminal_taken) {
        terminal_taken = 0;
        endwin();
    }
}

int screen_stop_signal(void)
{
    return stop_signal;
}

/* ---- display width ---------------------------------------------------- */

/* Decode one UTF-8 character at s (n bytes left): its code point and
 * length; an invalid byte gives U+FFFD and length 1. */
static int utf8_next(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int len;
    uint32_t c;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xe0) == 0xc0) {
        len = 2;
        c = u[0] & 0x1f;
    } else if ((u[0] & 0xf0) == 0xe0) {
        len = 3;
        c = u[0] & 0x0f;
    } else if ((u[0] & 0xf8) == 0xf0) {
        len = 4;
        c = u[0] & 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if ((size_t)len > n) {
        *cp = 0xfffd;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3f);
    }
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = c;
    return len;
}

/* Columns of one code point: wcwidth, with what it cannot say decided
 * here (controls and unknown characters: 1; wide emoji: 2). */
static int cp_width(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f)
        return 1; /* shown as '?' */
    if (cp < 0x7f)
        return 1;
    int w = wcwidth((wchar_t)cp);
    if (w >= 0)
        return w;
    /* A locale that does not know it: the emoji and CJK blocks are wide. */
    if ((cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int screen_width(const char *utf8)
{
    size_t n = strlen(utf8);
    int w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)utf8_next(utf8 + i, n - i, &cp);
        w += cp_width(cp);
    }
    return w;
}

int screen_fit(const char *utf8, int width, char *out, size_t size)
{
    size_t n = strlen(utf8), i = 0;
    int w = 0;
    while (i < n) {
        uint32_t cp;
        int len = utf8_next(utf8 + i, n - i, &cp);
        int cw = cp_width(cp);
        if (w + cw > width || i + (size_t)len >= size)
            break;
        w += cw;
        i += (size_t)len;
    }
    if (size > 0) {
        memcpy(out, utf8, i);
        out[i] = '\0';
    }
    return w;
}

int screen_fit_tail(const char *utf8, int width, char *out, size_t size)
{
    size_t n = strlen(utf8);
    /* Widths from the end: walk forward once, remembering where each
     * character starts, then take the longest suffix that fits. */
    size_t start = n;
    int total = screen_width(utf8), w = total;
    size_t i = 0;
    while (i < n && (w > width || n - i >= size)) {
        uint32_t cp;
        int len = utf8_next(utf8 + i, n - i, &cp);
        w -= cp_width(cp);
        i += (size_t)len;
    }
    start = i;
    if (size > 0) {
        memcpy(out, utf8 + start, n - start);
        out[n - start] = '\0';
    }
    return w;
}

/* ---- the screen ------------------------------------------------------- */

static void setup_attrs(struct screen *s)
{
    for (int i = 0; i < SA_COUNT; i++)
        s->attrs[i] = A_NORMAL;
    s->attrs[SA_BOLD] = A_BOLD;
    s->attrs[SA_DIM] = A_DIM;
    s->attrs[SA_TITLE] = A_REVERSE;
    s->attrs[SA_SORTED] = A_REVERSE | A_BOLD;
    s->attrs[SA_SELECTED] = A_REVERSE;
    s->attrs[SA_KEY] = A_BOLD;
    s->attrs[SA_KEYLABEL] = A_REVERSE;
    s->attrs[SA_STATUS] = A_BOLD;
    s->attrs[SA_BANNER] = A_BOLD | A_REVERSE;
    for (int i = SA_FLAME; i <= SA_FLAME_LAST; i++)
        s->attrs[i] = A_REVERSE;
    s->attrs[SA_FLAME_MATCH] = A_REVERSE | A_BOLD | A_UNDERLINE;
    s->attrs[SA_FLAME_SELECTED] = A_BOLD | A_UNDERLINE;
    const char *nc = getenv("NO_COLOR");
    if ((nc != NULL && nc[0] != '\0') || !has_colors() || start_color() != OK)
        return;
    use_default_colors();
    s->color = 1;
    init_pair(1, COLOR_BLACK, COLOR_GREEN);  /* titles */
    init_pair(2, COLOR_BLACK, COLOR_CYAN);   /* selection, key labels */
    init_pair(3, COLOR_WHITE, COLOR_RED);    /* banner */
    init_pair(4, COLOR_CYAN, -1);            /* status */
    init_pair(5, COLOR_BLACK, COLOR_YELLOW); /* sorted column */
    s->attrs[SA_TITLE] = COLOR_PAIR(1);
    s->attrs[SA_SORTED] = COLOR_PAIR(5) | A_BOLD;
    s->attrs[SA_SELECTED] = COLOR_PAIR(2);
    s->attrs[SA_KEYLABEL] = COLOR_PAIR(2);
    s->attrs[SA_BANNER] = COLOR_PAIR(3) | A_BOLD;
    s->attrs[SA_STATUS] = COLOR_PAIR(4) | A_BOLD;
    /* Flamegraph boxes as the SVG colours them, in the eight colours
     * every terminal has: the application red, packages yellow, the
     * standard library white (its tans), native code cyan, process and
     * thread roots blue, tasks and requests green; matches magenta. */
    static const short flame_bg[] = {COLOR_RED,  COLOR_YELLOW, COLOR_WHITE, COLOR_CYAN,
                                     COLOR_BLUE, COLOR_BLUE,   COLOR_GREEN, COLOR_GREEN};
    for (int i = 0; i <= SA_FLAME_LAST - SA_FLAME; i++) {
        short fg = flame_bg[i] == COLOR_BLUE ? COLOR_WHITE : COLOR_BLACK;
        init_pair((short)(6 + i), fg, flame_bg[i]);
        s->attrs[SA_FLAME + i] = COLOR_PAIR(6 + i);
    }
    init_pair(14, COLOR_WHITE, COLOR_MAGENTA);
    init_pair(15, COLOR_WHITE, COLOR_BLACK);
    s->attrs[SA_FLAME_MATCH] = COLOR_PAIR(14) | A_BOLD;
    s->attrs[SA_FLAME_SELECTED] = COLOR_PAIR(15) | A_BOLD;
}

struct screen *screen_open(struct pt_error *err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        pt_error_set(err, PT_E_USAGE, "the live view needs a terminal");
        return NULL;
    }
    struct screen *s = calloc(1, sizeof *s);
    if (s == NULL) {
        pt_error_set(err, PT_E_NOMEM, "out of memory");
        return NULL;
    }
    setlocale(LC_ALL, "");
    const char *charset = nl_langinfo(CODESET);
    utf8_out =
        charset != NULL && (strcasecmp(charset, "UTF-8") == 0 || strcasecmp(charset, "utf8") == 0);
    /* Ours before initscr: ncurses then leaves these signals alone. */
    stop_signals_install(on_stop_signal);
    static int hooked;
    if (!hooked) {
        atexit(restore_terminal);
        hooked = 1;
    }
    if (initscr() == NULL) {
        free(s);
        pt_error_set(err, PT_E_SYS, "cannot initialise the terminal (is TERM set?)");
        return NULL;
    }
    terminal_taken = 1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    setup_attrs(s);
    getmaxyx(stdscr, s->rows, s->cols);
    return s;
}

struct screen *screen_open_memory(int rows, int cols)
{
    struct screen *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->memory = 1;
    s->rows = rows;
    s->cols = cols;
    s->grid = calloc((size_t)rows * (size_t)cols, sizeof *s->grid);
    if (s->grid == NULL) {
        free(s);
        return NULL;
    }
    screen_clear(s);
    return s;
}

void screen_close(struct screen *s)
{
    if (s == NULL)
        return;
    if (!s->memory)
        restore_terminal();
    free(s->grid);
    free(s);
}

void screen_size(const struct screen *s, int *rows, int *cols)
{
    *rows = s->rows;
    *cols = s->cols;
}

void screen_clear(struct screen *s)
{
    if (s->memory) {
        for (size_t i = 0; i < (size_t)s->rows * (size_t)s->cols; i++)
            s->grid[i] = (struct cell){' ', SA_NORMAL};
        return;
    }
    erase();
}

int screen_utf8(void)
{
    return utf8_out;
}

void screen_set_utf8(int on)
{
    utf8_out = on;
}

/* The ASCII look-alike of a sign the view draws, '?' for anything else
 * beyond ASCII: one column for one, so that columns stay where they are. */
static char ascii_of(uint32_t cp)
{
    switch (cp) {
    case 0x2026: /* … */
        return '~';
    case 0x00b7: /* · */
    case 0x2014: /* — */
    case 0x2013: /* – */
        return '-';
    case 0x2193: /* ↓ */
    case 0x25be: /* ▾ */
        return 'v';
    case 0x2191: /* ↑ */
        return '^';
    case 0x25b8: /* ▸ */
    case 0x2265: /* ≥ */
        return '>';
    case 0x2264: /* ≤ */
        return '<';
    case 0x258f: /* ▏ */
    case 0x2502: /* │ */
        return '|';
    case 0x00b5: /* µ */
        return 'u';
    case 0x00b1: /* ± */
        return '~';
    case 0x25cf: /* ● */
    case 0x2022: /* • */
        return '*';
    default:
        return '?';
    }
}

/* Rewrite buf (UTF-8, fitted) in ASCII, in place; its width after. A
 * wide character becomes two '?', so that what follows stays aligned. */
static int to_ascii(char *buf)
{
    size_t n = strlen(buf), k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)utf8_next(buf + i, n - i, &cp);
        if (cp < 0x80) {
            buf[k++] = (char)cp;
            continue;
        }
        int w = cp_width(cp);
        if (w == 0)
            continue; /* a combining mark: drawn on the character before */
        buf[k++] = ascii_of(cp);
        if (w == 2)
            buf[k++] = '?';
    }
    buf[k] = '\0';
    return (int)k;
}

/* Put text (already fitting) and pad spaces into the memory grid. */
static void grid_put(struct screen *s, int row, int col, int attr, const char *text, int pad)
{
    struct cell *r = s->grid + (size_t)row * (size_t)s->cols;
    size_t n = strlen(text);
    for (size_t i = 0; i < n && col < s->cols;) {
        uint32_t cp;
        i += (size_t)utf8_next(text + i, n - i, &cp);
        int w = cp_width(cp);
        if (cp < 0x20 || cp == 0x7f)
            cp = '?';
        if (col + w > s->cols)
            break;
        r[col] = (struct cell){cp, (uint8_t)attr};
        if (w == 2)
            r[col + 1] = (struct cell){0, (uint8_t)attr};
        col += w;
    }
    for (; pad > 0 && col < s->cols; pad--, col++)
        r[col] = (struct cell){' ', (uint8_t)attr};
}

void screen_text(struct screen *s, int row, int col, int attr, const char *utf8, int width)
{
    if (row < 0 || row >= s->rows || col < 0 || col >= s->cols)
        return;
    if (attr < 0 || attr >= SA_COUNT)
        attr = SA_NORMAL;
    int room = s->cols - col;
    int w = width < 0 || width > room ? room : width;
    char buf[2048];
    /* Control characters would move the cursor: replace them. */
    char clean[2048];
    size_t k = 0;
    for (const char *p = utf8; *p && k + 1 < sizeof clean; p++)
        clean[k++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    clean[k] = '\0';
    int used = screen_fit(clean, w, buf, sizeof buf);
    int pad = width < 0 ? 0 : w - used;
    if (s->memory) {
        if (!utf8_out)
            to_ascii(buf);
        grid_put(s, row, col, attr, buf, pad);
        return;
    }
    /* The bottom-right cell would scroll the screen: leave it out. */
    if (row == s->rows - 1 && col + used + pad >= s->cols) {
        if (pad > 0)
            pad--;
        else
            used = screen_fit(clean, w - 1, buf, sizeof buf);
    }
    if (!utf8_out)
        to_ascii(buf);
    attrset(s->attrs[attr]);
    mvaddstr(row, col, buf);
    for (int i = 0; i < pad; i++)
        addch(' ');
    attrset(A_NORMAL);
}

void screen_refresh(struct screen *s)
{
    if (!s->memory)
        refresh();
}

int screen_key(struct screen *s, int timeout_ms)
{
    if (stop_signal)
        return SCREEN_KEY_SIGNAL;
    if (s->memory)
        return SCREEN_KEY_NONE;
    timeout(timeout_ms);
    int c = getch();
    if (stop_signal)
        return SCREEN_KEY_SIGNAL;
    if (c == ERR)
        return SCREEN_KEY_NONE;
    if (c == KEY_RESIZE)
        getmaxyx(stdscr, s->rows, s->cols);
    if (c == '\r' || c == '\n')
        c = KEY_ENTER;
    if (c == 127 || c == 8)
        c = KEY_BACKSPACE;
    return c;
}

/* ---- memory screens --------------------------------------------------- */

void screen_row_text(const struct screen *s, int row, char *buf, size_t size)
{
    size_t k = 0;
    if (size == 0)
        return;
    if (s->memory && row >= 0 && row < s->rows) {
        const struct cell *r = s->grid + (size_t)row * (size_t)s->cols;
        for (int c = 0; c < s->cols; c++) {
            if (r[c].ch == 0)
                continue;
            char mb[8];
            uint32_t cp = r[c].ch;
            int n;
            if (cp < 0x80) {
                mb[0] = (char)cp;
                n = 1;
            } else if (cp < 0x800) {
                mb[0] = (char)(0xc0 | (cp >> 6));
                mb[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
            } else if (cp < 0x10000) {
                mb[0] = (char)(0xe0 | (cp >> 12));
                mb[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                mb[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
            } else {
                mb[0] = (char)(0xf0 | (cp >> 18));
                mb[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                mb[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                mb[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
            }
            if (k + (size_t)n + 1 > size)
                break;
            memcpy(buf + k, mb, (size_t)n);
            k += (size_t)n;
        }
    }
    buf[k] = '\0';
}

int screen_cell_attr(const struct screen *s, int row, int col)
{
    if (!s->memory || row < 0 || row >= s->rows || col < 0 || col >= s->cols)
        return SA_NORMAL;
    return s->grid[(size_t)row * (size_t)s->cols + (size_t)col].attr;
}
