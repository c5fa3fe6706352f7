/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing CPU and node lists. */
#include "util/cpulist.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LONG_BITS (8 * sizeof(unsigned long))

static void mask_set(unsigned long **mask, size_t *nbits, unsigned long n)
{
	if (n >= *nbits) {
		size_t words = n / LONG_BITS + 1, old = *nbits / LONG_BITS;

		*mask = xrealloc(*mask, words * sizeof(unsigned long));
		memset(*mask + old, 0, (words - old) * sizeof(unsigned long));
		*nbits = words * LONG_BITS;
	}
	(*mask)[n / LONG_BITS] |= 1UL << (n % LONG_BITS);
}

/* One "a" or "a-b" item (surrounding blanks allowed); -1 on junk. */
static int parse_item(const char *item, unsigned long *lo, unsigned long *hi)
{
	const char *p = item;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	*lo = *hi = strtoul(p, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		*hi = strtoul(end + 1, &end, 10);
	}
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || *hi < *lo || *hi >= 1UL << 20)
		return -1;
	return 0;
}

int cpulist_parse(const char *list, const char *field, unsigned long **ret_mask, size_t *ret_nbits,
                  struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(list ? list : "");
	_cleanup_free_ unsigned long *mask = NULL;
	size_t nbits = 0;
	char *save = NULL, *p = copy;

	while (isspace((unsigned char)*p))
		p++;
	if (*p) {
		for (char *item = strtok_r(p, ",", &save); item;
		     item = strtok_r(NULL, ",", &save)) {
			unsigned long lo, hi;

			if (parse_item(item, &lo, &hi) < 0)
				return herr_msg(err,
				                "%s: invalid list \"%s\" (expected e.g. \"0-3,7\")",
				                field, list);
			for (unsigned long n = lo; n <= hi; n++)
				mask_set(&mask, &nbits, n);
		}
		/* strtok_r skips empty items; "1,,2" or a trailing comma is still junk */
		if (strstr(list, ",,") || list[strlen(list) - 1] == ',' || list[0] == ',')
			return herr_msg(err, "%s: invalid list \"%s\" (expected e.g. \"0-3,7\")",
			                field, list);
	}
	*ret_mask = steal_ptr(&mask);
	*ret_nbits = nbits;
	return 0;
}
