/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Linux mount option table of the runtime-spec (config.md "Mounts",
 * config-linux.md "Mount Options") and its parser. */
#include "linux/mount.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* --- The option table ---------------------------------------------------- */

enum opt_kind {
	OPT_SET,      /* MS_* flag to set */
	OPT_CLEAR,    /* MS_* flag to clear */
	OPT_PROP,     /* propagation change, applied after the mount */
	OPT_REC_SET,  /* MOUNT_ATTR_* to set recursively */
	OPT_REC_CLR,  /* MOUNT_ATTR_* to clear recursively */
	OPT_REC_TIME, /* recursive atime mode (an enum in mount_setattr, not bits) */
	OPT_COPYUP,
	OPT_IDMAP,
	OPT_RIDMAP,
};

static const struct mount_option {
	const char *name;
	enum opt_kind kind;
	unsigned long flag;
} mount_options[] = {
    {"defaults", OPT_SET, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"noatime", OPT_SET, MS_NOATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"bind", OPT_SET, MS_BIND},
    {"rbind", OPT_SET, MS_BIND | MS_REC},
    {"shared", OPT_PROP, MS_SHARED},
    {"rshared", OPT_PROP, MS_SHARED | MS_REC},
    {"slave", OPT_PROP, MS_SLAVE},
    {"rslave", OPT_PROP, MS_SLAVE | MS_REC},
    {"private", OPT_PROP, MS_PRIVATE},
    {"rprivate", OPT_PROP, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROP, MS_UNBINDABLE},
    {"runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_REC_CLR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_REC_CLR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_REC_CLR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_REC_CLR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_REC_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    /* mount_setattr(2): the atime setting is a value under MOUNT_ATTR__ATIME;
     * "no<x>" falls back to the kernel default, relatime, except norelatime
     * which (as in mount(8)) means full atime updates. */
    {"rnoatime", OPT_REC_TIME, MOUNT_ATTR_NOATIME},
    {"ratime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"tmpcopyup", OPT_COPYUP, 0},
    {"idmap", OPT_IDMAP, 0},
    {"ridmap", OPT_RIDMAP, 0},
};

#define N_MOUNT_OPTIONS (sizeof(mount_options) / sizeof(mount_options[0]))

const char *const *mount_known_options(void)
{
	static const char *names[N_MOUNT_OPTIONS + 1];

	if (!names[0])
		for (size_t i = 0; i < N_MOUNT_OPTIONS; i++)
			names[i] = mount_options[i].name;
	return names;
}

static const struct mount_option *option_find(const char *name)
{
	for (size_t i = 0; i < N_MOUNT_OPTIONS; i++)
		if (strcmp(mount_options[i].name, name) == 0)
			return &mount_options[i];
	return NULL;
}

static void data_append(char **data, const char *s)
{
	char *n = *data ? xasprintf("%s,%s", *data, s) : xstrdup(s);

	free(*data);
	*data = n;
}

static void option_apply(struct mount_opts *o, const struct mount_option *mo)
{
	switch (mo->kind) {
	case OPT_SET:
		o->flags |= mo->flag;
		o->clear &= ~mo->flag;
		break;
	case OPT_CLEAR:
		o->flags &= ~mo->flag;
		o->clear |= mo->flag;
		break;
	case OPT_PROP:
		o->propagation =
		    xrealloc(o->propagation, (o->n_propagation + 1) * sizeof(*o->propagation));
		o->propagation[o->n_propagation++] = mo->flag;
		break;
	case OPT_REC_SET:
		o->rec_set |= mo->flag;
		o->rec_clr &= ~mo->flag;
		break;
	case OPT_REC_CLR:
		o->rec_clr |= mo->flag;
		o->rec_set &= ~mo->flag;
		break;
	case OPT_REC_TIME:
		o->rec_clr |= MOUNT_ATTR__ATIME;
		o->rec_set = (o->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | mo->flag;
		break;
	case OPT_COPYUP:
		o->tmpcopyup = true;
		break;
	case OPT_IDMAP:
		o->idmap = true;
		break;
	case OPT_RIDMAP:
		o->idmap = o->idmap_recursive = true;
		break;
	}
}

int mount_parse_options(char *const *options, struct mount_opts *ret, struct hutch_error **err)
{
	memset(ret, 0, sizeof(*ret));
	strv_foreach (opt, options) {
		const struct mount_option *mo = option_find(*opt);

		if (mo)
			option_apply(ret, mo);
		else if (**opt)
			data_append(&ret->data, *opt);
	}
	return 0;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->propagation);
	free(o->data);
	memset(o, 0, sizeof(*o));
}
