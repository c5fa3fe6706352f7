/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch entry point (placeholder). */
#include "config.h"
#include <stdio.h>

int main(void)
{
	printf("hutch version %s\n", HUTCH_VERSION);
	return 0;
}
