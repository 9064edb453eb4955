/*
 * conflex.h - the configuration file's text and its exact integers:
 * the file and its @include files read as libconfig will read them, and
 * every integer setting of the parsed tree tied to the literal it was
 * written as (libconfig 1.5 wraps integers beyond 32 bits).
 */
#ifndef CASESERV_CONFLEX_H
#define CASESERV_CONFLEX_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

struct clx_text;

/*
 * Read path and the @include files it names, each from the descriptor
 * that was checked, and record their integer literals.  On failure
 * returns NULL and writes "FILE:LINE: message" to err.
 */
struct clx_text *clx_scan(const char *path, char *err, size_t errlen);
/* The text of path with every @include expanded, for libconfig to parse:
 * it holds no @include directive, so libconfig opens no file. */
const char *clx_source(const struct clx_text *);
/* Line (from 1; 0: none) of clx_source(): the file and its own line. */
void clx_where(const struct clx_text *, int line, const char **file,
    int *fline);
/* Where @include names are looked for: path's directory; NULL: the cwd. */
const char *clx_include_dir(const struct clx_text *);
/*
 * Tie every integer setting under root, parsed from clx_source(), to its
 * literal.  All or nothing: -1 if any cannot be matched (the file changed
 * between the reads), and then none is.  The text must outlive the tree.
 */
int clx_map(struct clx_text *, config_setting_t *root);
/*
 * The exact value of an integer setting: -1 if it has no literal;
 * otherwise 0 with *val, or with *big the literal's text (at most 64
 * characters and "...") when 64 bits cannot hold it, NULL when they can.
 */
int clx_value(const config_setting_t *, int64_t *val, const char **big);
/* The @include files read (nested ones too), by the path opened. */
size_t clx_nfiles(const struct clx_text *);
const char *clx_file(const struct clx_text *, size_t i);
void clx_free(struct clx_text *);

#endif
