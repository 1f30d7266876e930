/*
 * output/flamegraph: a call tree as one interactive, self-contained SVG.
 *
 * Frames are boxes stacked upwards from the root ("all") at the bottom,
 * as wide as their share of the samples, children sorted by name so that
 * two profiles of one program look alike. Boxes narrower than 0.1% of the
 * samples are not drawn one by one: the small children of a frame become
 * one grey "(N small frames)" box when together they are wide enough.
 * A frame's colour depends only on its module (stdlib, third-party and
 * application code in distinct warm families), so a function keeps its
 * colour from one file to the next.
 *
 * The file needs nothing but a browser: inline style and script, system
 * fonts. Hover shows a frame's details, a click zooms on it, Search (or
 * Ctrl-F, "/") highlights the frames whose "name (file:line)" matches a
 * regular expression and shows the share of samples under them (each
 * sample once), Escape unzooms, then clears the search. Two URL
 * parameters do the same on load, for links and tests: ?s=REGEX searches
 * (percent-encoded: "+" would be a space), ?z=ID zooms on the frame
 * <g id="fID">, e.g. profile.svg?z=f12&s=json|sqlite3.
 *
 * The root <svg> has class "pytop-fg", and every style rule is scoped to
 * it, so the same drawing can sit inline in an HTML page (report -f
 * html) without restyling the page; the script finds its <svg> from
 * #frames, not from the document. Such a page must not reuse the ids
 * title, sub, reset, clear, search, frames, details, matched, fN and
 * pytop-profile.
 *
 * Every frame is a <g class="f" id="fN"> with data-name, data-file,
 * data-line, data-samples (its total), data-self, data-o (the samples
 * left of it), data-d (depth, root 0) and, for non-Python frames,
 * data-kind (process, thread, native); a native frame with its source
 * file has data-src and data-line; the search result is the text of
 * #matched ("Matched: 25.0%").
 *
 * The profile itself rides along for `pytop report` and `pytop diff`:
 * <metadata id="pytop-profile" data-format="folded+zlib+base64"> holds its
 * folded stacks (every stack, also those too small to draw; sorted,
 * compressed with zlib, in base64; data-size is their length) and, as
 * data-target, data-python, data-started, data-duration and data-rate,
 * what the meta says.
 */
#ifndef PYTOP_OUTPUT_FLAMEGRAPH_H
#define PYTOP_OUTPUT_FLAMEGRAPH_H

#include <stdio.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

/* Write the flamegraph of t, titled from m (may be NULL), to out. The
 * output depends only on t and m (and the local time zone, for the start
 * time): the same input gives the same bytes, whatever the order its
 * stacks were added in.
 * 0, or -1 with PT_E_IO (write failure) or PT_E_NOMEM in err. */
int flamegraph_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                     struct pt_error *err);

/*
 * A differential flamegraph (pytop diff): t is AFTER. Each of its frames
 * is as wide as weight[node] says (its samples, and the paths below it
 * that only BEFORE had), and coloured by how the share of all samples
 * through its path changed since BEFORE: red grew, blue shrank, deeper
 * with the size of the change (full at the largest change drawn, at
 * least 1 point), nearly white when it held. The paths only BEFORE had
 * (gone) are drawn from BEFORE's nodes, at their samples times
 * before_unit, dashed (class "g"). The root <svg> carries data-diff,
 * data-after-all and data-before-all (each profile's samples); a frame,
 * data-after and data-before (samples through it in each). Hover says
 * "before 40.00% -> after 20.00% (-20.00 points)"; search says the same
 * of the matched frames; zoom is as in a flamegraph. A diff carries no
 * <metadata> profile: report and diff read the profiles themselves.
 */
struct fg_diff {
    const struct calltree *before;
    const uint32_t *twin;      /* per node of t: BEFORE's node of the same path, or CT_NONE */
    const unsigned char *gone; /* per node of before: 1 when t has no such path */
    const uint64_t *weight;    /* per node of t: the width to draw it at */
    uint64_t before_unit;      /* the width of one BEFORE sample on a gone path */
    const char *before_name;   /* for the title */
    const char *after_name;
};

int flamegraph_write_diff(FILE *out, const struct calltree *t, const struct fg_diff *d,
                          const struct profile_meta *m, struct pt_error *err);

/* The same drawing without the XML declaration and without the
 * <metadata> profile, for inline use in an HTML page (one per page: the
 * ids above are fixed). */
int flamegraph_write_embedded(FILE *out, const struct calltree *t, const struct profile_meta *m,
                              struct pt_error *err);

#endif
