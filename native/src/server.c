/* The server: a listening socket, the handshake with each client, and a connection that sends batches and END. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_MAX_FRAME (16u << 20)
#define DEFAULT_THRESHOLD (32u << 10)
#define DEFAULT_REGION_BYTES (32 << 20)
#define DEFAULT_HELLO_TIMEOUT_MS 30000
#define SEND_BUFFER_BYTES (1u << 20)
/* The largest frame this server reads: it only ever receives HELLO, RELEASE and CLOSE. WELCOME announces it. */
#define SERVER_MAX_FRAME PIPC_MIN_MAX_FRAME
/* The region every connection announces (Java uses 1 as well). */
#define REGION_ID 1u
#define LINGER_MS 2000
/* With the packet ring: how often the server looks at K before it sleeps on the stream for room (a few microseconds) */
#define RING_SPINS 200
/* With the packet ring: every 16th publish also reads what the client sent, without waiting (Java: every 128th) */
#define RING_CONTROL_INTERVAL 15u

struct pipc_server {
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
    pipc_server_options options;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
};

struct pipc_conn {
    int fd;
    pipc_input in;
    uint32_t max_frame; /* the largest frame this server sends: min(client's, ours) */
    /* shared memory */
    int shm;         /* the client offered it and the server has it on */
    int shm_failed;  /* creating the region failed: everything goes inline */
    uint32_t threshold;
    uint64_t region_size;
    uint8_t *map;
    int announced;
    pipc_ring ring;
    /* the send buffer and the BATCH frame open in it */
    uint8_t *buf;
    size_t cap;
    size_t len;
    int frame_open;
    size_t frame_start;
    uint32_t frame_count;
    int ended;
    int broken; /* gone, failed or timed out mid-frame: nothing more can be sent */
    pipc_error failure;
    uint64_t packets;
    /* the packet ring (§7): the client offered it and this server accepted; batches then go only through it */
    int has_ring;
    pipc_packet_ring pring;
    unsigned publishes;
};

/* ---- connections ------------------------------------------------------------------------------------------------ */

static void write_now(int fd, const uint8_t *frame, size_t length) {
    struct iovec iov = {.iov_base = (void *)frame, .iov_len = length};
    size_t written;
    pipc_write_all(fd, &iov, 1, -1, 0, &written, NULL);
}

/** The connection can send no more: remembers why; CLOSE(2) first for a protocol error. Returns the code. */
static int broken(pipc_conn *conn, const pipc_error *err) {
    if (!conn->broken) {
        conn->broken = 1;
        conn->failure = *err;
        if (err->code == PIPC_ERR_PROTOCOL) {
            uint8_t frame[PIPC_HEADER_LENGTH + PIPC_CLOSE_BODY];
            write_now(conn->fd, frame, pipc_encode_close(frame, PIPC_REASON_PROTOCOL));
        }
        if (err->code == PIPC_ERR_PROTOCOL || err->code == PIPC_ERR_TIMEOUT) {
            shutdown(conn->fd, SHUT_RDWR);
        }
    }
    return err->code;
}

static int sendable(pipc_conn *conn, pipc_error *err) {
    if (conn->broken) {
        if (err != NULL) {
            *err = conn->failure;
        }
        return conn->failure.code;
    }
    if (conn->ended) {
        return pipc_fail(err, PIPC_ERR_CLOSED, "the end of the stream was already sent; no more packets can follow");
    }
    return 0;
}

/**
 * Reads and acts on what the client sent (RELEASE, CLOSE), waiting until the deadline for something.
 * Returns 1 if a frame was handled, 0 if none came in time, or an error (the connection is then broken).
 */
static int read_control(pipc_conn *conn, int64_t deadline, pipc_error *err) {
    int handled = 0;
    for (;;) {
        uint32_t length;
        uint8_t type;
        int r = pipc_input_frame(&conn->in, &length, &type, err);
        if (r < 0) {
            return broken(conn, err);
        }
        if (r == 1) {
            const uint8_t *body = conn->in.buf + conn->in.start + PIPC_HEADER_LENGTH;
            if (type == PIPC_TYPE_RELEASE && conn->announced) {
                uint32_t id = pipc_get32(body);
                if (id != REGION_ID || pipc_get32(body + 4) != 0) {
                    pipc_fail(err, PIPC_ERR_PROTOCOL,
                              "the client sent RELEASE of region=%u (reserved=%u), but this connection announced "
                              "only region=%u",
                              id, pipc_get32(body + 4), REGION_ID);
                    return broken(conn, err);
                }
                if (pipc_ring_release(&conn->ring, pipc_get64(body + 8), err) < 0) {
                    return broken(conn, err);
                }
            } else if (type == PIPC_TYPE_WAKE && conn->has_ring) {
                /* the doorbell: the client made room in the ring; the caller looks at K next */
            } else if (type == PIPC_TYPE_CLOSE) {
                pipc_fail(err, PIPC_ERR_PEER_GONE, "the client closed the connection (CLOSE reason=%u)",
                          pipc_get32(body));
                return broken(conn, err);
            } else {
                pipc_fail(err, PIPC_ERR_PROTOCOL,
                          "the client sent a frame of type=0x%02x (%s), which a client may not send after the "
                          "handshake%s",
                          type, pipc_type_name(type),
                          type == PIPC_TYPE_RELEASE ? " (no region was announced)"
                          : type == PIPC_TYPE_WAKE  ? " (the packet ring is off)"
                                                    : "");
                return broken(conn, err);
            }
            pipc_input_consume(&conn->in, length);
            handled = 1;
            continue;
        }
        if (handled) {
            return 1;
        }
        r = pipc_input_fill(&conn->in, conn->fd, deadline, err);
        if (r == PIPC_INPUT_EOF) {
            pipc_fail(err, PIPC_ERR_PEER_GONE, "the client went away (end of stream)");
            return broken(conn, err);
        }
        if (r < 0) {
            return broken(conn, err);
        }
        if (r == 0) {
            return 0;
        }
    }
}

static void close_frame(pipc_conn *conn) {
    if (!conn->frame_open) {
        return;
    }
    conn->frame_open = 0;
    if (conn->frame_count == 0) {
        conn->len = conn->frame_start;
        return;
    }
    uint8_t *frame = conn->buf + conn->frame_start;
    pipc_encode_header(frame, (uint32_t)(conn->len - conn->frame_start), PIPC_TYPE_BATCH);
    pipc_put32(frame + PIPC_HEADER_LENGTH, conn->frame_count);
    pipc_put32(frame + PIPC_HEADER_LENGTH + 4, 0);
}

/** Writes the buffers; a frame cut short by the deadline breaks the connection. */
static int write_frames(pipc_conn *conn, const struct iovec *iov, int iovcnt, int attach_fd, int64_t deadline,
                        pipc_error *err) {
    size_t written;
    int r = pipc_write_all(conn->fd, iov, iovcnt, attach_fd, deadline, &written, err);
    if (r == PIPC_ERR_TIMEOUT) {
        pipc_fail(err, r,
                  "the client did not take the batch in time and a frame was cut short, so the connection is "
                  "closed; the client is slow or stuck: give send a longer timeout");
    }
    return r < 0 ? broken(conn, err) : 0;
}

/** Closes the open frame and writes the buffer; then reads what the client sent, without waiting. */
static int flush(pipc_conn *conn, int64_t deadline, pipc_error *err) {
    close_frame(conn);
    if (conn->len == 0) {
        return 0;
    }
    struct iovec iov = {.iov_base = conn->buf, .iov_len = conn->len};
    int r = write_frames(conn, &iov, 1, -1, deadline, err);
    conn->len = 0;
    if (r < 0) {
        return r;
    }
    r = read_control(conn, 0, err); /* a client that sends garbage or goes away is noticed even if writes work */
    return r < 0 ? r : 0;
}

/** Whether a frame of one inline packet of this length is within the largest frame the client accepts. */
static int fits_inline(const pipc_conn *conn, uint32_t length) {
    return PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + PIPC_ENTRY_HEADER + pipc_align8(length) <= conn->max_frame;
}

/** §4: payloads at or above the threshold, and those too large for a frame, go through the region (if it takes them). */
static int wants_shared(const pipc_conn *conn, uint32_t length) {
    return conn->shm && !conn->shm_failed && length <= pipc_ring_size(conn->region_size) &&
           (length >= conn->threshold || !fits_inline(conn, length));
}

static int ring_publish(pipc_conn *conn, int64_t deadline, pipc_error *err);

static int announce(pipc_conn *conn, int64_t deadline, pipc_error *err) {
    /* §7: everything in the ring is published before REGION is written (and REGION before any record naming it) */
    int r = conn->has_ring ? ring_publish(conn, deadline, err) : 0;
    if (r < 0) {
        return r;
    }
    r = flush(conn, deadline, err);
    if (r < 0) {
        return r;
    }
    int share_fd;
    pipc_error ignored;
    if (pipc_region_create(conn->region_size, &conn->map, &share_fd, &ignored) < 0) {
        conn->shm_failed = 1; /* every payload goes inline; those too large for a frame then fail */
        return 0;
    }
    uint8_t frame[PIPC_HEADER_LENGTH + PIPC_REGION_BODY];
    struct iovec iov = {.iov_base = frame, .iov_len = pipc_encode_region(frame, REGION_ID, 0, conn->region_size)};
    r = write_frames(conn, &iov, 1, share_fd, deadline, err);
    close(share_fd);
    if (r < 0) {
        return r;
    }
    pipc_ring_init(&conn->ring, conn->region_size);
    conn->announced = 1;
    return 0;
}

/** Makes room in the open frame (opening one if needed) for an entry of entry bytes. */
static int frame_room(pipc_conn *conn, uint64_t entry, int64_t deadline, pipc_error *err) {
    if (conn->frame_open && conn->len + entry <= conn->cap && conn->len - conn->frame_start + entry <= conn->max_frame) {
        return 0;
    }
    close_frame(conn);
    if (conn->len + PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + entry > conn->cap) {
        int r = flush(conn, deadline, err);
        if (r < 0) {
            return r;
        }
    }
    conn->frame_open = 1;
    conn->frame_start = conn->len;
    conn->frame_count = 0;
    conn->len += PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER;
    return 0;
}

static void entry_head(uint8_t *at, int64_t timestamp, uint32_t length, uint32_t kind) {
    pipc_put64(at, (uint64_t)timestamp);
    pipc_put32(at + 8, length);
    pipc_put32(at + 12, kind);
}

static int send_shared(pipc_conn *conn, const pipc_packet *p, size_t sent, int64_t deadline, pipc_error *err) {
    for (;;) {
        int64_t offset = pipc_ring_place(&conn->ring, p->length);
        if (offset >= 0) {
            if (p->length > 0) {
                memcpy(conn->map + offset, p->data, p->length);
            }
            int r = frame_room(conn, PIPC_SHARED_ENTRY, deadline, err);
            if (r < 0) {
                return r;
            }
            uint8_t *at = conn->buf + conn->len;
            entry_head(at, p->timestamp_ns, p->length, PIPC_KIND_SHARED);
            pipc_put32(at + 16, REGION_ID);
            pipc_put32(at + 20, 0);
            pipc_put64(at + 24, (uint64_t)offset);
            conn->len += PIPC_SHARED_ENTRY;
            conn->frame_count++;
            return 0;
        }
        /* The client holds too much: it must see what was sent before it can release it. A flush also reads what
           the client sent meanwhile, so the placement is tried again before this side waits for a RELEASE. */
        close_frame(conn);
        int r;
        if (conn->len > 0) {
            if ((r = flush(conn, deadline, err)) < 0) {
                return r;
            }
            continue;
        }
        r = read_control(conn, deadline, err);
        if (r < 0) {
            return r;
        }
        if (r == 0 && pipc_left(deadline) == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "the client did not release shared memory in time (%zu packets of this batch were sent, "
                             "the connection is still usable); it is slow or stuck: wait longer, or give the server a "
                             "larger shared_memory_bytes",
                             sent);
        }
    }
}

static int send_inline(pipc_conn *conn, const pipc_packet *p, int64_t deadline, pipc_error *err) {
    uint64_t entry = PIPC_ENTRY_HEADER + pipc_align8(p->length);
    uint64_t padding = entry - PIPC_ENTRY_HEADER - p->length;
    if (PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + entry > conn->cap) {
        /* Larger than the send buffer: a frame of its own, written straight from the caller's memory. */
        int r = flush(conn, deadline, err);
        if (r < 0) {
            return r;
        }
        uint8_t head[PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + PIPC_ENTRY_HEADER];
        static const uint8_t zeros[8];
        pipc_encode_header(head, (uint32_t)(PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + entry), PIPC_TYPE_BATCH);
        pipc_put32(head + PIPC_HEADER_LENGTH, 1);
        pipc_put32(head + PIPC_HEADER_LENGTH + 4, 0);
        entry_head(head + PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER, p->timestamp_ns, p->length, PIPC_KIND_INLINE);
        struct iovec iov[3] = {{.iov_base = head, .iov_len = sizeof head},
                               {.iov_base = (void *)p->data, .iov_len = p->length},
                               {.iov_base = (void *)zeros, .iov_len = (size_t)padding}};
        return write_frames(conn, iov, 3, -1, deadline, err);
    }
    int r = frame_room(conn, entry, deadline, err);
    if (r < 0) {
        return r;
    }
    uint8_t *at = conn->buf + conn->len;
    entry_head(at, p->timestamp_ns, p->length, PIPC_KIND_INLINE);
    if (p->length > 0) {
        memcpy(at + PIPC_ENTRY_HEADER, p->data, p->length);
    }
    memset(at + PIPC_ENTRY_HEADER + p->length, 0, (size_t)padding);
    conn->len += (size_t)entry;
    conn->frame_count++;
    return 0;
}

/* ---- the packet ring (§7): the producer ------------------------------------------------------------------------- */

/** Makes what was committed to the ring visible, and rings the doorbell (WAKE) if the client sleeps. */
static int ring_publish(pipc_conn *conn, int64_t deadline, pipc_error *err) {
    if (!pipc_packet_ring_unpublished(&conn->pring)) {
        return 0;
    }
    if (pipc_packet_ring_produce(&conn->pring)) {
        uint8_t wake[PIPC_HEADER_LENGTH];
        struct iovec iov = {.iov_base = wake, .iov_len = pipc_encode_header(wake, PIPC_HEADER_LENGTH, PIPC_TYPE_WAKE)};
        int r = write_frames(conn, &iov, 1, -1, deadline, err);
        if (r < 0) {
            return r;
        }
    }
    if ((++conn->publishes & RING_CONTROL_INTERVAL) == 0) {
        int r = read_control(conn, 0, err); /* a client that sends garbage or goes away is noticed with room too */
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/** Adds what this side was doing to an error of read_control, in the message and the connection's failure. */
static int while_waiting(pipc_conn *conn, int r, const char *what, pipc_error *err) {
    if (err != NULL && r == PIPC_ERR_PEER_GONE) {
        size_t used = strlen(err->message);
        snprintf(err->message + used, sizeof err->message - used, " %s", what);
        conn->failure = *err;
    }
    return r;
}

/**
 * Room in the ring for a record of at least min_length bytes: at once, or after publishing what is committed (the
 * client can only make room from what it sees) and waiting: a few spins, then the waiting word, K again, and a sleep
 * on the socket until the client's WAKE (or RELEASE, CLOSE, the stream's end) or the deadline.
 */
static int ring_claim(pipc_conn *conn, uint32_t min_length, size_t sent, int64_t deadline, uint32_t *index,
                      pipc_error *err) {
    int r = pipc_packet_ring_claim(&conn->pring, min_length, index, err);
    if (r != 0) {
        return r < 0 ? broken(conn, err) : 0;
    }
    if ((r = ring_publish(conn, deadline, err)) < 0) {
        return r;
    }
    for (int round = 0;; round++) {
        r = pipc_packet_ring_claim(&conn->pring, min_length, index, err);
        if (r != 0) {
            return r < 0 ? broken(conn, err) : 0;
        }
        if (pipc_left(deadline) == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "the client did not take packets from the packet ring in time (it is full: %u bytes); "
                             "%zu packets of this batch were sent, the others were not, and the connection is still "
                             "usable; the client is slow or stuck: wait longer, or give the server a larger "
                             "packet_ring_bytes",
                             conn->pring.capacity, sent);
        }
        if (round < RING_SPINS) {
            pipc_cpu_relax();
            continue;
        }
        /* waiting word 1, a full fence, K again: either this sees the room or the client sees the word */
        r = pipc_packet_ring_prepare_wait(&conn->pring, min_length, err);
        if (r < 0) {
            return broken(conn, err);
        }
        if (r == 0) {
            continue;
        }
        r = read_control(conn, deadline, err);
        pipc_packet_ring_producer_awake(&conn->pring);
        if (r < 0) {
            return while_waiting(conn, r, "while the server waited for room in the packet ring", err);
        }
    }
}

static void put_entry(pipc_conn *conn, uint8_t *at, const pipc_packet *p, int64_t offset) {
    if (offset >= 0) {
        entry_head(at, p->timestamp_ns, p->length, PIPC_KIND_SHARED);
        pipc_put32(at + 16, REGION_ID);
        pipc_put32(at + 20, 0);
        pipc_put64(at + 24, (uint64_t)offset);
        if (p->length > 0) {
            memcpy(conn->map + offset, p->data, p->length);
        }
        return;
    }
    uint64_t padded = pipc_align8(p->length);
    entry_head(at, p->timestamp_ns, p->length, PIPC_KIND_INLINE);
    if (p->length > 0) {
        memcpy(at + PIPC_ENTRY_HEADER, p->data, p->length);
    }
    memset(at + PIPC_ENTRY_HEADER + p->length, 0, (size_t)(padded - p->length));
}

/**
 * Writes the packets as BATCH records into the ring, as many to a record as fit (at most the client's maximum frame
 * and C/2, which conn->max_frame already is), shared entries for payloads the region takes. Committed, not published.
 */
static int ring_send(pipc_conn *conn, const pipc_packet *packets, size_t n, int64_t deadline, pipc_error *err) {
    size_t i = 0;
    while (i < n) {
        int r;
        if (wants_shared(conn, packets[i].length) && !conn->announced && (r = announce(conn, deadline, err)) < 0) {
            return r;
        }
        int shared = wants_shared(conn, packets[i].length);
        if (!shared && !fits_inline(conn, packets[i].length)) {
            return pipc_fail(err, PIPC_ERR_TOO_LARGE,
                             "packet %zu has %u bytes, more than fits in a ring record, and the shared-memory region "
                             "could not be created; %zu packets of this batch were sent",
                             i, packets[i].length, i);
        }
        uint64_t first = shared ? PIPC_SHARED_ENTRY : PIPC_ENTRY_HEADER + pipc_align8(packets[i].length);
        uint32_t index;
        if ((r = ring_claim(conn, (uint32_t)(PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER + first), i, deadline, &index,
                            err)) < 0) {
            return r;
        }
        uint32_t limit = pipc_packet_ring_writable(&conn->pring);
        if (limit > conn->max_frame) {
            limit = conn->max_frame;
        }
        uint8_t *record = conn->pring.data + index;
        uint64_t length = PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER;
        uint32_t count = 0;
        for (; i < n; i++) {
            const pipc_packet *p = &packets[i];
            shared = wants_shared(conn, p->length);
            if ((shared && !conn->announced) || (!shared && !fits_inline(conn, p->length))) {
                break;
            }
            uint64_t entry = shared ? PIPC_SHARED_ENTRY : PIPC_ENTRY_HEADER + pipc_align8(p->length);
            if (length + entry > limit) {
                break;
            }
            int64_t offset = -1;
            if (shared && (offset = pipc_ring_place(&conn->ring, p->length)) < 0) {
                break; /* the region is full: this record ends here */
            }
            put_entry(conn, record + length, p, offset);
            length += entry;
            count++;
            conn->packets++;
        }
        if (count > 0) {
            pipc_encode_header(record, (uint32_t)length, PIPC_TYPE_BATCH);
            pipc_put32(record + PIPC_HEADER_LENGTH, count);
            pipc_put32(record + PIPC_HEADER_LENGTH + 4, 0);
            pipc_packet_ring_commit(&conn->pring, (uint32_t)length);
            continue;
        }
        /* The region stopped the record before its first packet: the client must see what was sent before it can
           release it. Publishing may also read a RELEASE, so the placement is tried again before this side waits. */
        if (pipc_packet_ring_unpublished(&conn->pring)) {
            if ((r = ring_publish(conn, deadline, err)) < 0) {
                return r;
            }
            continue;
        }
        r = read_control(conn, deadline, err);
        if (r < 0) {
            return while_waiting(conn, r, "while the server waited for it to release shared memory", err);
        }
        if (r == 0 && pipc_left(deadline) == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "the client did not release shared memory in time (%zu packets of this batch were sent, "
                             "the connection is still usable); it is slow or stuck: wait longer, or give the server a "
                             "larger shared_memory_bytes",
                             i);
        }
    }
    return 0;
}

int pipc_conn_send(pipc_conn *conn, const pipc_packet *packets, size_t n, int timeout_ms, pipc_error *err) {
    if (conn == NULL || (packets == NULL && n > 0)) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "pipc_conn_send: NULL connection or packets");
    }
    int r = sendable(conn, err);
    if (r < 0) {
        return r;
    }
    /* The whole batch is checked before anything is sent. */
    for (size_t i = 0; i < n; i++) {
        if (packets[i].length > 0 && packets[i].data == NULL) {
            return pipc_fail(err, PIPC_ERR_ARGUMENT, "packet %zu has length=%u but no data", i, packets[i].length);
        }
        if (!fits_inline(conn, packets[i].length) && !wants_shared(conn, packets[i].length)) {
            return pipc_fail(err, PIPC_ERR_TOO_LARGE,
                             "packet %zu has %u bytes, more than fits in a frame of %u bytes (the client's maximum or "
                             "the server's), and shared memory cannot take it; nothing of this batch was sent",
                             i, packets[i].length, conn->max_frame);
        }
    }
    int64_t deadline = pipc_deadline(timeout_ms);
    if (conn->has_ring) {
        r = ring_send(conn, packets, n, deadline, err);
        if (r < 0) {
            if (!conn->broken) { /* what was committed goes out (the waits published it already) */
                pipc_error ignored;
                ring_publish(conn, deadline, &ignored);
            }
            return r;
        }
        return ring_publish(conn, deadline, err);
    }
    for (size_t i = 0; i < n; i++) {
        const pipc_packet *p = &packets[i];
        if (wants_shared(conn, p->length) && !conn->announced && (r = announce(conn, deadline, err)) < 0) {
            return r;
        }
        if (wants_shared(conn, p->length)) {
            r = send_shared(conn, p, i, deadline, err);
        } else if (!fits_inline(conn, p->length)) {
            r = pipc_fail(err, PIPC_ERR_TOO_LARGE,
                          "packet %zu has %u bytes, more than fits in a frame, and the shared-memory region could not "
                          "be created; %zu packets of this batch were sent",
                          i, p->length, i);
        } else {
            r = send_inline(conn, p, deadline, err);
        }
        if (r < 0) {
            if (r != PIPC_ERR_TIMEOUT || !conn->broken) {
                close_frame(conn); /* the packets before this one go out with the next send */
            }
            return r;
        }
        conn->packets++;
    }
    return flush(conn, deadline, err);
}

int pipc_conn_send_end(pipc_conn *conn, int timeout_ms, pipc_error *err) {
    if (conn == NULL) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "pipc_conn_send_end: NULL connection");
    }
    if (conn->ended) {
        return 0;
    }
    int r = sendable(conn, err);
    if (r < 0) {
        return r;
    }
    int64_t deadline = pipc_deadline(timeout_ms);
    if (conn->has_ring && (r = ring_publish(conn, deadline, err)) < 0) { /* §7: everything published before END */
        return r;
    }
    close_frame(conn);
    if (conn->len + PIPC_HEADER_LENGTH > conn->cap && (r = flush(conn, deadline, err)) < 0) {
        return r;
    }
    conn->len += pipc_encode_header(conn->buf + conn->len, PIPC_HEADER_LENGTH, PIPC_TYPE_END);
    struct iovec iov = {.iov_base = conn->buf, .iov_len = conn->len};
    r = write_frames(conn, &iov, 1, -1, deadline, err); /* no read after END: the client may have shut its side */
    conn->len = 0;
    if (r < 0) {
        return r;
    }
    conn->ended = 1;
    return 0;
}

uint64_t pipc_conn_packets_sent(const pipc_conn *conn) { return conn == NULL ? 0 : conn->packets; }

int pipc_conn_ring_bytes(const pipc_conn *conn) {
    return conn != NULL && conn->has_ring ? (int)conn->pring.capacity : 0;
}

/** After END: this side stops writing, then reads (and drops) what the client still sends until it closes. */
static void linger_after_end(pipc_conn *conn) {
    shutdown(conn->fd, SHUT_WR);
    int64_t deadline = pipc_deadline(LINGER_MS);
    uint8_t sink[4096];
    while (pipc_left(deadline) > 0) {
        if (pipc_wait(conn->fd, POLLIN, deadline, NULL) <= 0) {
            return;
        }
        ssize_t n = recv(conn->fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return;
        }
    }
}

void pipc_conn_close(pipc_conn *conn) {
    if (conn == NULL) {
        return;
    }
    if (conn->ended && !conn->broken) {
        linger_after_end(conn); /* §5: after END no CLOSE, a half-close and a drain */
    } else if (!conn->broken) {
        if (conn->has_ring) {
            pipc_packet_ring_produce(&conn->pring); /* §7: published before CLOSE (the client wakes for CLOSE) */
        }
        uint8_t frame[PIPC_HEADER_LENGTH + PIPC_CLOSE_BODY];
        write_now(conn->fd, frame, pipc_encode_close(frame, PIPC_REASON_NORMAL));
    }
    close(conn->fd);
    if (conn->map != NULL) {
        munmap(conn->map, (size_t)conn->region_size);
    }
    if (conn->has_ring) {
        munmap(conn->pring.map, (size_t)conn->pring.size);
    }
    pipc_input_free(&conn->in);
    free(conn->buf);
    free(conn);
}

/* ---- the handshake ---------------------------------------------------------------------------------------------- */

static void reject(int fd, uint32_t reason, const char *text) {
    uint8_t frame[PIPC_HEADER_LENGTH + PIPC_REJECT_BODY + PIPC_MAX_REJECT_TEXT + 8];
    write_now(fd, frame, pipc_encode_reject(frame, reason, text));
}

static int handshake(pipc_server *s, int fd, pipc_conn **out, pipc_error *err) {
    if (!s->options.allow_any_user) {
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
            pipc_fail(err, PIPC_ERR_REJECTED,
                      "refused a client of %s: uid %d (pid %d) is not the server's uid %u; let it in with "
                      "allow_any_user",
                      s->name, len == sizeof cred ? (int)cred.uid : -1, len == sizeof cred ? (int)cred.pid : -1,
                      (unsigned)geteuid());
            reject(fd, PIPC_REASON_REFUSED, err->message);
            return PIPC_ERR_REJECTED;
        }
    }
    pipc_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        return pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot allocate a connection");
    }
    conn->fd = -1;
    int r = pipc_input_init(&conn->in, SERVER_MAX_FRAME, SERVER_MAX_FRAME, err);
    if (r < 0) {
        free(conn);
        return r;
    }
    int64_t deadline = pipc_deadline(s->options.hello_timeout_ms);
    pipc_handshake hello;
    for (;;) {
        uint32_t length;
        uint8_t type;
        r = pipc_input_frame(&conn->in, &length, &type, err);
        if (r == 1) {
            if (type != PIPC_TYPE_HELLO) {
                r = pipc_fail(err, PIPC_ERR_PROTOCOL,
                              "expected HELLO but got a frame of type=0x%02x (%s) during the handshake", type,
                              pipc_type_name(type));
            } else {
                r = pipc_decode_handshake(conn->in.buf + conn->in.start, &hello, err);
            }
            if (r == 0) {
                pipc_input_consume(&conn->in, length);
                break;
            }
        }
        if (r < 0) {
            reject(fd, PIPC_REASON_PROTOCOL, err->message);
            goto failed;
        }
        r = pipc_input_fill(&conn->in, fd, deadline, err);
        if (r == PIPC_INPUT_EOF) {
            /* Hung up without a byte: most likely another server probing whether this name is live. Skipped. */
            r = conn->in.end == 0 ? PIPC_INPUT_EOF
                                  : pipc_fail(err, PIPC_ERR_PEER_GONE,
                                              "a client of %s closed the connection before its HELLO", s->name);
            goto failed;
        }
        if (r == 0) {
            r = pipc_fail(err, PIPC_ERR_TIMEOUT,
                          "a client of %s sent no HELLO within %d ms and was dropped; it is not a packet-ipc client, "
                          "or it is stuck",
                          s->name, s->options.hello_timeout_ms);
            goto failed;
        }
        if (r < 0) {
            goto failed;
        }
    }
    /* The highest version within both ranges. Versions are 1 to 32767 (§2): read as signed 16-bit numbers, as
       Java does, a value of 32768 or more is negative and leaves no common version. */
    int their_min = (int16_t)hello.version_a;
    int their_max = (int16_t)hello.version_b;
    int chosen = their_max < PIPC_VERSION ? their_max : PIPC_VERSION;
    int lowest = their_min > PIPC_VERSION ? their_min : PIPC_VERSION;
    if (chosen < lowest) {
        r = pipc_fail(err, PIPC_ERR_PROTOCOL,
                      "no common protocol version: the client speaks %u..%u, this server %d..%d; upgrade the older "
                      "side",
                      hello.version_a, hello.version_b, PIPC_VERSION, PIPC_VERSION);
        reject(fd, PIPC_REASON_VERSION, err->message);
        goto failed;
    }
    /* Flag bit 1: the packet ring (§7), unless it is off here or cannot be created (then declined: frames). */
    int ring_fd = -1;
    if ((hello.flags & PIPC_FLAG_RING) && !s->options.no_packet_ring && PIPC_RING_SUPPORTED) {
        uint8_t *ring_map;
        pipc_error ignored;
        uint64_t ring_size = PIPC_RING_HEADER + (uint64_t)s->options.packet_ring_bytes;
        if (pipc_region_create_writable(ring_size, &ring_map, &ring_fd, &ignored) == 0) {
            pipc_packet_ring_create(&conn->pring, ring_map, s->options.packet_ring_bytes);
            conn->has_ring = 1;
        }
    }
    uint8_t welcome[PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY];
    struct iovec iov = {.iov_base = welcome,
                        .iov_len = pipc_encode_welcome_flags(welcome, (uint16_t)chosen, SERVER_MAX_FRAME,
                                                             conn->has_ring ? PIPC_FLAG_RING : 0)};
    size_t written;
    r = pipc_write_all(fd, &iov, 1, -1, deadline, &written, err);
    if (r == 0 && conn->has_ring) {
        /* RING as the very next frame, the ring's descriptor (read-write) attached to its first byte */
        uint8_t ring_frame[PIPC_HEADER_LENGTH + PIPC_REGION_BODY];
        struct iovec ring_iov = {.iov_base = ring_frame,
                                 .iov_len = pipc_encode_ring(ring_frame, 0, conn->pring.size)};
        r = pipc_write_all(fd, &ring_iov, 1, ring_fd, deadline, &written, err);
    }
    if (ring_fd >= 0) {
        close(ring_fd);
    }
    if (r < 0) {
        goto failed;
    }
    conn->fd = fd;
    conn->max_frame = hello.max_frame < s->options.max_frame_bytes ? hello.max_frame : s->options.max_frame_bytes;
    if (conn->has_ring && conn->max_frame > conn->pring.capacity / 2) {
        conn->max_frame = conn->pring.capacity / 2; /* §7: no record exceeds C/2 */
    }
    /* Flag bit 0: shared memory. Other bits (offers of later features) are ignored. */
    conn->shm = (hello.flags & PIPC_FLAG_SHARED_MEMORY) && s->options.shared_memory_bytes > 0;
    conn->threshold = s->options.shared_memory_threshold;
    conn->region_size = conn->shm ? (uint64_t)s->options.shared_memory_bytes : 0;
    conn->cap = conn->max_frame < SEND_BUFFER_BYTES ? conn->max_frame : SEND_BUFFER_BYTES;
    conn->buf = malloc(conn->cap);
    if (conn->buf == NULL) {
        conn->fd = -1;
        r = pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot allocate a send buffer");
        goto failed;
    }
    *out = conn;
    return 0;
failed:
    if (conn->has_ring) {
        munmap(conn->pring.map, (size_t)conn->pring.size);
    }
    pipc_input_free(&conn->in);
    free(conn);
    return r;
}

int pipc_server_accept(pipc_server *s, pipc_conn **out, int timeout_ms, pipc_error *err) {
    if (s == NULL || out == NULL) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "pipc_server_accept: NULL server or result");
    }
    if (s->fd < 0) {
        return pipc_fail(err, PIPC_ERR_CLOSED, "the server is closed; open a new one");
    }
    int64_t deadline = pipc_deadline(timeout_ms);
    for (;;) {
        int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            int r = handshake(s, fd, out, err);
            if (r < 0) {
                close(fd);
            }
            if (r == PIPC_INPUT_EOF) {
                continue;
            }
            return r;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "accepting a client on %s failed", s->name);
        }
        int r = pipc_wait(s->fd, POLLIN, deadline, err);
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "no client connected to %s within %d ms; accept again, or check that clients use this "
                             "name",
                             s->name, timeout_ms);
        }
    }
}

/* ---- the listening socket --------------------------------------------------------------------------------------- */

/** Deletes a socket file nobody listens on; refuses a live server's socket or a file that is not a socket. */
static int remove_if_stale(const struct sockaddr_un *addr, pipc_error *err) {
    struct stat st;
    if (lstat(addr->sun_path, &st) != 0) {
        return 0;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return pipc_fail(err, PIPC_ERR_IN_USE,
                         "%s exists and is not a socket; refusing to replace it: remove it or pick another name",
                         addr->sun_path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot create a Unix socket");
    }
    int r = connect(fd, (const struct sockaddr *)addr, sizeof *addr);
    int e = errno;
    close(fd);
    if (r == 0 || e == EAGAIN) {
        return pipc_fail(err, PIPC_ERR_IN_USE,
                         "a server is already listening at %s; close it first, or pick another name", addr->sun_path);
    }
    if (e == ECONNREFUSED) {
        unlink(addr->sun_path); /* a crashed server's file */
        return 0;
    }
    return pipc_fail_errno(err, PIPC_ERR_IN_USE, e,
                           "cannot tell whether a server still listens at %s; refusing to replace it",
                           addr->sun_path);
}

pipc_server *pipc_server_open(const char *name, const pipc_server_options *options, pipc_error *err) {
    pipc_server_options o;
    memset(&o, 0, sizeof o);
    if (options != NULL) {
        o = *options;
    }
    if (o.max_frame_bytes == 0) {
        o.max_frame_bytes = DEFAULT_MAX_FRAME;
    }
    if (o.shared_memory_threshold == 0) {
        o.shared_memory_threshold = DEFAULT_THRESHOLD;
    }
    if (o.shared_memory_bytes == 0) {
        o.shared_memory_bytes = DEFAULT_REGION_BYTES;
    }
    if (o.hello_timeout_ms <= 0) {
        o.hello_timeout_ms = DEFAULT_HELLO_TIMEOUT_MS;
    }
    if (o.packet_ring_bytes == 0) {
        o.packet_ring_bytes = PIPC_RING_DEFAULT_CAPACITY;
    }
    if (!pipc_packet_ring_legal_capacity(o.packet_ring_bytes)) {
        pipc_fail(err, PIPC_ERR_ARGUMENT, "packet_ring_bytes=%u is not a power of two from %u to %u",
                  o.packet_ring_bytes, PIPC_RING_MIN_CAPACITY, PIPC_RING_MAX_CAPACITY);
        return NULL;
    }
    if (o.max_frame_bytes < PIPC_MIN_MAX_FRAME || o.max_frame_bytes > PIPC_MAX_MAX_FRAME) {
        pipc_fail(err, PIPC_ERR_ARGUMENT, "max_frame_bytes=%u is outside [%u, %u]", o.max_frame_bytes,
                  PIPC_MIN_MAX_FRAME, PIPC_MAX_MAX_FRAME);
        return NULL;
    }
    if (o.shared_memory_bytes != -1 &&
        (o.shared_memory_bytes < 4096 || o.shared_memory_bytes > (int64_t)PIPC_MAX_REGION_SIZE)) {
        pipc_fail(err, PIPC_ERR_ARGUMENT, "shared_memory_bytes=%lld is outside [4096, %u] (or -1 for off)",
                  (long long)o.shared_memory_bytes, PIPC_MAX_REGION_SIZE);
        return NULL;
    }
    pipc_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot allocate a server");
        return NULL;
    }
    s->options = o;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (pipc_parse_name(name, addr.sun_path, sizeof addr.sun_path, err) < 0 || remove_if_stale(&addr, err) < 0) {
        free(s);
        return NULL;
    }
    memcpy(s->path, addr.sun_path, sizeof s->path);
    snprintf(s->name, sizeof s->name, "unix://%s", s->path);
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->fd < 0) {
        pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot create a Unix socket");
        free(s);
        return NULL;
    }
    if (bind(s->fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        pipc_fail_errno(err, errno == EADDRINUSE ? PIPC_ERR_IN_USE : PIPC_ERR_SYSTEM, errno,
                        "cannot listen on %s; check that its directory exists and is writable, or pick another name",
                        s->path);
        close(s->fd);
        free(s);
        return NULL;
    }
    struct stat st;
    if (chmod(s->path, o.allow_any_user ? 0666 : 0600) != 0 || listen(s->fd, 128) != 0 || lstat(s->path, &st) != 0) {
        pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot set up the socket %s", s->path);
        close(s->fd);
        unlink(s->path);
        free(s);
        return NULL;
    }
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->mtime = st.st_mtim;
    return s;
}

const char *pipc_server_name(const pipc_server *s) { return s == NULL ? NULL : s->name; }

void pipc_server_close(pipc_server *s) {
    if (s == NULL) {
        return;
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    struct stat st; /* only our own file: a new server may have taken the path already */
    if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino &&
        st.st_mtim.tv_sec == s->mtime.tv_sec && st.st_mtim.tv_nsec == s->mtime.tv_nsec) {
        unlink(s->path);
    }
    free(s);
}
