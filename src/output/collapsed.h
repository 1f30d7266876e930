/*
 * output/collapsed: Brendan Gregg's folded stacks, the text that
 * flamegraph.pl, inferno, speedscope and most profiling tools read.
 *
 * One line per stack that has samples of its own: the frames root first,
 * joined by ';', then a space and the count:
 *
 *     process 42 (python3 app.py);main (app.py:10);work (app.py:5) 42
 *
 * A Python frame is "name (file:line)", or "name (file)" when its line is
 * 0, or "name" when it has no file; process, thread and native frames are
 * their name. ';' separates frames and the last blank separates the count,
 * so frame text is sanitized on the way out: ';' becomes ':', and line
 * breaks ('\n', '\r') become spaces. Nothing else is changed (UTF-8 passes
 * through). No comment lines are written: flamegraph.pl would not accept
 * them. A stack whose text ends in a blank and digits (a bare "thread 12"
 * last) would read to flamegraph.pl as a second count column: thread
 * frames are "thread TID (name)".
 */
#ifndef PYTOP_OUTPUT_COLLAPSED_H
#define PYTOP_OUTPUT_COLLAPSED_H

#include <stdio.h>

#include "calltree.h"
#include "error.h"

/* Write every stack of t with self samples, depth first (children in tree
 * order), so the same tree always gives the same text. Samples with no
 * frame at all (the root's own) have no line. 0, or -1 with PT_E_IO when
 * writing (or flushing) out fails, PT_E_NOMEM when out of memory. */
int collapsed_write(FILE *out, const struct calltree *t, struct pt_error *err);

/* Add the folded stacks read from in to t (an initialized tree; what it
 * already holds is kept). Each line is "frame;frame;... COUNT", split at
 * its last blank; a whole-number count. Blank lines and lines starting
 * with '#' are skipped. A frame "name (file:N)" (N > 0, no leading zero)
 * becomes a Python frame with that name, file and line, "name (file.py)"
 * one without its line; "process N ..." first on a line a process frame,
 * "thread N ..." first or right after a process frame a thread frame;
 * anything else a Python frame with only a name (the text kept whole). So
 * write -> read -> write gives the same text. Other tools' frames are
 * read too: austin's "P42", "T0:7" and "file:function:line", Tachyon's
 * "tid:7", "<task>:NAME:0" and "file:function:line", py-spy's
 * 'process 42:"cmd"' and "thread (0x7F...)", as pytop's process, thread,
 * task and Python frames. A malformed line fails with PT_E_IO and a message naming its line
 * number; t then holds the lines before it (free it as usual). */
int collapsed_read(FILE *in, struct calltree *t, struct pt_error *err);

#endif
