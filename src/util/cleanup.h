/* SPDX-License-Identifier: GPL-2.0-or-later */
/* __attribute__((cleanup)) helpers and ownership transfer (steal_ptr/steal_fd). */
#ifndef HUTCH_UTIL_CLEANUP_H
#define HUTCH_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

/* errno-preserving close, so a cleanup never clobbers the error being reported */
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}

void strv_free(char **strv);
static inline void cleanup_strvp(char ***p)
{
	strv_free(*p);
}

#define _cleanup_free_     __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_    __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_   __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_strv_     __attribute__((cleanup(cleanup_strvp)))

/* Take ownership out of a cleanup variable. */
#define steal_ptr(pp)                                                                              \
	({                                                                                         \
		__typeof__(*(pp)) steal_tmp_ = *(pp);                                              \
		*(pp) = NULL;                                                                      \
		steal_tmp_;                                                                        \
	})

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#endif
