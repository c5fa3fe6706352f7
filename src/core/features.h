/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI features document (runtime-spec features.md, features-linux.md):
 * exactly what this build implements. */
#ifndef HUTCH_CORE_FEATURES_H
#define HUTCH_CORE_FEATURES_H

/* The document as pretty-printed JSON. Caller frees. */
char *features_json(void);

#endif
