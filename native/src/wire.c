/* The wire format of docs/wire-format.md: encoding, and validating every frame as strictly as the Java codec. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *pipc_strerror(int code) {
    switch (code) {
    case PIPC_OK:
        return "PIPC_OK: success";
    case PIPC_END:
        return "PIPC_END: the server ended the stream";
    case PIPC_ERR_SYSTEM:
        return "PIPC_ERR_SYSTEM: a system call failed";
    case PIPC_ERR_ARGUMENT:
        return "PIPC_ERR_ARGUMENT: a bad argument";
    case PIPC_ERR_NO_SERVER:
        return "PIPC_ERR_NO_SERVER: no server listens at that name";
    case PIPC_ERR_TIMEOUT:
        return "PIPC_ERR_TIMEOUT: the time ran out";
    case PIPC_ERR_PROTOCOL:
        return "PIPC_ERR_PROTOCOL: the peer broke the wire format";
    case PIPC_ERR_REJECTED:
        return "PIPC_ERR_REJECTED: the server refused the connection";
    case PIPC_ERR_PEER_GONE:
        return "PIPC_ERR_PEER_GONE: the peer went away without ending the stream";
    case PIPC_ERR_CLOSED:
        return "PIPC_ERR_CLOSED: closed, or the stream was already ended";
    case PIPC_ERR_NO_MEMORY:
        return "PIPC_ERR_NO_MEMORY: out of memory";
    case PIPC_ERR_UNSEALED:
        return "PIPC_ERR_UNSEALED: a shared-memory region is not sealed";
    case PIPC_ERR_TOO_LARGE:
        return "PIPC_ERR_TOO_LARGE: a packet is too large for the peer's frames";
    case PIPC_ERR_IN_USE:
        return "PIPC_ERR_IN_USE: the name is taken";
    default:
        return "unknown packet-ipc code";
    }
}

static int vfail(pipc_error *err, int code, int errnum, const char *format, va_list args) {
    if (err != NULL) {
        err->code = code;
        int n = vsnprintf(err->message, sizeof err->message, format, args);
        if (errnum != 0 && n >= 0 && (size_t)n < sizeof err->message) {
            snprintf(err->message + n, sizeof err->message - (size_t)n, ": %s (errno %d)", strerror(errnum), errnum);
        }
    }
    return code;
}

int pipc_fail(pipc_error *err, int code, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfail(err, code, 0, format, args);
    va_end(args);
    return code;
}

int pipc_fail_errno(pipc_error *err, int code, int errnum, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfail(err, code, errnum, format, args);
    va_end(args);
    return code;
}

void pipc_copy_volatile(uint8_t *dst, const uint8_t *src, size_t n) {
    const volatile uint8_t *from = src;
    for (size_t i = 0; i < n; i++) {
        dst[i] = from[i];
    }
}

uint32_t pipc_min_length(uint8_t type) {
    switch (type) {
    case PIPC_TYPE_HELLO:
    case PIPC_TYPE_WELCOME:
        return PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY;
    case PIPC_TYPE_REJECT:
        return PIPC_HEADER_LENGTH + PIPC_REJECT_BODY;
    case PIPC_TYPE_BATCH:
        return PIPC_HEADER_LENGTH + PIPC_BATCH_HEADER;
    case PIPC_TYPE_END:
    case PIPC_TYPE_WAKE:
        return PIPC_HEADER_LENGTH;
    case PIPC_TYPE_CLOSE:
        return PIPC_HEADER_LENGTH + PIPC_CLOSE_BODY;
    case PIPC_TYPE_REGION:
    case PIPC_TYPE_RELEASE:
    case PIPC_TYPE_RING:
        return PIPC_HEADER_LENGTH + PIPC_REGION_BODY;
    default:
        return 0;
    }
}

uint32_t pipc_max_length(uint8_t type) {
    switch (type) {
    case PIPC_TYPE_REJECT:
        return PIPC_HEADER_LENGTH + PIPC_REJECT_BODY + PIPC_MAX_REJECT_TEXT;
    case PIPC_TYPE_WELCOME:
    case PIPC_TYPE_END:
    case PIPC_TYPE_CLOSE:
    case PIPC_TYPE_REGION:
    case PIPC_TYPE_RELEASE:
    case PIPC_TYPE_WAKE:
    case PIPC_TYPE_RING:
        return pipc_min_length(type);
    default: /* HELLO (a later version may extend it) and BATCH: only the negotiated maximum */
        return UINT32_MAX;
    }
}

const char *pipc_type_name(uint8_t type) {
    switch (type) {
    case PIPC_TYPE_HELLO:
        return "HELLO";
    case PIPC_TYPE_WELCOME:
        return "WELCOME";
    case PIPC_TYPE_REJECT:
        return "REJECT";
    case PIPC_TYPE_BATCH:
        return "BATCH";
    case PIPC_TYPE_END:
        return "END";
    case PIPC_TYPE_CLOSE:
        return "CLOSE";
    case PIPC_TYPE_REGION:
        return "REGION";
    case PIPC_TYPE_RELEASE:
        return "RELEASE";
    case PIPC_TYPE_WAKE:
        return "WAKE";
    case PIPC_TYPE_RING:
        return "RING";
    default:
        return "unknown";
    }
}

int pipc_check_header(const uint8_t *p, uint32_t max_frame, uint32_t *length, uint8_t *type, pipc_error *err) {
    uint32_t len = pipc_get32(p);
    uint8_t t = p[4];
    uint32_t min = pipc_min_length(t);
    if (min == 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "frame type=0x%02x unknown (length=%u); the peer speaks another protocol or the stream is "
                         "corrupt",
                         t, len);
    }
    uint32_t max = pipc_max_length(t) < max_frame ? pipc_max_length(t) : max_frame;
    if (len < min || len > max || len % PIPC_ALIGNMENT != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "frame type=0x%02x (%s) length=%u is illegal (minimum=%u maximum=%u alignment=%u); if the "
                         "peer legitimately sends larger frames, raise max_frame_bytes",
                         t, pipc_type_name(t), len, min, max, PIPC_ALIGNMENT);
    }
    if (p[5] != 0 || pipc_get16(p + 6) != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "frame type=0x%02x (%s) has non-zero flags or reserved bits, which version 1 does not define",
                         t, pipc_type_name(t));
    }
    *length = len;
    *type = t;
    return 0;
}

size_t pipc_encode_header(uint8_t *dst, uint32_t length, uint8_t type) {
    pipc_put32(dst, length);
    dst[4] = type;
    dst[5] = 0;
    pipc_put16(dst + 6, 0);
    return PIPC_HEADER_LENGTH;
}

static size_t handshake(uint8_t *dst, uint8_t type, uint16_t a, uint16_t b, uint32_t max_frame, uint32_t flags) {
    uint8_t *body = dst + PIPC_HEADER_LENGTH;
    pipc_put32(body, PIPC_MAGIC);
    pipc_put16(body + 4, a);
    pipc_put16(body + 6, b);
    pipc_put32(body + 8, max_frame);
    pipc_put32(body + 12, flags);
    return pipc_encode_header(dst, PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY, type);
}

size_t pipc_encode_hello(uint8_t *dst, uint16_t min_version, uint16_t max_version, uint32_t max_frame, uint32_t flags) {
    handshake(dst, PIPC_TYPE_HELLO, min_version, max_version, max_frame, flags);
    return PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY;
}

size_t pipc_encode_welcome(uint8_t *dst, uint16_t version, uint32_t max_frame) {
    return pipc_encode_welcome_flags(dst, version, max_frame, 0);
}

size_t pipc_encode_welcome_flags(uint8_t *dst, uint16_t version, uint32_t max_frame, uint32_t flags) {
    handshake(dst, PIPC_TYPE_WELCOME, version, 0, max_frame, flags);
    return PIPC_HEADER_LENGTH + PIPC_HANDSHAKE_BODY;
}

size_t pipc_encode_reject(uint8_t *dst, uint32_t reason, const char *text) {
    size_t n = strlen(text);
    if (n > PIPC_MAX_REJECT_TEXT) {
        n = PIPC_MAX_REJECT_TEXT;
    }
    uint32_t length = (uint32_t)pipc_align8(PIPC_HEADER_LENGTH + PIPC_REJECT_BODY + n);
    memset(dst, 0, length);
    pipc_put32(dst + PIPC_HEADER_LENGTH, reason);
    pipc_put32(dst + PIPC_HEADER_LENGTH + 4, (uint32_t)n);
    memcpy(dst + PIPC_HEADER_LENGTH + PIPC_REJECT_BODY, text, n);
    pipc_encode_header(dst, length, PIPC_TYPE_REJECT);
    return length;
}

size_t pipc_encode_close(uint8_t *dst, uint32_t reason) {
    pipc_put32(dst + PIPC_HEADER_LENGTH, reason);
    pipc_put32(dst + PIPC_HEADER_LENGTH + 4, 0);
    return pipc_encode_header(dst, PIPC_HEADER_LENGTH + PIPC_CLOSE_BODY, PIPC_TYPE_CLOSE) + PIPC_CLOSE_BODY;
}

static size_t region_frame(uint8_t *dst, uint8_t type, uint32_t id, uint32_t handle, uint64_t value) {
    pipc_put32(dst + PIPC_HEADER_LENGTH, id);
    pipc_put32(dst + PIPC_HEADER_LENGTH + 4, handle);
    pipc_put64(dst + PIPC_HEADER_LENGTH + 8, value);
    return pipc_encode_header(dst, PIPC_HEADER_LENGTH + PIPC_REGION_BODY, type) + PIPC_REGION_BODY;
}

size_t pipc_encode_region(uint8_t *dst, uint32_t id, uint32_t handle, uint64_t size) {
    return region_frame(dst, PIPC_TYPE_REGION, id, handle, size);
}

size_t pipc_encode_release(uint8_t *dst, uint32_t id, uint64_t position) {
    return region_frame(dst, PIPC_TYPE_RELEASE, id, 0, position);
}

size_t pipc_encode_ring(uint8_t *dst, uint32_t handle, uint64_t size) {
    return region_frame(dst, PIPC_TYPE_RING, 0, handle, size);
}

int pipc_decode_handshake(const uint8_t *frame, pipc_handshake *out, pipc_error *err) {
    const uint8_t *body = frame + PIPC_HEADER_LENGTH;
    uint32_t magic = pipc_get32(body);
    if (magic != PIPC_MAGIC) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "magic=0x%08x is not packet-ipc's 0x%08x; the peer is not a packet-ipc endpoint", magic,
                         PIPC_MAGIC);
    }
    out->version_a = pipc_get16(body + 4);
    out->version_b = pipc_get16(body + 6);
    out->max_frame = pipc_get32(body + 8);
    out->flags = pipc_get32(body + 12);
    if (out->max_frame < PIPC_MIN_MAX_FRAME || out->max_frame > PIPC_MAX_MAX_FRAME) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "the peer's maximum frame size=%u is outside [%u, %u]",
                         out->max_frame, PIPC_MIN_MAX_FRAME, PIPC_MAX_MAX_FRAME);
    }
    return 0;
}

int pipc_decode_reject(const uint8_t *frame, uint32_t length, pipc_error *err) {
    uint32_t reason = pipc_get32(frame + PIPC_HEADER_LENGTH);
    uint32_t n = pipc_get32(frame + PIPC_HEADER_LENGTH + 4);
    uint32_t room = length - PIPC_HEADER_LENGTH - PIPC_REJECT_BODY;
    const char *what = reason == PIPC_REASON_VERSION    ? "no common version"
                       : reason == PIPC_REASON_PROTOCOL ? "protocol violation"
                       : reason == PIPC_REASON_REFUSED  ? "this process is not allowed"
                                                        : "unknown reason";
    if (n > room || n > PIPC_MAX_REJECT_TEXT) {
        return pipc_fail(err, PIPC_ERR_REJECTED, "the server refused the connection: reason=%u (%s), text unreadable",
                         reason, what);
    }
    return pipc_fail(err, PIPC_ERR_REJECTED, "the server refused the connection: reason=%u (%s): %.*s", reason, what,
                     (int)n, (const char *)frame + PIPC_HEADER_LENGTH + PIPC_REJECT_BODY);
}

int pipc_decode_batch_header(const uint8_t *frame, uint32_t frame_length, uint32_t *count, pipc_error *err) {
    uint8_t body[PIPC_BATCH_HEADER]; /* read once: a ring record may change under the reader (§7) */
    pipc_copy_volatile(body, frame + PIPC_HEADER_LENGTH, sizeof body);
    uint32_t n = pipc_get32(body);
    uint64_t room = (uint64_t)frame_length - PIPC_HEADER_LENGTH - PIPC_BATCH_HEADER;
    if ((uint64_t)n * PIPC_ENTRY_HEADER > room) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "batch count=%u cannot fit in frame length=%u; the stream is corrupt",
                         n, frame_length);
    }
    if (n == 0 && room != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "a batch of 0 packets has %llu bytes after its header",
                         (unsigned long long)room);
    }
    if (pipc_get32(body + 4) != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "batch has a non-zero reserved field, which version 1 does not define");
    }
    *count = n;
    return 0;
}

int pipc_decode_entry(const uint8_t *frame, uint32_t frame_length, uint32_t *cursor,
                      const pipc_client_region *regions, pipc_packet *out, int *region_id, uint64_t *offset,
                      pipc_error *err) {
    uint32_t at = *cursor;
    if (at > frame_length || frame_length - at < PIPC_ENTRY_HEADER) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "packet entry at offset=%u overruns its frame (frame end=%u)", at,
                         frame_length);
    }
    const uint8_t *entry = frame + at;
    uint32_t left = frame_length - at;
    /* Every field is read once, into a local, before it is checked: a ring record may change under the reader (§7). */
    uint8_t fields[PIPC_SHARED_ENTRY];
    pipc_copy_volatile(fields, entry, left < PIPC_SHARED_ENTRY ? left : PIPC_SHARED_ENTRY);
    int64_t timestamp = (int64_t)pipc_get64(fields);
    uint32_t length = pipc_get32(fields + 8);
    uint32_t kind = pipc_get32(fields + 12);
    if (kind == PIPC_KIND_INLINE) {
        uint64_t entry_length = PIPC_ENTRY_HEADER + pipc_align8(length);
        if (entry_length > left) {
            return pipc_fail(err, PIPC_ERR_PROTOCOL,
                             "packet entry at offset=%u with length=%u overruns its frame (frame end=%u)", at, length,
                             frame_length);
        }
        out->timestamp_ns = timestamp;
        out->length = length;
        out->data = entry + PIPC_ENTRY_HEADER;
        *region_id = -1;
        *cursor = at + (uint32_t)entry_length;
        return 0;
    }
    if (kind != PIPC_KIND_SHARED) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "packet entry at offset=%u has unknown kind=%u", at, kind);
    }
    if (left < PIPC_SHARED_ENTRY) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "shared-memory entry at offset=%u overruns its frame (frame end=%u)",
                         at, frame_length);
    }
    uint32_t id = pipc_get32(fields + 16);
    uint32_t reserved = pipc_get32(fields + 20);
    uint64_t off = pipc_get64(fields + 24);
    if (reserved != 0) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL, "shared-memory entry at offset=%u has a non-zero reserved field", at);
    }
    if (id >= PIPC_MAX_REGIONS || regions[id].map == NULL) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "packet entry at offset=%u names region=%u that was never announced with a REGION frame", at,
                         id);
    }
    /* Overflow-safe: off + length <= ring, with ring <= 2^31 - 1. The spec puts every payload inside the first R
       bytes (the ring), which also keeps both sides' positions in step. */
    uint64_t ring = regions[id].ring;
    if (off > ring || length > ring - off) {
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "packet entry at offset=%u points outside region=%u (offset=%llu length=%u ring size=%llu)",
                         at, id, (unsigned long long)off, length, (unsigned long long)ring);
    }
    out->timestamp_ns = timestamp;
    out->length = length;
    out->data = regions[id].map + off;
    *region_id = (int)id;
    *offset = off;
    *cursor = at + PIPC_SHARED_ENTRY;
    return 0;
}

int pipc_parse_name(const char *name, char *path, size_t path_size, pipc_error *err) {
    if (name == NULL) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "the server name is NULL");
    }
    const char *bare = strncmp(name, "unix://", 7) == 0 ? name + 7 : name;
    if (bare[0] != '/') {
        return pipc_fail(err, PIPC_ERR_ARGUMENT,
                         "'%s' is not a Unix server name: expected unix:// followed by the absolute path of the "
                         "server's socket, as the server's name gives it",
                         name);
    }
    size_t n = strlen(bare);
    if (n + 1 > path_size) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT,
                         "the socket path %s has %zu bytes, more than the %zu a Unix socket address holds; use a "
                         "shorter path",
                         bare, n, path_size - 1);
    }
    memcpy(path, bare, n + 1);
    return 0;
}
