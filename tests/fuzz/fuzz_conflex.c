/*
 * fuzz_conflex.c - the integer lexer and @include scanner on their own:
 * clx_scan() over the input (and inc.conf, see fuzz_common.h), then, where
 * libconfig parses the same text, clx_map() over its tree.
 *
 * Checked: a scan failure says why; whatever libconfig parses, clx_map()
 * maps (the lexer cuts the text as libconfig's scanner does); clx_map() is
 * all or nothing (no setting keeps a literal after a failure); after a
 * success every integer
 * setting has its literal, and a literal 64 bits can hold agrees with the
 * value libconfig made of it (all of it for an L literal, the low 32 bits
 * otherwise: atoi()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conflex.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup_dir();
	return 0;
}

static void
check_setting(const config_setting_t *s, int mapped)
{
	const config_setting_t *m;
	const char *big;
	int64_t v;
	unsigned i;
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		if (clx_value(s, &v, &big) == -1) {
			if (mapped)
				abort();	/* an integer without its literal */
			return;
		}
		if (!mapped)
			abort();		/* half mapped */
		if (big == NULL && (type == CONFIG_TYPE_INT64 ?
		    config_setting_get_int64(s) != v :
		    config_setting_get_int(s) != (int32_t)(uint32_t)v))
			abort();		/* tied to the wrong literal */
		return;
	}
	if (config_setting_is_aggregate(s))
		for (i = 0; (m = config_setting_get_elem(s, i)) != NULL; i++)
			check_setting(m, mapped);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct clx_text *t;
	config_t lc;
	int mapped;

	fuzz_write_files(data, size);
	err[0] = '\0';
	if ((t = clx_scan(fuzz_main, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	config_init(&lc);
	if (clx_include_dir(t) != NULL)
		config_set_include_dir(&lc, clx_include_dir(t));
	if (config_read_string(&lc, clx_source(t)) == CONFIG_TRUE) {
		mapped = clx_map(t, config_root_setting(&lc)) == 0;
		check_setting(config_root_setting(&lc), mapped);
		/*
		 * The lexer cuts the text as libconfig does, so whatever
		 * libconfig parses, the lexer has the literals of.
		 */
		if (!mapped) {
			fprintf(stderr, "libconfig parsed it, clx_map() "
			    "failed\n");
			abort();
		}
	}
	config_destroy(&lc);
	clx_free(t);
	return 0;
}
