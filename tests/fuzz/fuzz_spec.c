/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the config.json parser and validator, and for the
 * standalone process/resources parsers that take the same input. */
#include "spec/spec.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hutch_error *err = NULL;
	const char *text = (const char *)data;
	struct spec *s = spec_parse("config.json", text, size, &err);
	struct spec_process *p;
	struct spec_resources *r;

	if (s) {
		spec_validate(s, &err);
		spec_free(s);
	}
	herr_free(err);
	err = NULL;

	p = spec_parse_process("process.json", text, size, &err);
	if (p) {
		spec_validate_process(p, "process.json", &err);
		spec_process_free(p);
	}
	herr_free(err);
	err = NULL;

	r = spec_parse_resources("resources.json", text, size, &err);
	if (r) {
		spec_validate_resources(r, "resources.json", &err);
		spec_resources_free(r);
	}
	herr_free(err);
	return 0;
}
