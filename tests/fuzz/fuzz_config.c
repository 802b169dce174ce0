/* fuzz_config.c: libFuzzer target for config_load: any bytes in a config file load or fail
 * with an error that names the file, never crash, leak or hang. */
#include "config.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("in", data, size);
	struct pl_err err = PL_ERR_INIT;
	struct config *c = config_load(path, &err);

	if (!c && !err.msg[0])
		abort(); /* a failure always says why */
	if (c && (!c->n_vendors || !c->vendors[0].id || !c->state_dir))
		abort();
	config_free(c);
	return 0;
}
