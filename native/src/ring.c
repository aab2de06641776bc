/*
 * The shared-memory region used as a ring, docs/wire-format.md §4, as the spec stands after issue 12 item 1 (the ring
 * always makes progress). Every rule of the ring is here and nowhere else, so that a change of the spec changes only
 * this file:
 *
 *  - the ring size R is the region size rounded down to a multiple of 64;
 *  - the first payload starts at position 0; each later one at the first multiple of 64 at or after the end of the
 *    previous one, or at the next multiple of R when it would not fit before the end of the ring;
 *  - a payload ending at e may be placed if e - P <= R, or if P == E (the client holds nothing), where P is the last
 *    RELEASE and E the end of the last payload placed;
 *  - a RELEASE below P or beyond E is a protocol error;
 *  - the client recovers a payload's position as the first position at or after the previous payload's end whose
 *    remainder modulo R is its offset, and sends RELEASE of that end; early (before it waits) when a quarter of the
 *    region was handed out since its last RELEASE.
 */
#include "internal.h"

uint64_t pipc_ring_size(uint64_t region_size) { return region_size & ~(uint64_t)(PIPC_RING_ALIGNMENT - 1); }

void pipc_ring_init(pipc_ring *ring, uint64_t region_size) {
    ring->size = pipc_ring_size(region_size);
    ring->head = 0;
    ring->last_end = 0;
    ring->released = 0;
}

int64_t pipc_ring_place(pipc_ring *ring, uint64_t length) {
    if (ring->size == 0 || length > ring->size) {
        return -1;
    }
    uint64_t offset = ring->head % ring->size;
    uint64_t start = offset + length <= ring->size ? ring->head : ring->head + (ring->size - offset);
    uint64_t end = start + length;
    if (end - ring->released > ring->size && ring->released != ring->last_end) {
        return -1;
    }
    ring->last_end = end;
    ring->head = (end + PIPC_RING_ALIGNMENT - 1) & ~(uint64_t)(PIPC_RING_ALIGNMENT - 1);
    return (int64_t)(start % ring->size);
}

int pipc_ring_release(pipc_ring *ring, uint64_t position, pipc_error *err) {
    if (position < ring->released || position > ring->last_end) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "RELEASE position=%llu is outside [%llu, %llu]; the client's bookkeeping of the shared region "
                         "is corrupt",
                         (unsigned long long)position, (unsigned long long)ring->released,
                         (unsigned long long)ring->last_end);
    }
    ring->released = position;
    return 0;
}

uint64_t pipc_ring_position_of(uint64_t offset, uint64_t previous_end, uint64_t ring_size) {
    /* previous_end + floorMod(offset - previous_end, R), in unsigned arithmetic (offset <= R was checked). */
    offset %= ring_size;
    uint64_t mod = previous_end % ring_size;
    uint64_t ahead = offset >= mod ? offset - mod : ring_size - (mod - offset);
    return previous_end + ahead;
}

int pipc_ring_release_due(const pipc_client_region *region, int quarter_only) {
    if (region->map == NULL) {
        return 0;
    }
    uint64_t unreleased = region->end - region->released;
    return unreleased > 0 && (!quarter_only || unreleased >= region->size / 4);
}
