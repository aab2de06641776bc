/*
 * The packet ring (docs/wire-format.md §7): the server produces BATCH records into a ring both processes map, the
 * client reads them in place. Both halves are here, over one layout. Memory ordering, exactly as §7 and the Java
 * PacketRing:
 *
 *  - the producer writes records (and padding) with plain stores, then publishes P with one release store, then a
 *    full fence, then reads the consumer-waiting word: if it is 1 and a CAS 1 -> 0 succeeds, the caller sends WAKE;
 *  - P is read with an acquire load; only then are the records below it read, with plain loads;
 *  - K is published with a release store once the records below it were handed out whole and no view is out; then a
 *    full fence, then the producer-waiting word is read, as above;
 *  - K is read with an acquire load before the producer writes over the bytes below it;
 *  - before sleeping on the stream: 1 into the own waiting word (seq_cst), a full fence, the other's position again.
 *
 * Whatever the peer writes into the ring, nothing here reads or writes outside it: P is checked against K and C, every
 * record header is copied once into a local and checked against the data's end and P before anything else of it is
 * used; K is checked against the producer's last K and last published P before it decides where records go.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

_Static_assert(sizeof(_Atomic int64_t) == 8, "the ring's words are 8 bytes");

static _Atomic int64_t *word(const pipc_packet_ring *ring, uint32_t offset) {
    return (_Atomic int64_t *)(void *)(ring->map + offset);
}

static int corrupt(pipc_error *err, const char *what) {
    return pipc_fail(err, PIPC_ERR_PROTOCOL,
                     "the server's packet ring is corrupt: %s; the server is broken or not a packet-ipc server", what);
}

int pipc_packet_ring_legal_capacity(uint64_t capacity) {
    return capacity >= PIPC_RING_MIN_CAPACITY && capacity <= PIPC_RING_MAX_CAPACITY && (capacity & (capacity - 1)) == 0;
}

int pipc_packet_ring_open(pipc_packet_ring *ring, uint8_t *map, uint64_t size, pipc_error *err) {
    memset(ring, 0, sizeof *ring);
    uint64_t capacity = size - PIPC_RING_HEADER;
    if (size < PIPC_RING_HEADER + (uint64_t)PIPC_RING_MIN_CAPACITY ||
        size > PIPC_RING_HEADER + (uint64_t)PIPC_RING_MAX_CAPACITY || (capacity & (capacity - 1)) != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the RING frame announces %llu bytes: not a %u-byte header plus a power of two from 64 KiB "
                         "to 1 GiB; the server is not a packet-ipc server of a compatible version",
                         (unsigned long long)size, PIPC_RING_HEADER);
    }
    uint8_t header[16];
    pipc_copy_volatile(header, map, sizeof header);
    if (pipc_get32(header + PIPC_RING_MAGIC_OFFSET) != PIPC_RING_MAGIC ||
        pipc_get32(header + PIPC_RING_VERSION_OFFSET) != PIPC_RING_VERSION ||
        pipc_get64(header + PIPC_RING_CAPACITY_OFFSET) != capacity) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the ring's header (magic=0x%08x version=%u capacity=%llu) does not match its RING frame "
                         "(capacity %llu); the server is not a packet-ipc server of a compatible version",
                         pipc_get32(header), pipc_get32(header + 4),
                         (unsigned long long)pipc_get64(header + PIPC_RING_CAPACITY_OFFSET),
                         (unsigned long long)capacity);
    }
    ring->map = map;
    ring->size = size;
    ring->data = map + PIPC_RING_HEADER;
    ring->capacity = (uint32_t)capacity;
    return 0;
}

/** Reads P (acquire) and checks it; returns whether it is past head, or PIPC_ERR_PROTOCOL. */
static int read_producer(pipc_packet_ring *ring, pipc_error *err) {
    int64_t p = atomic_load_explicit(word(ring, PIPC_RING_PRODUCER_OFFSET), memory_order_acquire);
    /* producer_seen >= head >= 0, so p - head cannot overflow once p >= producer_seen */
    if (p < ring->producer_seen || p - ring->head > (int64_t)ring->capacity || (p & (PIPC_ALIGNMENT - 1)) != 0) {
        char what[240];
        snprintf(what, sizeof what, "the producer position=%lld is behind its last value=%lld, more than the "
                                    "capacity=%u ahead of the consumer's=%lld, or not a multiple of 8",
                 (long long)p, (long long)ring->producer_seen, ring->capacity, (long long)ring->head);
        return corrupt(err, what);
    }
    ring->producer_seen = p;
    return p != ring->head;
}

int pipc_packet_ring_next(pipc_packet_ring *ring, uint32_t *index, uint32_t *length, pipc_error *err) {
    for (;;) {
        if (ring->head == ring->producer_seen) {
            int r = read_producer(ring, err);
            if (r <= 0) {
                return r;
            }
        }
        uint32_t at = (uint32_t)((uint64_t)ring->head & (ring->capacity - 1));
        uint64_t to_end = ring->capacity - at; /* >= 8: head and C are multiples of 8 */
        uint64_t published = (uint64_t)(ring->producer_seen - ring->head);
        uint64_t available = published < to_end ? published : to_end;
        uint8_t h[PIPC_HEADER_LENGTH];
        pipc_copy_volatile(h, ring->data + at, sizeof h);
        uint32_t len = pipc_get32(h);
        uint8_t type = h[4];
        if (len < PIPC_HEADER_LENGTH || len > available || len % PIPC_ALIGNMENT != 0 || h[5] != 0 ||
            pipc_get16(h + 6) != 0) {
            char what[240];
            snprintf(what, sizeof what, "record at position=%lld has length=%u (published bytes after it: %llu), "
                                        "or non-zero flags or reserved bits",
                     (long long)ring->head, len, (unsigned long long)available);
            return corrupt(err, what);
        }
        if (type == PIPC_RECORD_PADDING) {
            if (len != to_end) {
                char what[240];
                snprintf(what, sizeof what, "padding record at position=%lld has length=%u, which does not reach the "
                                            "end of the ring",
                         (long long)ring->head, len);
                return corrupt(err, what);
            }
            ring->head += len;
            continue;
        }
        if (type != PIPC_TYPE_BATCH || len < PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER || len > ring->capacity / 2) {
            char what[240];
            snprintf(what, sizeof what, "record at position=%lld has type=0x%02x length=%u; only BATCH records of "
                                        "at least 16 and at most %u bytes and padding may be in the ring",
                     (long long)ring->head, type, len, ring->capacity / 2);
            return corrupt(err, what);
        }
        *index = at;
        *length = len;
        return 1;
    }
}

void pipc_packet_ring_consumed(pipc_packet_ring *ring, uint32_t length) { ring->head += length; }

int pipc_packet_ring_publish(pipc_packet_ring *ring) {
    if (ring->head == ring->published) {
        return 0;
    }
    atomic_store_explicit(word(ring, PIPC_RING_CONSUMER_OFFSET), ring->head, memory_order_release);
    ring->published = ring->head;
    atomic_thread_fence(memory_order_seq_cst); /* the store above before the load of the waiting word below */
    _Atomic int64_t *waiting = word(ring, PIPC_RING_PRODUCER_WAITING_OFFSET);
    int64_t expected = 1;
    return atomic_load_explicit(waiting, memory_order_seq_cst) != 0 &&
           atomic_compare_exchange_strong_explicit(waiting, &expected, 0, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

int pipc_packet_ring_prepare_sleep(pipc_packet_ring *ring, pipc_error *err) {
    _Atomic int64_t *waiting = word(ring, PIPC_RING_CONSUMER_WAITING_OFFSET);
    atomic_store_explicit(waiting, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst); /* the store above before the load of P below */
    int r = ring->head != ring->producer_seen ? 1 : read_producer(ring, err);
    if (r != 0) {
        atomic_store_explicit(waiting, 0, memory_order_seq_cst);
        return r < 0 ? r : 0;
    }
    return 1;
}

void pipc_packet_ring_awake(pipc_packet_ring *ring) {
    atomic_store_explicit(word(ring, PIPC_RING_CONSUMER_WAITING_OFFSET), 0, memory_order_seq_cst);
}

int pipc_packet_ring_peek(const pipc_packet_ring *ring) {
    return atomic_load_explicit(word(ring, PIPC_RING_PRODUCER_OFFSET), memory_order_acquire) != ring->head;
}

/* ---- the producer (server) ------------------------------------------------------------------------------------- */

void pipc_packet_ring_create(pipc_packet_ring *ring, uint8_t *map, uint32_t capacity) {
    memset(ring, 0, sizeof *ring);
    pipc_put32(map + PIPC_RING_MAGIC_OFFSET, PIPC_RING_MAGIC);
    pipc_put32(map + PIPC_RING_VERSION_OFFSET, PIPC_RING_VERSION);
    pipc_put64(map + PIPC_RING_CAPACITY_OFFSET, capacity);
    ring->map = map;
    ring->size = PIPC_RING_HEADER + (uint64_t)capacity;
    ring->data = map + PIPC_RING_HEADER;
    ring->capacity = capacity;
    atomic_store_explicit(word(ring, PIPC_RING_PRODUCER_OFFSET), 0, memory_order_seq_cst);
    atomic_store_explicit(word(ring, PIPC_RING_CONSUMER_OFFSET), 0, memory_order_seq_cst);
    atomic_store_explicit(word(ring, PIPC_RING_CONSUMER_WAITING_OFFSET), 0, memory_order_seq_cst);
    atomic_store_explicit(word(ring, PIPC_RING_PRODUCER_WAITING_OFFSET), 0, memory_order_seq_cst);
}

/** Reads K (acquire) and checks it against the last K read and the last P published; 0 or PIPC_ERR_PROTOCOL. */
static int read_consumer(pipc_packet_ring *ring, pipc_error *err) {
    int64_t k = atomic_load_explicit(word(ring, PIPC_RING_CONSUMER_OFFSET), memory_order_acquire);
    if (k < ring->consumer_seen || k > ring->tail_published || (k & (PIPC_ALIGNMENT - 1)) != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the client wrote consumer position=%lld into the packet ring, outside [%lld, %lld] or not a "
                         "multiple of 8; its ring bookkeeping is corrupt (or it is not a packet-ipc client)",
                         (long long)k, (long long)ring->consumer_seen, (long long)ring->tail_published);
    }
    ring->consumer_seen = k;
    return 0;
}

/** The bytes a record of min_length needs at tail: the record, plus the padding to the end if it does not fit there. */
static uint64_t needed(const pipc_packet_ring *ring, uint32_t min_length) {
    uint64_t to_end = ring->capacity - ((uint64_t)ring->tail & (ring->capacity - 1));
    return min_length <= to_end ? min_length : to_end + min_length;
}

/** 1 if a record of min_length fits now (K read again only if the last K seen leaves too little), 0, or an error. */
static int has_room(pipc_packet_ring *ring, uint32_t min_length, pipc_error *err) {
    /* tail - consumer_seen is in [0, C]: K was checked against the published P, which is at most tail */
    uint64_t need = needed(ring, min_length);
    if ((uint64_t)(ring->tail - ring->consumer_seen) + need <= ring->capacity) {
        return 1;
    }
    int r = read_consumer(ring, err);
    if (r < 0) {
        return r;
    }
    return (uint64_t)(ring->tail - ring->consumer_seen) + need <= ring->capacity;
}

int pipc_packet_ring_claim(pipc_packet_ring *ring, uint32_t min_length, uint32_t *index, pipc_error *err) {
    int r = has_room(ring, min_length, err);
    if (r <= 0) {
        return r;
    }
    uint32_t at = (uint32_t)((uint64_t)ring->tail & (ring->capacity - 1));
    uint32_t to_end = ring->capacity - at;
    if (min_length > to_end) {
        pipc_encode_header(ring->data + at, to_end, PIPC_RECORD_PADDING); /* the body is ignored */
        ring->tail += to_end;
        at = 0;
    }
    *index = at;
    return 1;
}

uint32_t pipc_packet_ring_writable(const pipc_packet_ring *ring) {
    uint64_t free_bytes = ring->capacity - (uint64_t)(ring->tail - ring->consumer_seen);
    uint64_t to_end = ring->capacity - ((uint64_t)ring->tail & (ring->capacity - 1));
    return (uint32_t)(free_bytes < to_end ? free_bytes : to_end);
}

void pipc_packet_ring_commit(pipc_packet_ring *ring, uint32_t length) { ring->tail += length; }

int pipc_packet_ring_unpublished(const pipc_packet_ring *ring) { return ring->tail != ring->tail_published; }

int pipc_packet_ring_produce(pipc_packet_ring *ring) {
    if (ring->tail == ring->tail_published) {
        return 0;
    }
    atomic_store_explicit(word(ring, PIPC_RING_PRODUCER_OFFSET), ring->tail, memory_order_release);
    ring->tail_published = ring->tail;
    atomic_thread_fence(memory_order_seq_cst); /* the store above before the load of the waiting word below */
    _Atomic int64_t *waiting = word(ring, PIPC_RING_CONSUMER_WAITING_OFFSET);
    int64_t expected = 1;
    return atomic_load_explicit(waiting, memory_order_seq_cst) != 0 &&
           atomic_compare_exchange_strong_explicit(waiting, &expected, 0, memory_order_seq_cst,
                                                   memory_order_seq_cst);
}

int pipc_packet_ring_prepare_wait(pipc_packet_ring *ring, uint32_t min_length, pipc_error *err) {
    _Atomic int64_t *waiting = word(ring, PIPC_RING_PRODUCER_WAITING_OFFSET);
    atomic_store_explicit(waiting, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst); /* the store above before the load of K below */
    int r = has_room(ring, min_length, err);
    if (r != 0) {
        atomic_store_explicit(waiting, 0, memory_order_seq_cst);
        return r < 0 ? r : 0;
    }
    return 1;
}

void pipc_packet_ring_producer_awake(pipc_packet_ring *ring) {
    atomic_store_explicit(word(ring, PIPC_RING_PRODUCER_WAITING_OFFSET), 0, memory_order_seq_cst);
}
