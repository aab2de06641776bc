/*
 * The client: HELLO/WELCOME, then BATCH, REGION, END and CLOSE from the server, RELEASE back (wire format §2-§6); with
 * the packet ring (§7) the BATCH records come through the ring (packet_ring.c) and WAKE frames ring the doorbells.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_MAX_FRAME (16u << 20)
#define DEFAULT_CONNECT_TIMEOUT_MS 30000
#define INITIAL_BUFFER (64u << 10)
/* With the ring: how often the client looks at P before it sleeps on the stream (a few microseconds). */
#define RING_SPINS 200
/* With the ring: how long a record's unknown region is looked for on the stream (§7; Java: 1 s too). */
#define REGION_WAIT_MS 1000

struct pipc_client {
    int fd;
    pipc_input in;
    pipc_client_options options;
    uint32_t offered_flags;
    pipc_client_region regions[PIPC_MAX_REGIONS];
    /* The BATCH being handed out: a ring record at batch_record, or (NULL) a frame that stays at in.start until its
       last packet was handed out. */
    int in_batch;
    const uint8_t *batch_record;
    uint32_t batch_length;
    uint32_t cursor;
    uint32_t remaining;
    int holding; /* views of the last receive are outstanding */
    int ended;
    int gone;
    pipc_error gone_error;
    int failed;
    pipc_error failure;
    /* RELEASE frames and a WAKE on their way (the socket may have taken them in part). */
    uint8_t out[PIPC_MAX_REGIONS * (PIPC_HEADER_LENGTH + PIPC_REGION_BODY) + PIPC_HEADER_LENGTH];
    size_t out_length;
    size_t out_sent;
    int wake_queued;
    int releases_stopped;
    /* The packet ring (§7), if the server turned it on. */
    int has_ring;
    pipc_packet_ring ring;
};

static void close_fd(pipc_client *c) {
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static void free_client(pipc_client *c) {
    close_fd(c);
    for (unsigned i = 0; i < PIPC_MAX_REGIONS; i++) {
        if (c->regions[i].map != NULL) {
            munmap((void *)c->regions[i].map, (size_t)c->regions[i].size);
        }
    }
    if (c->has_ring) {
        munmap(c->ring.map, (size_t)c->ring.size);
    }
    pipc_input_free(&c->in);
    free(c);
}

/** Best effort, never blocks: a CLOSE frame with this reason. */
static void send_close(pipc_client *c, uint32_t reason) {
    /* never in the middle of a RELEASE the socket took in part, nor after the server closed its side */
    if (c->fd < 0 || c->ended || c->out_sent != c->out_length || c->releases_stopped) {
        return;
    }
    uint8_t frame[PIPC_HEADER_LENGTH + PIPC_CLOSE_BODY];
    struct iovec iov = {.iov_base = frame, .iov_len = pipc_encode_close(frame, reason)};
    size_t written;
    pipc_write_all(c->fd, &iov, 1, -1, 0, &written, NULL);
}

/** The connection broke the protocol (or failed otherwise for good): CLOSE(2) where it can, then closed. */
static int fail(pipc_client *c, const pipc_error *err) {
    if (!c->failed) {
        c->failed = 1;
        c->failure = *err;
        if (err->code == PIPC_ERR_PROTOCOL) {
            send_close(c, PIPC_REASON_PROTOCOL);
        }
        close_fd(c);
    }
    return err->code;
}

static int copy_failure(const pipc_client *c, pipc_error *err) {
    if (err != NULL) {
        *err = c->failure;
    }
    return c->failure.code;
}

/** Writes what is on its way in out, without blocking; a server that closed its side stops RELEASE and WAKE for good. */
static void flush_out(pipc_client *c) {
    if (c->out_sent == c->out_length || c->fd < 0 || c->releases_stopped) {
        return;
    }
    struct iovec iov = {.iov_base = c->out + c->out_sent, .iov_len = c->out_length - c->out_sent};
    size_t written = 0;
    int r = pipc_write_all(c->fd, &iov, 1, -1, 0, &written, NULL);
    c->out_sent += written;
    if (c->out_sent == c->out_length) {
        c->wake_queued = 0;
    }
    if (r < 0 && r != PIPC_ERR_TIMEOUT) {
        /* The server closed its side: what it sent before is still to be read, and reading tells whether END came. */
        c->releases_stopped = 1;
    }
}

/** The doorbell (§7): one WAKE after whatever is on its way; never blocks; none after END. */
static void send_wake(pipc_client *c) {
    if (c->ended || c->failed || c->releases_stopped) {
        return;
    }
    if (!c->wake_queued) { /* one WAKE on its way is enough: the server looks at the ring when it reads it */
        memmove(c->out, c->out + c->out_sent, c->out_length - c->out_sent);
        c->out_length -= c->out_sent;
        c->out_sent = 0;
        c->out_length += pipc_encode_header(c->out + c->out_length, PIPC_HEADER_LENGTH, PIPC_TYPE_WAKE);
        c->wake_queued = 1;
    }
    flush_out(c);
}

/** With the ring: K to what was handed out whole (no view may be out), and the doorbell if the server waits for room. */
static void publish_ring(pipc_client *c) {
    if (c->has_ring && !c->failed && pipc_packet_ring_publish(&c->ring)) {
        send_wake(c);
    }
}

/** Sends what RELEASE frames are due, without blocking; a server that closed its side stops them for good. */
static void send_releases(pipc_client *c, int quarter_only) {
    if (c->ended || c->gone || c->failed || c->releases_stopped || c->holding) {
        return;
    }
    if (c->out_sent == c->out_length) {
        int due = 0;
        for (unsigned id = 0; id < PIPC_MAX_REGIONS; id++) {
            due |= pipc_ring_release_due(&c->regions[id], quarter_only);
        }
        if (!due) {
            return;
        }
        c->out_length = c->out_sent = 0;
        for (unsigned id = 0; id < PIPC_MAX_REGIONS; id++) {
            pipc_client_region *r = &c->regions[id];
            if (r->map != NULL && r->end > r->released) {
                c->out_length += pipc_encode_release(c->out + c->out_length, id, r->end);
                r->released = r->end;
            }
        }
    }
    flush_out(c);
}

static int open_region(pipc_client *c, const uint8_t *frame, pipc_error *err) {
    const uint8_t *body = frame + PIPC_HEADER_LENGTH;
    uint32_t id = pipc_get32(body);
    /* body + 4: the handle, 0 on Unix and ignored (§1) */
    uint64_t size = pipc_get64(body + 8);
    if (!(c->offered_flags & PIPC_FLAG_SHARED_MEMORY)) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the server announced a shared-memory region although this client did not offer shared "
                         "memory");
    }
    if (id >= PIPC_MAX_REGIONS || c->regions[id].map != NULL) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "REGION id=%u is out of range [0, %u) or announced twice", id,
                         PIPC_MAX_REGIONS);
    }
    if (size < PIPC_MIN_REGION_SIZE || size > PIPC_MAX_REGION_SIZE) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "REGION id=%u has size=%llu, outside [%u, %u]", id,
                         (unsigned long long)size, PIPC_MIN_REGION_SIZE, PIPC_MAX_REGION_SIZE);
    }
    int fd = pipc_input_take_fd(&c->in, c->in.base + c->in.start);
    if (fd < 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "a REGION frame arrived without a file descriptor; the server is not a packet-ipc Unix "
                         "server, or descriptors cannot be passed here");
    }
    const uint8_t *map;
    int r = pipc_region_map(fd, size, c->options.allow_unsealed_regions, &map, err);
    if (r < 0) {
        return r;
    }
    pipc_client_region *region = &c->regions[id];
    region->map = map;
    region->size = size;
    region->ring = pipc_ring_size(size);
    region->end = 0;
    region->released = 0;
    return 0;
}

/** Acts on the whole frame at in.start (its header was checked). */
static int handle_frame(pipc_client *c, uint32_t length, uint8_t type, pipc_error *err) {
    const uint8_t *frame = c->in.buf + c->in.start;
    int r;
    if (c->has_ring && type == PIPC_TYPE_BATCH) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the server sent a BATCH frame on the stream although the packet ring is on; batches must go "
                         "through the ring");
    }
    if (c->has_ring && type == PIPC_TYPE_WAKE) {
        pipc_input_consume(&c->in, length); /* the doorbell: the ring is looked at next */
        return 0;
    }
    switch (type) {
    case PIPC_TYPE_BATCH: {
        uint32_t count;
        if ((r = pipc_decode_batch_header(frame, length, &count, err)) < 0) {
            return r;
        }
        if (count == 0) {
            pipc_input_consume(&c->in, length);
        } else {
            c->in_batch = 1;
            c->batch_length = length;
            c->cursor = PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER;
            c->remaining = count;
        }
        return 0;
    }
    case PIPC_TYPE_END:
        c->ended = 1;
        pipc_input_consume(&c->in, length);
        shutdown(c->fd, SHUT_WR); /* nothing more to release: lets the server's close finish at once */
        return 0;
    case PIPC_TYPE_REGION:
        if ((r = open_region(c, frame, err)) < 0) {
            return r;
        }
        pipc_input_consume(&c->in, length);
        return 0;
    case PIPC_TYPE_CLOSE: {
        uint32_t reason = pipc_get32(frame + PIPC_HEADER_LENGTH);
        c->gone = 1;
        pipc_fail(&c->gone_error, PIPC_ERR_PEER_GONE,
                  "the server closed the connection without ending the stream (CLOSE reason=%u%s)", reason,
                  reason == PIPC_REASON_PROTOCOL ? ": it says this client broke the protocol" : "");
        pipc_input_consume(&c->in, length);
        return 0;
    }
    default:
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the server sent a frame of type=0x%02x (%s), which a server may not send after the handshake",
                         type, pipc_type_name(type));
    }
}

/** The stream ended or broke: reported once everything that arrived before was handed out. */
static void mark_gone(pipc_client *c, int r, const pipc_error *e) {
    c->gone = 1;
    pipc_fail(&c->gone_error, PIPC_ERR_PEER_GONE,
              "the server went away without ending the stream (it crashed or closed the connection)%s%s",
              r == PIPC_INPUT_EOF ? "" : ": ", r == PIPC_INPUT_EOF ? "" : e->message);
}

/**
 * With the ring, a record may name a region whose REGION frame is still unread on the stream (the server writes it
 * before it publishes the record): reads control frames until it comes, at most REGION_WAIT_MS. Returns 0 (the entry's
 * check then finds the region, or reports it unannounced) or an error. The views out point into the ring or a region,
 * never into the receive buffer, so reading more here moves nothing they point at.
 */
static int await_region(pipc_client *c, const uint8_t *record, pipc_error *e) {
    if (c->batch_length - c->cursor < PIPC_SHARED_ENTRY) {
        return 0;
    }
    uint8_t entry[PIPC_SHARED_ENTRY];
    pipc_copy_volatile(entry, record + c->cursor, sizeof entry);
    uint32_t id = pipc_get32(entry + 16);
    if (pipc_get32(entry + 12) != PIPC_KIND_SHARED || id >= PIPC_MAX_REGIONS ||
        !(c->offered_flags & PIPC_FLAG_SHARED_MEMORY)) {
        return 0;
    }
    int64_t deadline = pipc_deadline(REGION_WAIT_MS);
    while (c->regions[id].map == NULL && !c->gone && !c->ended) {
        uint32_t length;
        uint8_t type;
        int r = pipc_input_frame(&c->in, &length, &type, e);
        if (r < 0) {
            return r;
        }
        if (r == 1) {
            if ((r = handle_frame(c, length, type, e)) < 0) {
                return r;
            }
            continue;
        }
        r = pipc_input_fill(&c->in, c->fd, deadline, e);
        if (r == PIPC_INPUT_EOF || r == PIPC_ERR_PEER_GONE) {
            mark_gone(c, r, e);
        } else if (r < 0) {
            return r;
        } else if (r == 0) {
            break;
        }
    }
    return 0;
}

void pipc_client_release(pipc_client *c) {
    if (c == NULL || !c->holding) {
        return;
    }
    c->holding = 0;
    publish_ring(c);
    send_releases(c, 1);
}

int pipc_client_receive(pipc_client *c, pipc_packet *out, size_t max, int timeout_ms, pipc_error *err) {
    if (c == NULL || (out == NULL && max > 0)) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "pipc_client_receive: NULL client or packet array");
    }
    if (c->failed) {
        return copy_failure(c, err);
    }
    pipc_client_release(c);
    if (max > INT_MAX) {
        max = INT_MAX; /* the count is returned as an int */
    }
    int64_t deadline = pipc_deadline(timeout_ms);
    size_t n = 0;
    pipc_error local;
    pipc_error *e = err != NULL ? err : &local;
    for (;;) {
        if (c->in_batch) {
            const uint8_t *frame = c->batch_record != NULL ? c->batch_record : c->in.buf + c->in.start;
            while (n < max && c->remaining > 0) {
                int region_id;
                uint64_t offset = 0;
                if (c->batch_record != NULL && await_region(c, frame, e) < 0) {
                    return fail(c, e);
                }
                int r = pipc_decode_entry(frame, c->batch_length, &c->cursor, c->regions, &out[n], &region_id,
                                          &offset, e);
                if (r < 0) {
                    return fail(c, e);
                }
                if (region_id >= 0) {
                    pipc_client_region *region = &c->regions[region_id];
                    region->end = pipc_ring_position_of(offset, region->end, region->ring) + out[n].length;
                }
                if (c->remaining == 1 && c->cursor != c->batch_length) {
                    pipc_fail(e, PIPC_ERR_PROTOCOL, "a batch has %u bytes after its last entry; the stream is corrupt",
                              c->batch_length - c->cursor);
                    return fail(c, e);
                }
                n++;
                c->remaining--;
            }
            if (c->remaining == 0) {
                c->in_batch = 0;
                if (c->batch_record != NULL) {
                    pipc_packet_ring_consumed(&c->ring, c->batch_length); /* K follows at the release */
                    c->batch_record = NULL;
                } else {
                    pipc_input_consume(&c->in, c->batch_length);
                }
            }
            if (n == max) {
                break;
            }
            continue;
        }
        if (c->has_ring) { /* the ring first: the server publishes before it writes END or CLOSE (§7) */
            uint32_t index, length;
            int r = pipc_packet_ring_next(&c->ring, &index, &length, e);
            if (r < 0) {
                return fail(c, e);
            }
            if (r == 1) {
                const uint8_t *record = c->ring.data + index;
                uint32_t count;
                if ((r = pipc_decode_batch_header(record, length, &count, e)) < 0) {
                    return fail(c, e);
                }
                if (count == 0) {
                    pipc_packet_ring_consumed(&c->ring, length);
                } else {
                    c->in_batch = 1;
                    c->batch_record = record;
                    c->batch_length = length;
                    c->cursor = PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER;
                    c->remaining = count;
                }
                continue;
            }
            if (n == 0) {
                publish_ring(c); /* no view is out: padding and records taken since the last release go back */
            }
        }
        if (c->ended) {
            if (n > 0) {
                break;
            }
            return PIPC_END;
        }
        uint32_t length;
        uint8_t type;
        int r = pipc_input_frame(&c->in, &length, &type, e);
        if (r < 0) {
            return fail(c, e);
        }
        if (r == 1) {
            if ((r = handle_frame(c, length, type, e)) < 0) {
                return fail(c, e);
            }
            continue;
        }
        if (n > 0 || max == 0) {
            break; /* no read while views are out: reading may move the bytes they point at */
        }
        if (c->gone) {
            *e = c->gone_error;
            return fail(c, e);
        }
        send_releases(c, 0); /* before waiting, the server gets back everything */
        int64_t wait_until = deadline;
        if (c->out_sent != c->out_length) { /* a RELEASE or WAKE the socket took in part: try again soon */
            int64_t soon = pipc_deadline(1);
            if (deadline < 0 || soon < deadline) {
                wait_until = soon;
            }
        }
        int sleeping = 0;
        if (c->has_ring && pipc_left(deadline) != 0) {
            int moved = 0;
            for (int spin = 0; spin < RING_SPINS && !moved; spin++) {
                pipc_cpu_relax();
                moved = pipc_packet_ring_peek(&c->ring);
            }
            if (moved) {
                continue;
            }
            /* waiting word 1, a full fence, P again: either this sees the record or the server sees the word */
            r = pipc_packet_ring_prepare_sleep(&c->ring, e);
            if (r < 0) {
                return fail(c, e);
            }
            if (r == 0) {
                continue;
            }
            sleeping = 1;
        }
        r = pipc_input_fill(&c->in, c->fd, wait_until, e);
        if (sleeping) {
            pipc_packet_ring_awake(&c->ring);
        }
        if (r == PIPC_INPUT_EOF || r == PIPC_ERR_PEER_GONE) {
            mark_gone(c, r, e);
            continue; /* what arrived before is handed out first */
        }
        if (r < 0) {
            return fail(c, e);
        }
        if (r == 0 && pipc_left(deadline) == 0) {
            return 0;
        }
    }
    c->holding = n > 0;
    return (int)n;
}

int pipc_client_end_received(const pipc_client *c) { return c != NULL && c->ended; }

int pipc_client_ring_bytes(const pipc_client *c) { return c != NULL && c->has_ring ? (int)c->ring.capacity : 0; }

int pipc_client_shared_regions(const pipc_client *c) {
    int n = 0;
    for (unsigned id = 0; c != NULL && id < PIPC_MAX_REGIONS; id++) {
        n += c->regions[id].map != NULL;
    }
    return n;
}

void pipc_client_close(pipc_client *c) {
    if (c == NULL) {
        return;
    }
    free_client(c); /* the client sends CLOSE only on a protocol error (§5) */
}

static int check_server_user(int fd, pipc_error *err) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot read the server's credentials (SO_PEERCRED)");
    }
    if (cred.uid != geteuid()) {
        return pipc_fail(err, PIPC_ERR_REJECTED,
                         "the server runs as uid %u (pid %d), not as this process's uid %u; refused (set "
                         "allow_other_server_users to connect anyway)",
                         (unsigned)cred.uid, (int)cred.pid, (unsigned)geteuid());
    }
    return 0;
}

/** After a WELCOME with flag bit 1: the RING frame that must come next, its descriptor, the ring mapped (§7). */
static int open_ring(pipc_client *c, int64_t deadline, pipc_error *err) {
    for (;;) {
        uint32_t length;
        uint8_t type;
        int r = pipc_input_frame(&c->in, &length, &type, err);
        if (r < 0) {
            return r;
        }
        if (r == 1) {
            const uint8_t *frame = c->in.buf + c->in.start;
            if (type != PIPC_TYPE_RING) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                 "the server sent a frame of type=0x%02x (%s) where its WELCOME promised RING", type,
                                 pipc_type_name(type));
            }
            uint32_t reserved = pipc_get32(frame + PIPC_HEADER_LENGTH);
            /* frame + 12: the handle, 0 on Unix and ignored */
            uint64_t size = pipc_get64(frame + PIPC_HEADER_LENGTH + 8);
            if (reserved != 0) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                 "the server sent a RING frame with a non-zero reserved field, which version 1 does "
                                 "not define");
            }
            if (size < PIPC_RING_HEADER + (uint64_t)PIPC_RING_MIN_CAPACITY ||
                size > PIPC_RING_HEADER + (uint64_t)PIPC_RING_MAX_CAPACITY) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                 "the server announced a packet ring of size=%llu, outside what version 1 allows "
                                 "([%u, %u])",
                                 (unsigned long long)size, PIPC_RING_HEADER + PIPC_RING_MIN_CAPACITY,
                                 PIPC_RING_HEADER + PIPC_RING_MAX_CAPACITY);
            }
            int fd = pipc_input_take_fd(&c->in, c->in.base + c->in.start);
            if (fd < 0) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                 "a RING frame arrived without a file descriptor; the server is not a packet-ipc Unix "
                                 "server, or descriptors cannot be passed here");
            }
            uint8_t *map;
            if ((r = pipc_region_map_writable(fd, size, c->options.allow_unsealed_regions, &map, err)) < 0) {
                return r;
            }
            if ((r = pipc_packet_ring_open(&c->ring, map, size, err)) < 0) {
                munmap(map, (size_t)size);
                return r;
            }
            c->has_ring = 1;
            pipc_input_consume(&c->in, length);
            return 0;
        }
        r = pipc_input_fill(&c->in, c->fd, deadline, err);
        if (r == PIPC_INPUT_EOF) {
            return pipc_fail(err, PIPC_ERR_PEER_GONE,
                             "the server closed the connection while this client waited for its RING frame");
        }
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "the server's WELCOME turned the packet ring on but no RING frame came in time; the "
                             "server is broken (no_packet_ring turns the ring off)");
        }
    }
}

static int handshake(pipc_client *c, int64_t deadline, pipc_error *err) {
    uint8_t hello[PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY];
    struct iovec iov = {.iov_base = hello,
                        .iov_len = pipc_encode_hello(hello, PIPC_VERSION, PIPC_VERSION, c->options.max_frame_bytes,
                                                     c->offered_flags)};
    size_t written;
    int r = pipc_write_all(c->fd, &iov, 1, -1, deadline, &written, err);
    pipc_error write_error;
    int write_failed = 0;
    if (r == PIPC_ERR_PEER_GONE) {
        /* A server may refuse before it reads the HELLO (§2): what it sent, a REJECT, tells why. */
        write_error = *err;
        write_failed = 1;
        int64_t reject_deadline = pipc_deadline(1000);
        if (deadline < 0 || reject_deadline < deadline) {
            deadline = reject_deadline;
        }
    } else if (r < 0) {
        return r == PIPC_ERR_TIMEOUT ? pipc_fail(err, r, "the HELLO could not be written in time; the server is not "
                                                         "reading")
                                     : r;
    }
    for (;;) {
        uint32_t length;
        uint8_t type;
        r = pipc_input_frame(&c->in, &length, &type, err);
        if (r < 0) {
            return r;
        }
        if (r == 1) {
            const uint8_t *frame = c->in.buf + c->in.start;
            if (type == PIPC_TYPE_REJECT) {
                return pipc_decode_reject(frame, length, err);
            }
            if (type != PIPC_TYPE_WELCOME) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                 "expected WELCOME but got a frame of type=0x%02x (%s) during the handshake", type,
                                 pipc_type_name(type));
            }
            pipc_handshake w;
            if ((r = pipc_decode_handshake(frame, &w, err)) < 0) {
                return r;
            }
            if (w.version_a != PIPC_VERSION) {
                return pipc_fail(err, PIPC_ERR_PROTOCOL, "the server chose version %u, which this client did not "
                                                         "offer (it speaks %d..%d)",
                                 w.version_a, PIPC_VERSION, PIPC_VERSION);
            }
            /* WELCOME's reserved field and flag bits other than bit 1 are ignored (§1) */
            pipc_input_consume(&c->in, length);
            if (w.flags & PIPC_FLAG_RING) {
                if (!(c->offered_flags & PIPC_FLAG_RING)) {
                    return pipc_fail(err, PIPC_ERR_PROTOCOL,
                                     "the server turned the packet ring on although this client did not offer it");
                }
                return open_ring(c, deadline, err);
            }
            return 0;
        }
        r = pipc_input_fill(&c->in, c->fd, deadline, err);
        if (write_failed && (r == PIPC_INPUT_EOF || r == 0 || r == PIPC_ERR_PEER_GONE)) {
            return pipc_fail(err, PIPC_ERR_PEER_GONE,
                             "the server closed the connection before it read this client's HELLO (%s); it may have "
                             "refused this process (see the server's log)",
                             write_error.message);
        }
        if (r == PIPC_INPUT_EOF) {
            return pipc_fail(err, PIPC_ERR_PEER_GONE,
                             "the server closed the connection while this client waited for its WELCOME; it may "
                             "have refused this process (see the server's log)");
        }
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            return pipc_fail(err, PIPC_ERR_TIMEOUT,
                             "waited in vain for the server's WELCOME; the peer is not a packet-ipc server, or it is "
                             "stuck (raise connect_timeout_ms if it is only slow)");
        }
    }
}

pipc_client *pipc_client_connect_fd(int fd, const pipc_client_options *options, pipc_error *err) {
    pipc_client_options o;
    memset(&o, 0, sizeof o);
    if (options != NULL) {
        o = *options;
    }
    if (o.max_frame_bytes == 0) {
        o.max_frame_bytes = DEFAULT_MAX_FRAME;
    }
    if (o.connect_timeout_ms <= 0) {
        o.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    }
    if (o.max_frame_bytes < PIPC_MIN_MAX_FRAME || o.max_frame_bytes > PIPC_MAX_MAX_FRAME) {
        pipc_fail(err, PIPC_ERR_ARGUMENT, "max_frame_bytes=%u is outside [%u, %u]", o.max_frame_bytes,
                  PIPC_MIN_MAX_FRAME, PIPC_MAX_MAX_FRAME);
        close(fd);
        return NULL;
    }
    int64_t deadline = pipc_deadline(o.connect_timeout_ms);
    pipc_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot allocate a client");
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->options = o;
    /* The ring only with shared memory, as the Java client: a ring's records are at most half its capacity, so
       without the shared-memory region larger payloads could not travel at all. */
    c->offered_flags = o.no_shared_memory ? 0
                                          : PIPC_FLAG_SHARED_MEMORY |
                                                (PIPC_RING_SUPPORTED && !o.no_packet_ring ? PIPC_FLAG_RING : 0);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot make the socket non-blocking");
        free_client(c);
        return NULL;
    }
    if (pipc_input_init(&c->in, INITIAL_BUFFER, o.max_frame_bytes, err) < 0 ||
        (!o.allow_other_server_users && check_server_user(fd, err) < 0) || handshake(c, deadline, err) < 0) {
        free_client(c);
        return NULL;
    }
    return c;
}

pipc_client *pipc_client_connect(const char *name, const pipc_client_options *options, pipc_error *err) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (pipc_parse_name(name, addr.sun_path, sizeof addr.sun_path, err) < 0) {
        return NULL;
    }
    int timeout = options != NULL && options->connect_timeout_ms > 0 ? options->connect_timeout_ms
                                                                    : DEFAULT_CONNECT_TIMEOUT_MS;
    int64_t deadline = pipc_deadline(timeout);
    long pause_ms = 1;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "cannot create a Unix socket");
            return NULL;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            pipc_client_options o;
            memset(&o, 0, sizeof o);
            if (options != NULL) {
                o = *options;
            }
            int64_t left = deadline - pipc_now_ms();
            o.connect_timeout_ms = left < 1 ? 1 : (int)left;
            return pipc_client_connect_fd(fd, &o, err);
        }
        int e = errno;
        close(fd);
        if (e == ENOENT) {
            pipc_fail(err, PIPC_ERR_NO_SERVER,
                      "no server at %s: %s does not exist; check that the server is running and the name is exactly "
                      "its name",
                      name, addr.sun_path);
            return NULL;
        }
        if (e == ECONNREFUSED) {
            pipc_fail(err, PIPC_ERR_NO_SERVER,
                      "no server listens at %s: the socket file is stale (its server is gone); start the server again",
                      name);
            return NULL;
        }
        if (e != EAGAIN && e != EINTR) {
            pipc_fail_errno(err, PIPC_ERR_SYSTEM, e,
                            "cannot connect to %s (check that this user may open the socket file)", name);
            return NULL;
        }
        /* A full accept backlog gives EAGAIN, which nothing can wait on: only a new attempt tells. */
        if (pipc_left(deadline) == 0) {
            pipc_fail(err, PIPC_ERR_TIMEOUT,
                      "the server %s did not take the connection within %d ms: its accept backlog is full; try "
                      "again, or raise connect_timeout_ms",
                      name, timeout);
            return NULL;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = pause_ms * 1000000L};
        nanosleep(&ts, NULL);
        pause_ms = pause_ms < 50 ? pause_ms * 2 : 50;
    }
}
