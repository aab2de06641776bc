/* Internal declarations of libpacketipc: the wire format, the region ring, the socket I/O. Not installed. */
#ifndef PACKETIPC_INTERNAL_H
#define PACKETIPC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "packetipc.h"

/* ---- wire format (docs/wire-format.md) -------------------------------------------------------------------------- */

#define PIPC_HEADER_LENGTH 8u
#define PIPC_ALIGNMENT 8u
#define PIPC_MIN_MAX_FRAME 4096u
/* Java reads the peer's maximum frame size as a signed 32-bit int, so it refuses anything above this. */
#define PIPC_MAX_MAX_FRAME 0x7fffffffu

#define PIPC_TYPE_HELLO 0x01
#define PIPC_TYPE_WELCOME 0x02
#define PIPC_TYPE_REJECT 0x03
#define PIPC_TYPE_BATCH 0x10
#define PIPC_TYPE_END 0x11
#define PIPC_TYPE_CLOSE 0x12
#define PIPC_TYPE_REGION 0x20
#define PIPC_TYPE_RELEASE 0x21
#define PIPC_TYPE_WAKE 0x13
#define PIPC_TYPE_RING 0x22

#define PIPC_MAGIC 0x43504950u
#define PIPC_FLAG_SHARED_MEMORY 1u
#define PIPC_FLAG_RING 2u
#define PIPC_HANDSHAKE_BODY 16u
#define PIPC_REJECT_BODY 8u
#define PIPC_MAX_REJECT_TEXT 1024u
#define PIPC_CLOSE_BODY 8u
#define PIPC_REGION_BODY 16u
#define PIPC_BATCH_HEADER 8u
#define PIPC_ENTRY_HEADER 16u
#define PIPC_SHARED_ENTRY 32u
#define PIPC_KIND_INLINE 0u
#define PIPC_KIND_SHARED 1u

#define PIPC_REASON_NORMAL 0u
#define PIPC_REASON_VERSION 1u
#define PIPC_REASON_PROTOCOL 2u
#define PIPC_REASON_REFUSED 3u

#define PIPC_MAX_REGIONS 16u
/* REGION sizes: at least one ring alignment, at most what Java can map (2^31 - 1). */
#define PIPC_MIN_REGION_SIZE 64u
#define PIPC_MAX_REGION_SIZE 0x7fffffffu

static inline uint16_t pipc_get16(const uint8_t *p) { return (uint16_t)(p[0] | (uint16_t)p[1] << 8); }
static inline uint32_t pipc_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t pipc_get64(const uint8_t *p) { return (uint64_t)pipc_get32(p) | (uint64_t)pipc_get32(p + 4) << 32; }
static inline void pipc_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void pipc_put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void pipc_put64(uint8_t *p, uint64_t v) {
    pipc_put32(p, (uint32_t)v);
    pipc_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t pipc_align8(uint64_t n) { return (n + 7u) & ~(uint64_t)7u; }

/** A pause in a spin loop (the CPU's spin-wait hint, where there is one). */
static inline void pipc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/** Copies n bytes that a peer may change at any time (shared memory) once each, so that the copy is what is checked. */
void pipc_copy_volatile(uint8_t *dst, const uint8_t *src, size_t n);

/** Fills err (if any) with code and a formatted message; returns code. */
int pipc_fail(pipc_error *err, int code, const char *format, ...) __attribute__((format(printf, 3, 4)));
/** As pipc_fail, with ": <strerror(errnum)> (errno N)" appended. */
int pipc_fail_errno(pipc_error *err, int code, int errnum, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/** The smallest legal length of a frame of this type; 0 for an unknown type. */
uint32_t pipc_min_length(uint8_t type);
/** The largest legal length of a frame of this type (fixed-length frames: their length; HELLO, BATCH: no limit). */
uint32_t pipc_max_length(uint8_t type);
/** The frame type's name, for messages. */
const char *pipc_type_name(uint8_t type);

/**
 * Validates the header at p (8 bytes there): a known type, flags and reserved 0, a length at least the type's minimum,
 * at most max_frame and the type's maximum, a multiple of 8. Returns 0 with *length and *type, or PIPC_ERR_PROTOCOL.
 */
int pipc_check_header(const uint8_t *p, uint32_t max_frame, uint32_t *length, uint8_t *type, pipc_error *err);

/* Encoders write whole frames into dst (which has room) and return their length. */
size_t pipc_encode_header(uint8_t *dst, uint32_t length, uint8_t type);
size_t pipc_encode_hello(uint8_t *dst, uint16_t min_version, uint16_t max_version, uint32_t max_frame, uint32_t flags);
size_t pipc_encode_welcome(uint8_t *dst, uint16_t version, uint32_t max_frame);
/** WELCOME with flags (§2: bit 1 turns the packet ring on, §7). */
size_t pipc_encode_welcome_flags(uint8_t *dst, uint16_t version, uint32_t max_frame, uint32_t flags);
/** REJECT: the text is cut to 1024 bytes; dst needs 16 + 1024 bytes. */
size_t pipc_encode_reject(uint8_t *dst, uint32_t reason, const char *text);
size_t pipc_encode_close(uint8_t *dst, uint32_t reason);
size_t pipc_encode_region(uint8_t *dst, uint32_t id, uint32_t handle, uint64_t size);
size_t pipc_encode_release(uint8_t *dst, uint32_t id, uint64_t position);
/** RING (§7): reserved 0, handle, region size. */
size_t pipc_encode_ring(uint8_t *dst, uint32_t handle, uint64_t size);

/** The fields of a HELLO or WELCOME (validated as far as the frame alone allows). */
typedef struct pipc_handshake {
    uint16_t version_a; /* HELLO: lowest version; WELCOME: chosen version */
    uint16_t version_b; /* HELLO: highest version; WELCOME: reserved */
    uint32_t max_frame;
    uint32_t flags;
} pipc_handshake;

/** Reads a HELLO or WELCOME frame (header already checked): magic, maximum frame in [4096, 2^31-1]. */
int pipc_decode_handshake(const uint8_t *frame, pipc_handshake *out, pipc_error *err);
/** Formats a REJECT frame's reason and text (validated; unreadable text is said so) into err as PIPC_ERR_REJECTED. */
int pipc_decode_reject(const uint8_t *frame, uint32_t length, pipc_error *err);

/** A mapped region as the client sees it. */
typedef struct pipc_client_region {
    const uint8_t *map; /* NULL: not announced */
    uint64_t size;      /* announced (and mapped) size */
    uint64_t ring;      /* ring size: size rounded down to 64 */
    uint64_t end;       /* position after the last payload handed out */
    uint64_t released;  /* position of the last RELEASE sent */
} pipc_client_region;

/**
 * Reads the BATCH entry at frame[*cursor] (frame_length bytes in all, header checked): bounds, kind, region and range.
 * Fills out and advances *cursor; for a shared entry also sets *region_id and *offset. Returns 0 or PIPC_ERR_PROTOCOL.
 */
int pipc_decode_entry(const uint8_t *frame, uint32_t frame_length, uint32_t *cursor,
                      const pipc_client_region *regions, pipc_packet *out, int *region_id, uint64_t *offset,
                      pipc_error *err);
/** Checks a BATCH's count against its length and its reserved field; returns 0 or PIPC_ERR_PROTOCOL. */
int pipc_decode_batch_header(const uint8_t *frame, uint32_t frame_length, uint32_t *count, pipc_error *err);

/* ---- the region ring (docs/wire-format.md §4): every rule that may still change is in ring.c -------------------- */

#define PIPC_RING_ALIGNMENT 64u

/** The sender's book of one region. */
typedef struct pipc_ring {
    uint64_t size;     /* ring size R */
    uint64_t head;     /* where the next payload may start (aligned) */
    uint64_t last_end; /* end of the last payload placed (E) */
    uint64_t released; /* the client's last RELEASE (P) */
} pipc_ring;

/** The ring size of a region: rounded down to a multiple of 64. */
uint64_t pipc_ring_size(uint64_t region_size);
void pipc_ring_init(pipc_ring *ring, uint64_t region_size);
/** The offset for a payload of length bytes, or -1 while the client holds bytes it would overlap. */
int64_t pipc_ring_place(pipc_ring *ring, uint64_t length);
/** Takes a RELEASE position: 0, or PIPC_ERR_PROTOCOL if it goes backwards or beyond the last payload's end. */
int pipc_ring_release(pipc_ring *ring, uint64_t position, pipc_error *err);
/** The client's side: the position of a payload at offset, given the end of the previous one. */
uint64_t pipc_ring_position_of(uint64_t offset, uint64_t previous_end, uint64_t ring_size);
/** The client's side: whether a RELEASE is due early (a quarter of the region handed out since the last one). */
int pipc_ring_release_due(const pipc_client_region *region, int quarter_only);

/* ---- the packet ring (docs/wire-format.md §7): both halves, in packet_ring.c ---------------------------------- */

#define PIPC_RING_HEADER 640u
#define PIPC_RING_MAGIC 0x52504950u /* "PIPR" */
#define PIPC_RING_VERSION 1u
#define PIPC_RING_MAGIC_OFFSET 0u
#define PIPC_RING_VERSION_OFFSET 4u
#define PIPC_RING_CAPACITY_OFFSET 8u
#define PIPC_RING_PRODUCER_OFFSET 128u
#define PIPC_RING_CONSUMER_OFFSET 256u
#define PIPC_RING_CONSUMER_WAITING_OFFSET 384u
#define PIPC_RING_PRODUCER_WAITING_OFFSET 512u
#define PIPC_RING_MIN_CAPACITY (64u << 10)
#define PIPC_RING_MAX_CAPACITY (1u << 30)
#define PIPC_RING_DEFAULT_CAPACITY (4u << 20)
#define PIPC_RECORD_PADDING 0x00

/* The ring's words are little-endian u64s read and written as native atomics: only on a little-endian machine. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PIPC_RING_SUPPORTED 1
#else
#define PIPC_RING_SUPPORTED 0
#endif

/**
 * One side's book of a packet ring mapped read-write: the layout (map, size, data, capacity) is shared, the client
 * uses the consumer's fields and the server the producer's. Positions are i64, as Java reads them. The record at head
 * is the one being handed out (or the next one): K may go to head whenever no view of the application is out.
 */
typedef struct pipc_packet_ring {
    uint8_t *map;          /* the whole region: header and data */
    uint64_t size;         /* region size: PIPC_RING_HEADER + capacity */
    uint8_t *data;         /* map + PIPC_RING_HEADER */
    uint32_t capacity;     /* C, a power of two */
    /* consumer (client) */
    int64_t head;          /* the consumer's position: everything before it was handed out whole */
    int64_t published;     /* the K last stored */
    int64_t producer_seen; /* the P last read (and checked) */
    /* producer (server) */
    int64_t tail;          /* the producer's position: everything before it was committed */
    int64_t tail_published; /* the P last stored */
    int64_t consumer_seen; /* the K last read (and checked) */
} pipc_packet_ring;

/** Whether capacity is a legal ring capacity: a power of two from 64 KiB to 1 GiB. */
int pipc_packet_ring_legal_capacity(uint64_t capacity);

/**
 * Checks the ring's header against the RING frame's size (magic, version, capacity = size - 640, a power of two from
 * 64 KiB to 1 GiB) and sets up the book (positions 0). Returns 0 or PIPC_ERR_PROTOCOL.
 */
int pipc_packet_ring_open(pipc_packet_ring *ring, uint8_t *map, uint64_t size, pipc_error *err);
/**
 * The next BATCH record: skips padding (head moves past it), checks the record's header against the ring and P.
 * Returns 1 with its data index and length (head stays at its start until pipc_packet_ring_consumed), 0 if the ring
 * is empty, or PIPC_ERR_PROTOCOL. Every header field is read once, into a local, before it is checked.
 */
int pipc_packet_ring_next(pipc_packet_ring *ring, uint32_t *index, uint32_t *length, pipc_error *err);
/** The record pipc_packet_ring_next returned was handed out whole: head moves past it (K is published later). */
void pipc_packet_ring_consumed(pipc_packet_ring *ring, uint32_t length);
/**
 * Stores K = head with a release store if it moved, then a full fence, then looks at the producer-waiting word.
 * Returns 1 if the producer waits and the caller must send WAKE (the word was taken from 1 to 0 here), else 0.
 */
int pipc_packet_ring_publish(pipc_packet_ring *ring);
/**
 * Before sleeping on the stream: stores 1 into the consumer-waiting word (sequentially consistent), a full fence,
 * then reads P again. Returns 1 if the ring is still empty (sleep; call pipc_packet_ring_awake after), 0 if records
 * came (the word is back to 0), or PIPC_ERR_PROTOCOL for an impossible P.
 */
int pipc_packet_ring_prepare_sleep(pipc_packet_ring *ring, pipc_error *err);
/** After sleeping: the consumer-waiting word back to 0. */
void pipc_packet_ring_awake(pipc_packet_ring *ring);
/** Whether P (read now, acquire) is past head; never fails (a bad P is reported by the next pipc_packet_ring_next). */
int pipc_packet_ring_peek(const pipc_packet_ring *ring);

/*
 * The producer's half (the server). Records are written with plain stores at the index pipc_packet_ring_claim gives,
 * committed, and made visible by pipc_packet_ring_produce (one release store of P). Every K read from the ring is
 * checked: below its last value, above the last published P, or not a multiple of 8 is PIPC_ERR_PROTOCOL.
 */

/**
 * Lays out a fresh ring over map (PIPC_RING_HEADER + capacity zeroed bytes: magic, version, capacity; positions and
 * waiting words 0) and sets up the producer's book.
 */
void pipc_packet_ring_create(pipc_packet_ring *ring, uint8_t *map, uint32_t capacity);
/**
 * Room for a record of at least min_length bytes (a multiple of 8, at most C/2), after a padding record if it does not
 * fit before the end of the data (the padding is written and committed here). Returns 1 with its data index, 0 while
 * the consumer has not freed enough (K is read, acquire, only if the room last seen is too small), or
 * PIPC_ERR_PROTOCOL for an impossible K.
 */
int pipc_packet_ring_claim(pipc_packet_ring *ring, uint32_t min_length, uint32_t *index, pipc_error *err);
/** After a successful claim: the bytes that may be written at its index (to the end of the data or of the room). */
uint32_t pipc_packet_ring_writable(const pipc_packet_ring *ring);
/** A record of length bytes was written at the claimed index: it goes out with the next produce. */
void pipc_packet_ring_commit(pipc_packet_ring *ring, uint32_t length);
/** Whether records were committed that are not published yet. */
int pipc_packet_ring_unpublished(const pipc_packet_ring *ring);
/**
 * Publishes P = tail with a release store if it moved, then a full fence, then looks at the consumer-waiting word.
 * Returns 1 if the consumer sleeps and the caller must send WAKE (the word was taken from 1 to 0 here), else 0.
 */
int pipc_packet_ring_produce(pipc_packet_ring *ring);
/**
 * Before sleeping on the stream for room: stores 1 into the producer-waiting word (sequentially consistent), a full
 * fence, then reads K again. Returns 1 if there is still no room for min_length bytes (sleep; call
 * pipc_packet_ring_producer_awake after), 0 if room came (the word is back to 0), or PIPC_ERR_PROTOCOL for a bad K.
 */
int pipc_packet_ring_prepare_wait(pipc_packet_ring *ring, uint32_t min_length, pipc_error *err);
/** After sleeping (or giving up): the producer-waiting word back to 0. */
void pipc_packet_ring_producer_awake(pipc_packet_ring *ring);

/* ---- time, sockets, descriptors --------------------------------------------------------------------------------- */

/** Milliseconds of CLOCK_MONOTONIC. */
int64_t pipc_now_ms(void);
/** A deadline timeout_ms from now; -1 stays -1 (none). */
int64_t pipc_deadline(int timeout_ms);
/** Milliseconds left until the deadline for poll(2): -1 for none, else >= 0. */
int pipc_left(int64_t deadline);

/**
 * Waits until fd has events (POLLIN or POLLOUT) or the deadline passes. Returns 1 ready, 0 timed out, or
 * PIPC_ERR_SYSTEM.
 */
int pipc_wait(int fd, short events, int64_t deadline, pipc_error *err);

/**
 * Writes all of the buffers to a non-blocking socket (MSG_NOSIGNAL), with attach_fd (if >= 0) as SCM_RIGHTS with the
 * first bytes. Returns 0; PIPC_ERR_TIMEOUT with *written < total when the deadline passed; PIPC_ERR_PEER_GONE
 * (EPIPE, ECONNRESET); PIPC_ERR_SYSTEM.
 */
int pipc_write_all(int fd, const struct iovec *iov, int iovcnt, int attach_fd, int64_t deadline, size_t *written,
                   pipc_error *err);

/** The receive side: one buffer that frames are read into and handed out in place. */
typedef struct pipc_input {
    uint8_t *buf;
    uint32_t cap;
    uint32_t start; /* the current frame */
    uint32_t end;   /* bytes read so far */
    uint32_t max_frame;
    uint64_t base;             /* the stream offset of buf[0]: bytes read before it */
    int fds[PIPC_MAX_REGIONS]; /* descriptors received and not yet taken by a REGION, oldest first */
    uint64_t fd_from[PIPC_MAX_REGIONS]; /* the stream offsets of the read each came with: [from, to) */
    uint64_t fd_to[PIPC_MAX_REGIONS];
    int nfds;
} pipc_input;

int pipc_input_init(pipc_input *in, uint32_t initial, uint32_t max_frame, pipc_error *err);
void pipc_input_free(pipc_input *in);
/**
 * Whether a whole frame is at start: 1 (with *length, *type; the header was checked as soon as it was there), 0 (more
 * bytes needed), or PIPC_ERR_PROTOCOL. Moves nothing.
 */
int pipc_input_frame(pipc_input *in, uint32_t *length, uint8_t *type, pipc_error *err);
/** Drops the current frame. Moves nothing (the bytes stay where they are until the next pipc_input_fill). */
void pipc_input_consume(pipc_input *in, uint32_t length);
/**
 * Makes room for the frame at start (moving or growing the buffer: views into it become invalid), then reads what the
 * socket has, waiting until the deadline. Returns bytes read (> 0), 0 at the deadline, PIPC_INPUT_EOF, or an error
 * (PIPC_ERR_PEER_GONE for ECONNRESET, PIPC_ERR_PROTOCOL for too many descriptors).
 */
int pipc_input_fill(pipc_input *in, int fd, int64_t deadline, pipc_error *err);
#define PIPC_INPUT_EOF (-1000)
/**
 * The descriptor that came with the read holding the byte at this stream offset (a REGION frame's first byte, §4), or
 * -1; descriptors that came with earlier reads, or a second one with the same read, are closed (unused).
 */
int pipc_input_take_fd(pipc_input *in, uint64_t offset);

/* ---- shared-memory regions -------------------------------------------------------------------------------------- */

/**
 * Creates a sealed memfd region of size bytes (F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL, and F_SEAL_FUTURE_WRITE where
 * the kernel has it), mapped read-write into *map, with a read-only descriptor of it for the client in *share_fd.
 */
int pipc_region_create(uint64_t size, uint8_t **map, int *share_fd, pipc_error *err);
/**
 * The packet ring's region (§7), server side: a memfd of size zeroed bytes sealed with F_SEAL_SHRINK|F_SEAL_GROW|
 * F_SEAL_SEAL and not against writing, mapped read-write and shared into *map; *share_fd is the memfd itself, open
 * for reading and writing, for the client.
 */
int pipc_region_create_writable(uint64_t size, uint8_t **map, int *share_fd, pipc_error *err);
/**
 * Checks the client's side of a region descriptor (seals, unless allow_unsealed; at least size bytes) and maps it
 * read-only. Closes fd either way.
 */
int pipc_region_map(int fd, uint64_t size, int allow_unsealed, const uint8_t **map, pipc_error *err);
/**
 * The packet ring's region (§7): a memfd sealed against shrinking and growing (unless allow_unsealed) but not against
 * writing, opened read-write, of at least size bytes; mapped read-write and shared. Closes fd either way.
 */
int pipc_region_map_writable(int fd, uint64_t size, int allow_unsealed, uint8_t **map, pipc_error *err);

/* ---- names ------------------------------------------------------------------------------------------------------ */

/** The socket path of "unix://" + absolute path (or an absolute path) into path[108]; PIPC_ERR_ARGUMENT if not. */
int pipc_parse_name(const char *name, char *path, size_t path_size, pipc_error *err);

#endif
