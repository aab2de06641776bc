/*
 * The C server of the interop tests: listens at a name, accepts one client, sends the pattern packets of
 * tests/pattern.h and END. Prints "NAME <name>", "ACCEPTED ring=<packet ring bytes, 0: none>", "SENT <n>", "ENDED",
 * "CLOSED" as it goes, or "ERROR <code>: <message>" (exit 1). With --hold it sends no END: it waits (at most 120 s)
 * to be killed. --ring BYTES sets the packet ring's capacity, --no-ring declines the ring a client offers. With
 * --retry-ms T each send waits at most T ms; one that times out with the connection still usable (a full ring or
 * region) prints "FULL <packets sent>" the first time and sends the rest of its batch again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packetipc.h"
#include "pattern.h"

static int error(const pipc_error *err) {
    printf("ERROR %s: %s\n", pipc_strerror(err->code), err->message);
    fflush(stdout);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: pipc-test-server NAME [--sizes a,b,c] [--count N] [--seed S] [--batch B] "
                        "[--region BYTES] [--threshold BYTES] [--max-frame BYTES] [--ring BYTES] [--no-ring] [--retry-ms T] [--hold]\n");
        return 2;
    }
    const char *name = argv[1];
    char sizes_arg[1024] = "100";
    uint64_t count = 100;
    uint64_t seed = 1;
    size_t batch = 16;
    int hold = 0;
    int retry_ms = 0;
    int full = 0;
    pipc_server_options options;
    memset(&options, 0, sizeof options);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--sizes") == 0) {
            snprintf(sizes_arg, sizeof sizes_arg, "%s", v), i++;
        } else if (strcmp(a, "--count") == 0) {
            count = strtoull(v, NULL, 10), i++;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 10), i++;
        } else if (strcmp(a, "--batch") == 0) {
            batch = (size_t)strtoul(v, NULL, 10), i++;
        } else if (strcmp(a, "--region") == 0) {
            options.shared_memory_bytes = strtoll(v, NULL, 10), i++;
        } else if (strcmp(a, "--threshold") == 0) {
            options.shared_memory_threshold = (uint32_t)strtoul(v, NULL, 10), i++;
        } else if (strcmp(a, "--max-frame") == 0) {
            options.max_frame_bytes = (uint32_t)strtoul(v, NULL, 10), i++;
        } else if (strcmp(a, "--ring") == 0) {
            options.packet_ring_bytes = (uint32_t)strtoul(v, NULL, 10), i++;
        } else if (strcmp(a, "--no-ring") == 0) {
            options.no_packet_ring = 1;
        } else if (strcmp(a, "--retry-ms") == 0) {
            retry_ms = atoi(v), i++;
        } else if (strcmp(a, "--hold") == 0) {
            hold = 1;
        } else {
            fprintf(stderr, "unknown argument %s\n", a);
            return 2;
        }
    }
    uint32_t sizes[64];
    size_t nsizes = 0;
    for (char *s = strtok(sizes_arg, ","); s != NULL && nsizes < 64; s = strtok(NULL, ",")) {
        sizes[nsizes++] = (uint32_t)strtoul(s, NULL, 10);
    }
    if (nsizes == 0 || batch == 0) {
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pipc_error err;
    pipc_server *server = pipc_server_open(name, &options, &err);
    if (server == NULL) {
        return error(&err);
    }
    printf("NAME %s\n", pipc_server_name(server));
    pipc_conn *conn;
    if (pipc_server_accept(server, &conn, 60000, &err) < 0) {
        pipc_server_close(server);
        return error(&err);
    }
    printf("ACCEPTED ring=%d\n", pipc_conn_ring_bytes(conn));
    pipc_packet *packets = calloc(batch, sizeof *packets);
    uint8_t **buffers = calloc(batch, sizeof *buffers);
    int status = 0;
    for (uint64_t sent = 0; sent < count && status == 0;) {
        size_t n = 0;
        for (; n < batch && sent + n < count; n++) {
            uint64_t index = sent + n;
            uint32_t length = sizes[index % nsizes];
            buffers[n] = malloc(length == 0 ? 1 : length);
            pattern_fill(buffers[n], seed, index, length);
            packets[n].timestamp_ns = pattern_timestamp(index);
            packets[n].length = length;
            packets[n].data = buffers[n];
        }
        if (retry_ms <= 0) {
            if (pipc_conn_send(conn, packets, n, 60000, &err) < 0) {
                status = error(&err);
            }
        } else { /* a send that times out went in part; the rest is sent again (the connection is still usable) */
            size_t done = 0;
            while (done < n && status == 0) {
                uint64_t before = pipc_conn_packets_sent(conn);
                int r = pipc_conn_send(conn, packets + done, n - done, retry_ms, &err);
                done += (size_t)(pipc_conn_packets_sent(conn) - before);
                if (r == PIPC_ERR_TIMEOUT && strstr(err.message, "still usable") != NULL) {
                    if (!full) {
                        printf("FULL %llu\n", (unsigned long long)pipc_conn_packets_sent(conn));
                        full = 1;
                    }
                } else if (r < 0) {
                    status = error(&err);
                } else {
                    done = n;
                }
            }
        }
        for (size_t k = 0; k < n; k++) {
            free(buffers[k]);
        }
        sent += n;
    }
    free(packets);
    free(buffers);
    if (status == 0) {
        printf("SENT %llu\n", (unsigned long long)pipc_conn_packets_sent(conn));
        if (hold) {
            printf("HOLDING\n");
            sleep(120);
        } else if (pipc_conn_send_end(conn, 60000, &err) < 0) {
            status = error(&err);
        } else {
            printf("ENDED\n");
        }
    }
    pipc_conn_close(conn);
    pipc_server_close(server);
    printf("CLOSED\n");
    return status;
}
