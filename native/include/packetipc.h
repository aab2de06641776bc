/*
 * packet-ipc for C: a client and a server of packet-ipc's Unix transport (wire format version 1, see
 * docs/wire-format.md), in C11 with nothing but libc. Linux only (memfd, SCM_RIGHTS, SO_PEERCRED).
 *
 * Client:
 *
 *     pipc_error err;
 *     pipc_client *c = pipc_client_connect("unix:///run/user/1000/packet-ipc/app.sock", NULL, &err);
 *     if (c == NULL) { fprintf(stderr, "%s\n", err.message); return 1; }
 *     pipc_packet packets[64];
 *     for (;;) {
 *         int n = pipc_client_receive(c, packets, 64, -1, &err);
 *         if (n == PIPC_END) break;                 // the server ended the stream
 *         if (n < 0) { fprintf(stderr, "%s\n", err.message); break; }
 *         for (int i = 0; i < n; i++) use(packets[i].timestamp_ns, packets[i].data, packets[i].length);
 *         pipc_client_release(c);                   // the views are invalid from here on
 *     }
 *     pipc_client_close(c);
 *
 * Every function that can fail returns a negative PIPC_ERR_* code (or NULL) and, if the caller passed a
 * pipc_error, fills it with the code and a message that says what happened and what to do. pipc_strerror()
 * names a code. Objects are not thread-safe: use one from one thread at a time.
 */
#ifndef PACKETIPC_H
#define PACKETIPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The wire-format version this library speaks. */
#define PIPC_VERSION 1

/** Returned by pipc_client_receive: the server ended the stream; nothing more will come. Not an error. */
#define PIPC_END (-1)

/** Error codes: every failure is one of these, negative. */
enum pipc_code {
    PIPC_OK = 0,
    /** A system call failed; the message names it and errno. */
    PIPC_ERR_SYSTEM = -2,
    /** A bad argument (NULL, a name that is not unix:// plus an absolute path, a path too long, ...). */
    PIPC_ERR_ARGUMENT = -3,
    /** No server listens at the name (no socket file, or a stale one). */
    PIPC_ERR_NO_SERVER = -4,
    /** The time given ran out. For receive, a timeout is not an error: it returns 0. */
    PIPC_ERR_TIMEOUT = -5,
    /** The peer broke the wire format; the connection is closed (CLOSE with reason 2 was sent where possible). */
    PIPC_ERR_PROTOCOL = -6,
    /** The server refused the connection (REJECT); the message has its reason and text. */
    PIPC_ERR_REJECTED = -7,
    /** The peer went away (crashed, closed, or sent CLOSE) without ending the stream. */
    PIPC_ERR_PEER_GONE = -8,
    /** The object was closed, or the stream was already ended by this side. */
    PIPC_ERR_CLOSED = -9,
    /** Out of memory. */
    PIPC_ERR_NO_MEMORY = -10,
    /** A shared-memory region is not sealed against shrinking and growing (see allow_unsealed_regions). */
    PIPC_ERR_UNSEALED = -11,
    /** A packet is too large for any frame the peer accepts and cannot go through shared memory. */
    PIPC_ERR_TOO_LARGE = -12,
    /** The server is already in use at that path (another server listens there), or the path is not a socket. */
    PIPC_ERR_IN_USE = -13
};

/** A failure: its code and a message for a human. */
typedef struct pipc_error {
    int code;
    char message[512];
} pipc_error;

/**
 * One packet, as a view. On the client, data points into the library's receive buffer (small payloads) or straight
 * into the shared-memory region the server mapped to this process (payloads at or above the server's threshold):
 * no copy. The view stays valid until the next pipc_client_receive, pipc_client_release or pipc_client_close.
 */
typedef struct pipc_packet {
    int64_t timestamp_ns; /* nanoseconds since the Unix epoch; any value */
    uint32_t length;
    const uint8_t *data; /* may be NULL when length is 0 */
} pipc_packet;

/** The short name of a code ("PIPC_ERR_PROTOCOL: the peer broke the wire format", ...); never NULL. */
const char *pipc_strerror(int code);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Client                                                                                                           */

/** Client options; zero means the default. */
typedef struct pipc_client_options {
    /** Largest frame this client accepts, header included; default 16 MiB; at least 4096, at most 2^31-1. */
    uint32_t max_frame_bytes;
    /** How long connect waits for the server's WELCOME, in ms; default 10000. */
    int connect_timeout_ms;
    /** Non-zero: do not offer shared memory in HELLO; every payload then comes inline. */
    int no_shared_memory;
    /**
     * Non-zero: accept a region descriptor that is not a memfd sealed against shrinking and growing. A server (or an
     * impostor) could then truncate it under this process, which crashes it with SIGBUS. Off by default.
     */
    int allow_unsealed_regions;
    /** Non-zero: connect to a server that runs as another user (SO_PEERCRED); by default only the own user's. */
    int allow_other_server_users;
    /**
     * Non-zero: do not offer the packet ring (wire format §7); batches then come as frames on the socket. By default
     * the client offers it (on little-endian machines, and only with shared memory, like the Java client: a ring
     * record holds at most half the ring, so larger payloads need the region), and uses it if the server turns it on.
     */
    int no_packet_ring;
} pipc_client_options;

typedef struct pipc_client pipc_client;

/**
 * Connects to a server named "unix://" followed by the absolute path of its socket (a bare absolute path is accepted
 * too), sends HELLO and waits for WELCOME. NULL on failure, with err filled in.
 */
pipc_client *pipc_client_connect(const char *name, const pipc_client_options *options, pipc_error *err);

/** As pipc_client_connect, on a socket already connected to a server (this client takes it and closes it). */
pipc_client *pipc_client_connect_fd(int fd, const pipc_client_options *options, pipc_error *err);

/**
 * Receives up to max packets into out, waiting at most timeout_ms (-1: without limit; 0: only what is there).
 * Releases the views of the previous call first. Returns the number of packets (0 if the time ran out), PIPC_END
 * once the server ended the stream and everything before it was handed out, or a PIPC_ERR_* code. After an error
 * other than a timeout the client is unusable: close it.
 */
int pipc_client_receive(pipc_client *c, pipc_packet *out, size_t max, int timeout_ms, pipc_error *err);

/**
 * Gives back the views of the last receive: the server may reuse their shared memory. RELEASE frames go out as
 * docs/wire-format.md §4 says (when a quarter of a region is due, and always before the client waits).
 */
void pipc_client_release(pipc_client *c);

/** The number of shared-memory regions the server announced and this client mapped. */
int pipc_client_shared_regions(const pipc_client *c);

/** The packet ring's data capacity in bytes if the server turned the ring on (§7), else 0. */
int pipc_client_ring_bytes(const pipc_client *c);

/** Whether the server's END was received. */
int pipc_client_end_received(const pipc_client *c);

/** Closes the connection and frees everything (no CLOSE frame: a client sends one only on a protocol error). NULL is
 * fine. */
void pipc_client_close(pipc_client *c);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Server                                                                                                           */

/** Server options; zero means the default. */
typedef struct pipc_server_options {
    /** Largest frame this server sends, header included (capped by each client's maximum); default 16 MiB. */
    uint32_t max_frame_bytes;
    /** Payloads of at least this many bytes go through shared memory if the client maps it; default 32 KiB. */
    uint32_t shared_memory_threshold;
    /** Size of each connection's shared-memory region; default 32 MiB; at least 4096; -1 turns it off. */
    int64_t shared_memory_bytes;
    /** How long a client may take to send HELLO, in ms; default 10000. */
    int hello_timeout_ms;
    /** Non-zero: any local user may connect (socket file mode 0666); default: the server's own user only. */
    int allow_any_user;
    /**
     * Non-zero: do not accept the packet ring (wire format §7) a client offers; batches then go as frames on the
     * socket. By default the server accepts it (on little-endian machines), as the Java server does.
     */
    int no_packet_ring;
    /**
     * The data capacity of each connection's packet ring, in bytes: a power of two from 65536 to 2^30; default 4 MiB
     * (as Java's IpcOptions.RING_BYTES). A ring record holds at most half of it, so with the ring an inline payload
     * is limited to half of this less 32 bytes; larger ones go through the shared-memory region.
     */
    uint32_t packet_ring_bytes;
} pipc_server_options;

typedef struct pipc_server pipc_server;
typedef struct pipc_conn pipc_conn;

/**
 * Listens at "unix://" plus an absolute path (or a bare absolute path). A socket file left by a crashed server is
 * replaced; a live server's is not (PIPC_ERR_IN_USE). NULL on failure, with err filled in.
 */
pipc_server *pipc_server_open(const char *name, const pipc_server_options *options, pipc_error *err);

/** The server's name, "unix://" plus the socket's path, for clients. */
const char *pipc_server_name(const pipc_server *s);

/**
 * Waits at most timeout_ms (-1: without limit) for a client, checks its user, waits for its HELLO (at most the
 * HELLO timeout) and answers WELCOME (then RING, if the client offered the packet ring and this server accepts it). A connection that hangs up without sending a byte (another server probing
 * whether this name is live) is skipped. Returns 0 and the connection in *out, or a PIPC_ERR_* code: a client that failed
 * the handshake (it was sent REJECT where that helps) gives PIPC_ERR_PROTOCOL, PIPC_ERR_TIMEOUT, PIPC_ERR_PEER_GONE
 * or PIPC_ERR_REJECTED; the server stays usable, accept again.
 */
int pipc_server_accept(pipc_server *s, pipc_conn **out, int timeout_ms, pipc_error *err);

/** Closes the listening socket and removes its file (only if it is still this server's). NULL is fine. */
void pipc_server_close(pipc_server *s);

/**
 * Sends n packets, many to a frame (or, with the packet ring, to a ring record); payloads at or above the threshold
 * are copied once into the connection's sealed shared-memory region. Waits at most timeout_ms (-1: without limit) for
 * the client to take them (to read the socket, or to free room in the ring) or to RELEASE region space. Returns 0 or
 * a PIPC_ERR_* code; after PIPC_ERR_TIMEOUT the connection is still usable if no frame was cut short (the message
 * says; a full ring or region never cuts anything short).
 */
int pipc_conn_send(pipc_conn *conn, const pipc_packet *packets, size_t n, int timeout_ms, pipc_error *err);

/** Sends END: no packets follow. Waits at most timeout_ms (-1: without limit) for the client to take it. */
int pipc_conn_send_end(pipc_conn *conn, int timeout_ms, pipc_error *err);

/** The number of packets sent so far. */
uint64_t pipc_conn_packets_sent(const pipc_conn *conn);

/** The packet ring's data capacity in bytes if this connection uses it (the client offered it, §7), else 0. */
int pipc_conn_ring_bytes(const pipc_conn *conn);

/**
 * Closes the connection: after END, half-closes and waits up to 2 s for the client to close (its last RELEASE is
 * read and dropped); before END, sends CLOSE(0) without blocking and closes at once. NULL is fine.
 */
void pipc_conn_close(pipc_conn *conn);

#ifdef __cplusplus
}
#endif

#endif /* PACKETIPC_H */
