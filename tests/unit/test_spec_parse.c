/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec_parse and friends: values land in the right struct fields, unknown keys
 * are ignored, maps and 64-bit numbers are exact, errors name the JSON path. */
#include "spec/default.h"
#include "spec/names.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "tap.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, key) == 0)
			return s->annotations[i].value;
	return NULL;
}

static struct spec *parse(const char *json, char **ret_msg)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	struct spec *s = spec_parse("config.json", json, strlen(json), &err);

	if (ret_msg)
		*ret_msg = err ? xstrdup(err->msg) : NULL;
	return s;
}

/* The error spec_parse gives for a document (malloc'd), NULL if it parses. */
static char *parse_error(const char *json)
{
	char *msg = NULL;
	struct spec *s = parse(json, &msg);

	spec_free(s);
	return msg;
}

#define MIN_HEAD "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"}, "

static void test_minimal_and_unknown_keys(void)
{
	const char *json =
	    MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\", \"-c\"], "
	             "\"futureField\": {\"x\": [1, 2]}}, \"vendor.extension\": true, "
	             "\"solaris\": {\"milestone\": \"x\"}, \"windows\": {}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);

	ok(s != NULL, "unknown keys are ignored");
	if (!s)
		return;
	is_str(s->ociVersion, "1.3.0", "ociVersion");
	is_str(s->root->path, "rootfs", "root.path");
	ok(!s->root->readonly, "root.readonly defaults to false");
	is_str(s->process->args[1], "-c", "process.args[1]");
	ok(s->process->args[2] == NULL, "args NULL-terminated");
	ok(s->process->env == NULL, "absent env is NULL");
	ok(s->linux_ == NULL && s->hooks == NULL && s->process->capabilities == NULL,
	   "absent objects are NULL");
}

static void test_versions(void)
{
	static const char *const good[] = {"1.0.0", "1.2.1", "1.3.0", "1.9.0-rc.1", "1.0.2-dev"};
	static const char *const bad[] = {"2.0.0", "0.1.0", "1", "10.0.0", ""};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		_cleanup_free_ char *json =
		    xasprintf("{\"ociVersion\": \"%s\", \"root\": {\"path\": \"r\"}}", good[i]);
		_cleanup_free_ char *msg = parse_error(json);
		ok(msg == NULL, "ociVersion %s accepted", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *json = xasprintf("{\"ociVersion\": \"%s\"}", bad[i]);
		_cleanup_free_ char *msg = parse_error(json);
		_cleanup_free_ char *want = xasprintf(
		    "config.json: .ociVersion: unsupported version \"%s\", expected 1.x", bad[i]);
		is_str(msg, want, "ociVersion rejected");
	}
}

static void test_u64_exact(void)
{
	const char *json =
	    MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": "
	             "[{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615, "
	             "\"hard\": 18446744073709551615}, {\"type\": \"RLIMIT_NOFILE\", "
	             "\"soft\": 9007199254740993, \"hard\": 0}]}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);

	ok(s != NULL, "u64 max parses");
	if (!s)
		return;
	ok(s->process->n_rlimits == 2, "two rlimits");
	ok(s->process->rlimits[0].soft == UINT64_MAX, "18446744073709551615 exact");
	ok(s->process->rlimits[1].soft == 9007199254740993ULL, "2^53+1 exact (not via double)");
}

static void test_signed_ranges(void)
{
	const char *json =
	    MIN_HEAD "\"linux\": {\"resources\": {\"memory\": {\"limit\": "
	             "9223372036854775807, \"swap\": -9223372036854775808, "
	             "\"kernel\": -0, \"swappiness\": 0}, \"pids\": {\"limit\": -1}}}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);
	struct spec_resources *r = s && s->linux_ ? s->linux_->resources : NULL;

	ok(r != NULL, "int64 extremes parse");
	if (!r)
		return;
	ok(r->memory->limit.set && r->memory->limit.value == INT64_MAX, "int64 max");
	ok(r->memory->swap.value == INT64_MIN, "int64 min");
	ok(r->memory->kernel.set && r->memory->kernel.value == 0, "-0 is 0");
	ok(r->memory->swappiness.set && r->memory->swappiness.value == 0, "swappiness 0 is set");
	ok(!r->memory->reservation.set, "absent optional int is unset");
	ok(!r->memory->disableOOMKiller.set, "absent optional bool is unset");
	ok(r->has_pids && r->pids_limit.set && r->pids_limit.value == -1, "pids.limit -1");
}

static void test_maps(void)
{
	const char *json =
	    MIN_HEAD "\"annotations\": {\"com.example.a\": \"1\", \"b\": \"\", \"com.example.a\": "
	             "\"2\"}, \"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\", "
	             "\"kernel.shmmax\": \"4096\"}, \"resources\": {\"unified\": {\"io.max\": "
	             "\"8:0 rbps=1\"}, \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}, "
	             "\"netDevices\": {\"eth0\": {\"name\": \"ceth0\"}, \"eth1\": {}}, "
	             "\"timeOffsets\": {\"boottime\": {\"secs\": -5, \"nanosecs\": 7}}}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);

	ok(s != NULL, "maps parse");
	if (!s)
		return;
	ok(s->n_annotations == 2, "duplicate annotation key kept once");
	is_str(annotation(s, "com.example.a"), "2", "last duplicate wins");
	is_str(annotation(s, "b"), "", "empty annotation value");
	ok(annotation(s, "nope") == NULL, "missing annotation is NULL");
	ok(s->linux_->n_sysctl == 2, "two sysctls");
	is_str(s->linux_->sysctl[1].key, "kernel.shmmax", "sysctl order kept");
	is_str(s->linux_->sysctl[1].value, "4096", "sysctl value");
	is_str(s->linux_->resources->unified[0].value, "8:0 rbps=1", "unified value");
	is_str(s->linux_->resources->rdma[0].device, "mlx5_1", "rdma key");
	ok(s->linux_->resources->rdma[0].hcaHandles.value == 3, "rdma hcaHandles");
	ok(!s->linux_->resources->rdma[0].hcaObjects.set, "rdma hcaObjects unset");
	is_str(s->linux_->netDevices[0].name, "ceth0", "netDevices name");
	ok(s->linux_->netDevices[1].name == NULL, "netDevices without name");
	is_str(s->linux_->timeOffsets[0].clock, "boottime", "timeOffsets key");
	ok(s->linux_->timeOffsets[0].secs == -5 && s->linux_->timeOffsets[0].nanosecs == 7,
	   "timeOffsets values");
}

static void test_process_fields(void)
{
	const char *json =
	    MIN_HEAD "\"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 25, "
	             "\"width\": 80}, \"user\": {\"uid\": 1, \"gid\": 2, \"umask\": 63, "
	             "\"additionalGids\": [5, 4294967295]}, \"cwd\": \"/\", \"args\": [\"sh\"], "
	             "\"capabilities\": {\"bounding\": []}, \"oomScoreAdj\": -1000, "
	             "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 7}, "
	             "\"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 10}, "
	             "\"execCPUAffinity\": {\"final\": \"0-3,7\"}}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);
	struct spec_process *p = s ? s->process : NULL;

	ok(p != NULL, "process parses");
	if (!p)
		return;
	ok(p->terminal && p->has_consoleSize && p->consoleSize.width == 80, "consoleSize");
	ok(p->user.uid == 1 && p->user.gid == 2, "uid/gid");
	ok(p->user.umask.set && p->user.umask.value == 63, "umask");
	ok(p->user.n_additionalGids == 2 && p->user.additionalGids[1] == UINT32_MAX,
	   "additionalGids");
	ok(p->capabilities->bounding && p->capabilities->bounding[0] == NULL,
	   "empty capability set is non-NULL and empty");
	ok(p->capabilities->effective == NULL, "absent capability set is NULL");
	ok(p->oomScoreAdj.set && p->oomScoreAdj.value == -1000, "oomScoreAdj");
	ok(p->ioPriority->class_ == IOPRIO_CLASS_BE, "ioPriority.class");
	ok(p->scheduler->priority == 10, "scheduler.priority");
	is_str(p->execCPUAffinity->final, "0-3,7", "execCPUAffinity.final");
}

static void test_linux_fields(void)
{
	const char *json =
	    MIN_HEAD "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", "
	             "\"path\": \"/run/netns/x\"}], \"devices\": [{\"type\": \"p\", \"path\": "
	             "\"/dev/fifo\"}], \"hooks-not-here\": 1, \"seccomp\": {\"defaultAction\": "
	             "\"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": [{\"names\": "
	             "[\"x\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, "
	             "\"value\": 18446744073709551615, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}}, "
	             "\"hooks\": {\"poststop\": [{\"path\": \"/bin/x\", \"timeout\": 3}]}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);

	ok(s != NULL, "linux parses");
	if (!s)
		return;
	ok(spec_find_namespace(s, SPEC_NS_PID) && !spec_find_namespace(s, SPEC_NS_USER),
	   "spec_find_namespace");
	is_str(spec_find_namespace(s, SPEC_NS_NETWORK)->path, "/run/netns/x", "namespace path");
	ok(s->linux_->n_devices == 1, "fifo device needs no major/minor");
	ok(s->linux_->seccomp->defaultErrnoRet.value == 38, "defaultErrnoRet");
	ok(s->linux_->seccomp->syscalls[0].args[0].value == UINT64_MAX, "seccomp arg value u64");
	ok(s->hooks->poststop.n == 1 && s->hooks->poststop.hooks[0].timeout.value == 3,
	   "hooks.poststop");
	ok(s->hooks->prestart.n == 0, "absent hook list is empty");
}

static void test_errors(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"{", NULL},
	    {"{\"ociVersion\": \"1.0.0\", \"process\": {\"cwd\": \"/\", \"rlimits\": [{}, "
	     "{\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": \"1\"}]}}",
	     "config.json: .process.rlimits[0].type: required field is missing"},
	    {"{\"ociVersion\": \"1.0.0\", \"process\": {\"cwd\": \"/\", \"rlimits\": "
	     "[{\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": \"1\"}]}}",
	     "config.json: .process.rlimits[0].hard: expected unsigned integer, got string"},
	    {"{\"ociVersion\": \"1.0.0\", \"annotations\": {\"a\\\"b\": 1}}",
	     "config.json: .annotations[\"a\\\"b\"]: expected string, got number"},
	    {"{\"ociVersion\": \"1.0.0\", \"linux\": {\"resources\": {\"cpu\": {\"shares\": "
	     "-2}}}}",
	     "config.json: .linux.resources.cpu.shares: expected unsigned integer, got -2"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *msg = parse_error(cases[i].json);
		if (!cases[i].msg)
			ok(msg && str_has_prefix(msg, "config.json: invalid JSON: "),
			   "syntax error reported: %s", msg ? msg : "(none)");
		else
			is_str(msg, cases[i].msg, cases[i].msg);
	}
}

static void test_nesting(void)
{
	size_t depth = 1001;
	char *json = xmalloc(2 * depth + 64);
	char *p = json + sprintf(json, "{\"ociVersion\": \"1.0.0\", \"x\": ");
	_cleanup_free_ char *msg = NULL;

	/* 1000 levels (the object plus 999 arrays) are fine, 1001 are not */
	memset(p, '[', depth - 2);
	memset(p + depth - 2, ']', depth - 2);
	strcpy(p + 2 * (depth - 2), "}");
	msg = parse_error(json);
	ok(msg == NULL, "1000 levels of nesting accepted");
	free(msg);
	memset(p, '[', depth - 1);
	memset(p + depth - 1, ']', depth - 1);
	strcpy(p + 2 * (depth - 1), "}");
	msg = parse_error(json);
	is_str(msg, "config.json: invalid JSON: nesting deeper than 1000 levels",
	       "deep nesting rejected before yajl recurses");
	free(json);
}

static void test_duplicate_map_keys(void)
{
	const char *json = MIN_HEAD "\"linux\": {\"netDevices\": {\"b\": {\"name\": \"1\"}, "
	                            "\"a\": {}, \"b\": {\"name\": \"2\"}, \"c\": {}, \"a\": "
	                            "{\"name\": \"3\"}}}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);
	struct spec_linux *l = s ? s->linux_ : NULL;

	ok(l && l->n_netDevices == 3, "duplicate map keys collapse");
	if (!l || l->n_netDevices != 3)
		return;
	is_str(l->netDevices[0].hostName, "b", "order of last occurrences kept (b)");
	is_str(l->netDevices[0].name, "2", "last b wins");
	is_str(l->netDevices[1].hostName, "c", "order of last occurrences kept (c)");
	is_str(l->netDevices[2].name, "3", "last a wins");
}

static void test_standalone(void)
{
	const char *proc = "{\"cwd\": \"/\", \"args\": [\"ls\"], \"user\": {\"uid\": -1}}";
	const char *res = "{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": 10}}";
	_cleanup_error_ struct hutch_error *err = NULL;
	struct spec_process *p = spec_parse_process("process.json", proc, strlen(proc), &err);
	struct spec_resources *r;

	ok(p == NULL, "bad process rejected");
	is_str(err ? err->msg : NULL,
	       "process.json: .user.uid: expected unsigned 32-bit integer, got -1",
	       "process errors are relative to the process object");
	r = spec_parse_resources("resources.json", res, strlen(res), &err);
	ok(r && r->memory->limit.value == 1048576 && r->pids_limit.value == 10,
	   "standalone resources");
	spec_resources_free(r);
}

static void test_default(void)
{
	for (int rootless = 0; rootless <= 1; rootless++) {
		_cleanup_free_ char *text = spec_default_json(rootless);
		_cleanup_error_ struct hutch_error *err = NULL;
		_cleanup_spec_ struct spec *s = spec_parse("config.json", text, strlen(text), &err);

		ok(s && spec_validate(s, &err) == 0, "default spec (rootless=%d) is valid: %s",
		   rootless, err ? err->msg : "ok");
		ok(text[0] == '{' && strstr(text, "\n\t\"ociVersion\": \"1.3.0\""),
		   "tab-indented, ociVersion 1.3.0");
		ok(s && (spec_find_namespace(s, SPEC_NS_USER) != NULL) == rootless,
		   "user namespace only when rootless");
		ok(s && (spec_find_namespace(s, SPEC_NS_NETWORK) != NULL) == !rootless,
		   "network namespace only when not rootless");
	}
}

/* Every kernel name becomes its value at parse time; the linux layer never
 * sees a name. */
static void test_names_become_values(void)
{
	const char *json = MIN_HEAD
	    "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": "
	    "\"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 2}], \"scheduler\": {\"policy\": "
	    "\"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", "
	    "\"SCHED_FLAG_UTIL_CLAMP_MAX\"]}, \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", "
	    "\"priority\": 0}}, \"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", "
	    "\"flags\": [\"MPOL_F_STATIC_NODES\"]}, \"personality\": {\"domain\": "
	    "\"LINUX32\"}, \"seccomp\": {\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", "
	    "\"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"flags\": "
	    "[\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": [\"x\"], \"action\": "
	    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
	    "\"SCMP_CMP_GT\"}]}]}}}";
	_cleanup_spec_ struct spec *s = parse(json, NULL);
	const struct spec_process *p = s ? s->process : NULL;
	const struct spec_seccomp *sc = s ? s->linux_->seccomp : NULL;
	char *msg = NULL;

	if (!ok(p && sc, "kernel names parse"))
		return;
	ok(p->rlimits[0].type == RLIMIT_NOFILE, "rlimit type");
	ok(p->scheduler->policy == SCHED_NORMAL && p->scheduler->n_flags == 2 &&
	       p->scheduler->flags[0] == SCHED_FLAG_RESET_ON_FORK &&
	       p->scheduler->flags[1] == SCHED_FLAG_UTIL_CLAMP_MAX,
	   "scheduler policy and flags");
	ok(p->ioPriority->class_ == IOPRIO_CLASS_IDLE, "I/O priority class");
	ok(s->linux_->memoryPolicy->mode == MPOL_BIND && s->linux_->memoryPolicy->n_flags == 1 &&
	       s->linux_->memoryPolicy->flags[0] == MPOL_F_STATIC_NODES,
	   "memory policy mode and flags");
	ok(s->linux_->personality->domain == PER_LINUX32, "personality domain");
	ok(sc->defaultAction == SECCOMP_RET_KILL_PROCESS &&
	       sc->syscalls[0].action == SCMP_ACT_ERRNO(0),
	   "seccomp actions are the kernel's values");
	ok(sc->n_architectures == 2 && sc->architectures[0] == AUDIT_ARCH_I386 &&
	       sc->architectures[1] == SCMP_ARCH_X32,
	   "seccomp architectures are libseccomp's tokens");
	ok(sc->n_flags == 1 && sc->flags[0] == SECCOMP_FILTER_FLAG_LOG, "seccomp flags");
	ok(sc->syscalls[0].args[0].op == SCMP_CMP_GT, "seccomp operator");

	ok(!parse(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"scheduler\": {\"policy\": "
	                   "\"SCHED_RR\", \"flags\": [\"SCHED_FLAG_RECLAIM\", \"RECLAIM\"]}}}",
	          &msg),
	   "an unknown name is a parse error");
	is_str(msg, "config.json: .process.scheduler.flags[1]: unknown scheduler flag \"RECLAIM\"",
	       "naming the element and the table");
	free(msg);
	ok(!parse(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"scheduler\": {\"policy\": 1}}}", &msg),
	   "a name that is not a string");
	is_str(msg, "config.json: .process.scheduler.policy: expected string, got number",
	       "type message");
	free(msg);
}

/* Each table: unique names, and every value names itself back. */
static void test_name_tables(void)
{
	const struct spec_names *tables[] = {
	    &spec_rlimits,       &spec_sched_policies, &spec_sched_flags,   &spec_ioprio_classes,
	    &spec_mpol_modes,    &spec_mpol_flags,     &spec_personalities, &spec_seccomp_actions,
	    &spec_seccomp_archs, &spec_seccomp_flags,  &spec_seccomp_ops,
	};

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		bool good = tables[t]->n > 0;

		for (size_t i = 0; i < tables[t]->n; i++) {
			const struct spec_name *r = &tables[t]->v[i];

			good =
			    good && spec_name_find(tables[t], r->name) == r &&
			    spec_name_find(tables[t], spec_name_of(tables[t], r->value))->value ==
			        r->value;
		}
		ok(good, "the %s table: unique names, values name themselves", tables[t]->what);
	}
	ok(spec_rlimits.n == 16 && spec_seccomp_archs.n == 23,
	   "rlimits (16) and archs (23) complete");
	is_str(spec_name_of(&spec_seccomp_actions, SCMP_ACT_KILL_THREAD), "SCMP_ACT_KILL",
	       "one value, two names: the first");
	is_str(spec_name_of(&spec_rlimits, 999), "?", "an unknown value");
}

static void test_ns_names(void)
{
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		ok(spec_ns_type_from_name(spec_ns_type_name(t)) == t, "ns name round trip %s",
		   spec_ns_type_name(t));
	ok(spec_ns_type_from_name("net") == -1, "\"net\" is not a namespace type");
}

/* A valid config.json of about `mib` MiB: a large annotations map with 1 KiB
 * values, written to a temporary file (path malloc'd). */
static char *write_big_config(int mib)
{
	char tmpl[] = "/tmp/hutch-bigcfg-XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	char value[1025];

	if (!f)
		return NULL;
	memset(value, 'v', 1024);
	value[1024] = '\0';
	fputs(MIN_HEAD "\"annotations\": {", f);
	for (int i = 0; i < mib * 1024; i++)
		fprintf(f, "%s\"org.example.key.%08d\": \"%s\"", i ? ", " : "", i, value);
	fputs("}}", f);
	fclose(f);
	return xstrdup(tmpl);
}

/* Peak RSS (KiB) of a child that parses path, with spec_load (streaming) or
 * with spec_parse on the whole text read first (as create does); -1 if the
 * parse failed. Forked before anything large is allocated here. */
static long peak_parse_kib(const char *path, bool whole_text)
{
	int p[2];
	long kib = -1;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct hutch_error *e = NULL;
		struct spec *s = NULL;
		struct rusage ru;
		char *text = NULL;
		size_t len = 0;

		if (!whole_text)
			s = spec_load(path, &e);
		else if (fs_read_file_at(AT_FDCWD, path, &text, &len, &e) == 0)
			s = spec_parse("config.json", text, len, &e);
		getrusage(RUSAGE_SELF, &ru);
		kib = s && s->n_annotations == 32 * 1024 ? ru.ru_maxrss : -1;
		if (write(p[1], &kib, sizeof(kib)) != sizeof(kib))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &kib, sizeof(kib)) != sizeof(kib))
		kib = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return kib;
}

static char *write_file(const char *text)
{
	char tmpl[] = "/tmp/hutch-cfg-XXXXXX";
	int fd = mkstemp(tmpl);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? xstrdup(tmpl) : NULL;
}

/* spec_load reads 64 KiB at a time: strings and escapes cut by a read
 * boundary must come out as spec_parse gives them from the whole text. */
static void test_streaming(void)
{
	size_t cap = 400 * 1024, n = 0;
	_cleanup_free_ char *json = xmalloc(cap), *path = NULL, *msg = NULL;
	_cleanup_spec_ struct spec *a = NULL, *b = NULL;
	struct hutch_error *e = NULL;
	bool same;

	n += (size_t)sprintf(json, MIN_HEAD "\"annotations\": {");
	for (int i = 0; n < cap - 4096; i++) { /* values of 5 to 1000 bytes, escapes throughout */
		n += (size_t)sprintf(json + n, "%s\"k%d\": \"", i ? ", " : "", i);
		for (int k = 0; k < i * 37 % 997; k++)
			json[n++] = (char)('a' + k % 26);
		n += (size_t)sprintf(json + n, "\\u00e9\\\"\\n\\\\x\"");
	}
	strcpy(json + n, "}}");
	path = write_file(json);
	a = parse(json, NULL);
	b = path ? spec_load(path, &e) : NULL;
	same = a && b && a->n_annotations == b->n_annotations;
	for (size_t i = 0; same && i < a->n_annotations; i++)
		same = strcmp(a->annotations[i].key, b->annotations[i].key) == 0 &&
		       strcmp(a->annotations[i].value, b->annotations[i].value) == 0;
	ok(same && a->n_annotations > 500, "spec_load = spec_parse over %zu annotations (%s)",
	   a ? a->n_annotations : 0, e ? e->msg : "ok");
	ok(a && a->n_annotations > 1 && strstr(a->annotations[1].value, "\xc3\xa9\"\n\\x"),
	   "escapes decoded");
	herr_freep(&e);
	if (path)
		unlink(path);

	/* a syntax error in a later piece: the message comes from that piece */
	json[n - 200] = '\0';
	free(path);
	path = write_file(json);
	spec_free(spec_load(path, &e));
	ok(e && str_has_prefix(e->msg, "config.json: invalid JSON: parse error: premature EOF"),
	   "truncated file: %s", e ? e->msg : "(parsed)");
	herr_freep(&e);
	unlink(path);
	msg = parse_error("{\"ociVersion\": \"1.0.0\" /* a comment */, \"hostname\": \"h\"}");
	ok(msg == NULL, "comments are accepted, as before: %s", msg ? msg : "ok");
}

/* Memory: a config.json's strings are taken over from the parse tree, not
 * copied, and spec_load never holds the whole text. */
static void test_parse_memory(void)
{
	_cleanup_free_ char *path = write_big_config(32);
	struct stat st;
	long size_kib, load, whole;

	ok(path != NULL && stat(path, &st) == 0, "write a 32 MiB config.json");
	if (!path)
		return;
	size_kib = (long)(st.st_size / 1024);
	load = peak_parse_kib(path, false);
	whole = peak_parse_kib(path, true);
	unlink(path);
	ok(load > 0 && load <= size_kib * 13 / 10, "spec_load peaks at %ld KiB (<= 1.3 x %ld)",
	   load, size_kib);
	ok(whole > 0 && whole <= size_kib * 23 / 10,
	   "read + spec_parse peaks at %ld KiB (<= 2.3 x %ld: the text and the spec)", whole,
	   size_kib);
}

int main(void)
{
	test_minimal_and_unknown_keys();
	test_versions();
	test_u64_exact();
	test_signed_ranges();
	test_maps();
	test_process_fields();
	test_linux_fields();
	test_errors();
	test_nesting();
	test_duplicate_map_keys();
	test_standalone();
	test_default();
	test_ns_names();
	test_names_become_values();
	test_name_tables();
	test_streaming();
	test_parse_memory();
	return done_testing();
}
