/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU and NUMA node lists ("0-3,7") as bitmasks. */
#ifndef HUTCH_UTIL_CPULIST_H
#define HUTCH_UTIL_CPULIST_H

#include <stddef.h>

#include "util/error.h"

/* Parse a list such as "0-3,7" (ranges inclusive, spaces around items
 * ignored) into a bitmask of unsigned longs: bit n set for CPU/node n.
 * *ret_mask is malloc'd (caller frees), *ret_nbits is the number of bits it
 * holds (a multiple of the word size, > the highest number). An empty string
 * gives an empty mask with *ret_nbits == 0 and *ret_mask == NULL.
 * `field` names the JSON field in errors:
 *   "process.execCPUAffinity.initial: invalid list \"3-1\" (expected e.g. \"0-3,7\")". */
int cpulist_parse(const char *list, const char *field, unsigned long **ret_mask, size_t *ret_nbits,
                  struct hutch_error **err);

#endif
