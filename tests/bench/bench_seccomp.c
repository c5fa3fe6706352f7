/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark (not a test): time to compile a seccomp profile, without the
 * cache, on a cache miss and on a cache hit.
 * Usage: bench_seccomp [config.json [iterations]]
 * (default: tests/fixtures/seccomp/default-profile.json, 200 iterations) */
#include "linux/seccomp.h"
#include "spec/spec.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t filter_len(const struct seccomp_filter *f)
{
	const void *insns;
	size_t len;
	unsigned int flags;

	seccomp_filter_program(f, &insns, &len, &flags);
	return len;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(struct hutch_error *err)
{
	fprintf(stderr, "bench_seccomp: %s\n", err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/fixtures/seccomp/default-profile.json";
	int iterations = argc > 2 ? atoi(argv[2]) : 200;
	char dir[] = "/tmp/hutch-bench-XXXXXX";
	struct hutch_error *err = NULL;
	struct spec *sp = spec_load(path, &err);
	struct spec_seccomp *s;
	struct seccomp_filter *f = NULL;
	char *cache;
	double t0, plain, miss, hit;
	size_t insns = 0;
	pid_t pid;

	if (!sp)
		die(err);
	if (!sp->linux_ || !sp->linux_->seccomp) {
		fprintf(stderr, "bench_seccomp: %s has no linux.seccomp\n", path);
		return 1;
	}
	s = sp->linux_->seccomp;
	if (iterations < 1 || !mkdtemp(dir))
		return 1;
	cache = xasprintf("%s/.seccomp-cache", dir);

	t0 = now_ms();
	for (int i = 0; i < iterations; i++) {
		if (seccomp_compile(s, &f, &err) < 0)
			die(err);
		insns = filter_len(f);
		seccomp_filter_free(f);
	}
	plain = (now_ms() - t0) / iterations;

	t0 = now_ms();
	if (seccomp_compile_cached(s, cache, &f, &err) < 0)
		die(err);
	miss = now_ms() - t0;
	seccomp_filter_free(f);

	t0 = now_ms();
	for (int i = 0; i < iterations; i++) {
		if (seccomp_compile_cached(s, cache, &f, &err) < 0)
			die(err);
		seccomp_filter_free(f);
	}
	hit = (now_ms() - t0) / iterations;

	printf("profile: %s (%zu rules, %zu BPF instructions, libseccomp %s)\n", path,
	       s->n_syscalls, insns, seccomp_version_string());
	printf("compile, no cache:     %8.3f ms (mean of %d)\n", plain, iterations);
	printf("compile, cache miss:   %8.3f ms (compile + write)\n", miss);
	printf("compile, cache hit:    %8.3f ms (mean of %d)\n", hit, iterations);

	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	spec_free(sp);
	free(cache);
	return 0;
}
