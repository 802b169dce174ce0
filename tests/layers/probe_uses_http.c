/* probe_uses_http.c: a probe-layer file that reaches for the HTTP client. It must not compile:
 * the probes layer exports no transport header (ctest layers/probe_uses_http expects the build
 * of this file to fail with http.h not found). */
#include "probe.h"
#include "http.h"

int main(void)
{
	return http_new(NULL) != NULL;
}
