/* rng.h: the one deterministic generator (xoshiro256** seeded through splitmix64) shared by
 * the statistics, the simulator and the runner's jitter. */
#ifndef PL_RNG_H
#define PL_RNG_H

#include "pl.h"

/* The same seed gives the same sequence on every machine, so permutation tests, simulated
 * vendors and benchmarks are reproducible; tests pin the exact sequences, so never change
 * the arithmetic. The state is a plain value: seed it before use, copy it freely. */
struct rng {
	uint64_t s[4];
};

/* splitmix64: advances *state and returns the next output. Small and seedable on its own
 * (the runner's jitter uses it directly); also what rng_seed() expands a seed with. */
uint64_t rng_splitmix64(uint64_t *state);

/* Hashes two words into one (splitmix64 of a ^ b * odd constant): derives seeds from ids. */
uint64_t rng_mix(uint64_t a, uint64_t b);

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
double rng_unit(struct rng *r); /* uniform in [0, 1), 53 bits */
/* Uniform in [0, n) by rejection sampling (no modulo bias); n > 0. */
size_t rng_below(struct rng *r, size_t n);

#endif
