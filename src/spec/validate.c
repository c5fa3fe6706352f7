/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json -> struct spec (placeholder until the table-driven parser lands). */
#include "spec/spec.h"
