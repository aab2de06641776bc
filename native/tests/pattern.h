/* The deterministic packets the interop tests send and check; PayloadPattern.java computes the same. */
#ifndef PIPC_TEST_PATTERN_H
#define PIPC_TEST_PATTERN_H

#include <stdint.h>

static inline uint64_t pattern_mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/** Fills out[0..length) with packet index's bytes. */
static inline void pattern_fill(uint8_t *out, uint64_t seed, uint64_t index, uint32_t length) {
    uint64_t base = seed * 0x100000001B3ull ^ (index << 32);
    for (uint32_t j = 0; j < length; j += 8) {
        uint64_t v = pattern_mix(base ^ (j / 8));
        for (uint32_t k = 0; k < 8 && j + k < length; k++) {
            out[j + k] = (uint8_t)(v >> (8 * k));
        }
    }
}

/** Packet index's timestamp: large positive for even indexes, negative for odd ones. */
static inline int64_t pattern_timestamp(uint64_t index) {
    return index % 2 == 0 ? 1700000000000000000ll + (int64_t)index : -(int64_t)index - 1;
}

#endif
