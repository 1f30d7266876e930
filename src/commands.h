/*
 * commands: one function per pytop command, called by main() with the
 * parsed options. Each returns 0, or -1 with err filled in (main prints it
 * and exits 1, or 2 for usage errors).
 */
#ifndef PYTOP_COMMANDS_H
#define PYTOP_COMMANDS_H

#include "error.h"
#include "options.h"

int cmd_list(const struct options *opt, struct pt_error *err);
int cmd_dump(const struct options *opt, struct pt_error *err);
int cmd_record(const struct options *opt, struct pt_error *err);
int cmd_top(const struct options *opt, struct pt_error *err);
int cmd_report(const struct options *opt, struct pt_error *err);
int cmd_diff(const struct options *opt, struct pt_error *err);
int cmd_watch(const struct options *opt, struct pt_error *err);

#endif
