/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/mount.c's option parser (no mounts are made). */
#include "tap.h"
#include "linux/mount.h"

#include <sys/mount.h>

/* string literals as char *: the options vector is char ** in struct spec */
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

static void parse(struct mount_opts *o, char **opts)
{
	struct hutch_error *err = NULL;

	ok(mount_parse_options(opts, o, &err) == 0, "parse");
	herr_freep(&err);
}

static void test_flags(void)
{
	struct mount_opts o;
	char *v[] = {"nosuid",      "nodev",    "noexec",      "ro",          "rw",       "ro",
	             "strictatime", "mode=755", "size=65536k", "dirsync",     "sync",     "async",
	             "lazytime",    "iversion", "silent",      "nosymfollow", "defaults", NULL};

	parse(&o, v);
	ok(o.flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_STRICTATIME | MS_DIRSYNC |
	               MS_LAZYTIME | MS_I_VERSION | MS_SILENT | MS_NOSYMFOLLOW),
	   "flags: %#lx", o.flags);
	ok(o.clear == MS_SYNCHRONOUS, "async clears sync (clear %#lx)", o.clear);
	is_str(o.data, "mode=755,size=65536k", "unknown options joined into data");
	ok(!mount_opts_is_bind(&o), "not a bind");
	mount_opts_free(&o);
}

static void test_clears(void)
{
	struct mount_opts o;
	char *v[] = {"ro",         "rw",       "suid",       "dev",           "exec",
	             "atime",      "diratime", "norelatime", "nostrictatime", "nolazytime",
	             "noiversion", "loud",     "symfollow",  "nomand",        NULL};

	parse(&o, v);
	ok(o.flags == 0, "every clearing option leaves no flag (%#lx)", o.flags);
	ok(o.clear == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
	               MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME | MS_I_VERSION | MS_SILENT |
	               MS_NOSYMFOLLOW | MS_MANDLOCK),
	   "clear mask %#lx", o.clear);
	ok(o.data == NULL, "no data");
	mount_opts_free(&o);
}

static void test_bind_prop(void)
{
	struct mount_opts o;
	char *v[] = {"rbind",   "rprivate", "slave",      "shared",  "rshared", "runbindable",
	             "private", "rslave",   "unbindable", "remount", "mand",    NULL};
	unsigned long want[] = {
	    MS_PRIVATE | MS_REC,    MS_SLAVE,   MS_SHARED,         MS_SHARED | MS_REC,
	    MS_UNBINDABLE | MS_REC, MS_PRIVATE, MS_SLAVE | MS_REC, MS_UNBINDABLE};
	bool same = true;

	parse(&o, v);
	ok(mount_opts_is_bind(&o) && (o.flags & MS_REC), "rbind is MS_BIND|MS_REC");
	ok(o.flags == (MS_BIND | MS_REC | MS_REMOUNT | MS_MANDLOCK), "remount, mand (%#lx)",
	   o.flags);
	ok(o.n_propagation == 8, "propagation kept in order");
	for (size_t i = 0; i < o.n_propagation && i < 8; i++)
		same = same && o.propagation[i] == want[i];
	ok(same, "propagation values");
	mount_opts_free(&o);

	char *b[] = {"bind", NULL};
	parse(&o, b);
	ok(o.flags == MS_BIND, "bind alone is MS_BIND");
	mount_opts_free(&o);
}

static void test_recursive(void)
{
	struct mount_opts o;
	char *v[] = {"rro",         "rnosuid",      "rnodev",   "rnoexec",
	             "rnodiratime", "rnosymfollow", "rnoatime", NULL};

	parse(&o, v);
	ok(o.rec_set ==
	       (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
	        MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NOATIME),
	   "recursive set %#llx", (unsigned long long)o.rec_set);
	ok(o.rec_clr == MOUNT_ATTR__ATIME, "atime change clears the whole atime field");
	ok(o.flags == 0 && o.data == NULL, "recursive options stay out of flags and data");
	mount_opts_free(&o);

	char *c[] = {"rro",       "rrw",        "rsuid",        "rdev",      "rexec",
	             "rdiratime", "rsymfollow", "rstrictatime", "rrelatime", NULL};
	parse(&o, c);
	ok(o.rec_set == MOUNT_ATTR_RELATIME, "rrw undoes rro; rrelatime last wins");
	ok(o.rec_clr ==
	       (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
	        MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR__ATIME),
	   "recursive clear %#llx", (unsigned long long)o.rec_clr);
	mount_opts_free(&o);

	char *t[] = {"ratime", "rnorelatime", NULL};
	parse(&o, t);
	ok(o.rec_set == MOUNT_ATTR_STRICTATIME, "rnorelatime means strictatime");
	mount_opts_free(&o);
	char *u[] = {"rnostrictatime", NULL};
	parse(&o, u);
	ok(o.rec_set == MOUNT_ATTR_RELATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	   "rnostrictatime means relatime");
	mount_opts_free(&o);
}

static void test_extensions(void)
{
	struct mount_opts o;
	char *v[] = {"tmpcopyup", "idmap", "", "context=\"a,b\"", NULL};

	parse(&o, v);
	ok(o.tmpcopyup && o.idmap && !o.idmap_recursive, "tmpcopyup and idmap recognised");
	is_str(o.data, "context=\"a,b\"", "empty option ignored, custom passed through");
	mount_opts_free(&o);
	char *r[] = {"ridmap", NULL};
	parse(&o, r);
	ok(o.idmap && o.idmap_recursive, "ridmap is a recursive idmap");
	mount_opts_free(&o);
	parse(&o, NULL);
	ok(o.flags == 0 && o.data == NULL && o.n_propagation == 0, "no options");
	mount_opts_free(&o);
}

static void test_known(void)
{
	const char *const *names = mount_known_options();
	size_t n = 0;
	bool all_parse = true;

	for (; names[n]; n++) {
		struct mount_opts o;
		char *v[] = {(char *)names[n], NULL};
		mount_parse_options(v, &o, NULL);
		all_parse = all_parse && o.data == NULL;
		mount_opts_free(&o);
	}
	ok(n > 60, "known options listed (%zu)", n);
	ok(all_parse, "every known option is recognised by the parser");
	bool has_rro = false, has_idmap = false;
	for (size_t i = 0; i < n; i++) {
		has_rro = has_rro || strcmp(names[i], "rro") == 0;
		has_idmap = has_idmap || strcmp(names[i], "ridmap") == 0;
	}
	ok(has_rro && has_idmap, "rro and ridmap advertised");
}

int main(void)
{
	test_known();
	test_flags();
	test_clears();
	test_bind_prop();
	test_recursive();
	test_extensions();
	return done_testing();
}
