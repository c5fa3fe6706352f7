/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark (not a test): the config parser alone, as start, exec and the
 * other verbs that load a stored config.json use it (spec_load).
 * Usage: bench_parse CONFIG.json
 * Prints the time and the peak RSS of the process; bench.py reads the peak
 * RSS from wait4(2) instead. */
#include "spec/spec.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct hutch_error *err = NULL;
	struct timespec t0, t1;
	struct rusage ru;
	struct spec *s;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_parse CONFIG.json\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = spec_load(argv[1], &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!s) {
		fprintf(stderr, "bench_parse: %s\n", err->msg);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %zu annotations, %.1f ms, peak RSS %ld KiB\n", argv[1], s->n_annotations,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       ru.ru_maxrss);
	spec_free(s);
	return 0;
}
