/*
 * packet-ipc-cat: connects to a packet-ipc server and prints every packet it receives, one line each:
 *
 *     PACKET <index> <timestamp_ns> <length> <crc32, 8 hex digits> <first bytes in hex>
 *
 * then "END <packets> <bytes> regions=<shared-memory regions mapped> ring=<packet ring bytes, 0: off>" when the server ends the stream (exit 0), or
 * "ERROR <code>: <message>" (exit 1). With --stats (for benchmarks) it also prints
 * "STATS <packets> <bytes> <nanoseconds from the first packet to END>". Usage: packet-ipc-cat [options] NAME
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packetipc.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
}

/** CRC-32 (IEEE, as java.util.zip.CRC32). */
static uint32_t crc32(const uint8_t *data, uint32_t length) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < length; i++) {
        c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFu;
}

static void usage(void) {
    fprintf(stderr,
            "usage: packet-ipc-cat [--batch N] [--hex N] [--timeout-ms T] [--max-frame BYTES] [--no-shm] [--no-ring]\n"
            "                      [--allow-unsealed] [--quiet] [--stats] [--go-on-stdin] unix:///path/of/the/server.sock\n"
            "  --batch N         receive up to N packets per call (default 64)\n"
            "  --hex N           print the first N bytes of each payload (default 16)\n"
            "  --timeout-ms T    give up when nothing arrives for T ms (default: wait without limit)\n"
            "  --max-frame BYTES largest frame accepted (default 16 MiB)\n"
            "  --no-shm          do not offer shared memory: every payload comes inline\n"
            "  --no-ring         do not offer the packet ring: batches come as frames on the socket\n"
            "  --allow-unsealed  accept a shared-memory region that is not sealed (risk of SIGBUS)\n"
            "  --quiet           print only the END or ERROR line\n"
            "  --stats           also print STATS <packets> <bytes> <ns from the first packet to END>\n"
            "  --go-on-stdin     after connecting, read a line from stdin before the first receive (for tests)\n");
}

int main(int argc, char **argv) {
    pipc_client_options options;
    memset(&options, 0, sizeof options);
    size_t batch = 64;
    int hex = 16;
    int timeout_ms = -1;
    int quiet = 0;
    int stats = 0;
    int go_on_stdin = 0;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--batch") == 0 && more) {
            batch = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--hex") == 0 && more) {
            hex = atoi(argv[++i]);
        } else if (strcmp(a, "--timeout-ms") == 0 && more) {
            timeout_ms = atoi(argv[++i]);
        } else if (strcmp(a, "--max-frame") == 0 && more) {
            options.max_frame_bytes = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--no-shm") == 0) {
            options.no_shared_memory = 1;
        } else if (strcmp(a, "--no-ring") == 0) {
            options.no_packet_ring = 1;
        } else if (strcmp(a, "--allow-unsealed") == 0) {
            options.allow_unsealed_regions = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--stats") == 0) {
            stats = 1;
        } else if (strcmp(a, "--go-on-stdin") == 0) {
            go_on_stdin = 1;
        } else if (a[0] != '-' && name == NULL) {
            name = a;
        } else {
            usage();
            return 2;
        }
    }
    if (name == NULL || batch == 0) {
        usage();
        return 2;
    }
    crc_init();
    pipc_error err;
    pipc_client *c = pipc_client_connect(name, &options, &err);
    if (c == NULL) {
        printf("ERROR %s: %s\n", pipc_strerror(err.code), err.message);
        return 1;
    }
    printf("CONNECTED %s ring=%d\n", name, pipc_client_ring_bytes(c));
    fflush(stdout);
    if (go_on_stdin) {
        char line[64];
        if (fgets(line, sizeof line, stdin) == NULL) {
            printf("ERROR stdin ended before the line that lets this client go on\n");
            pipc_client_close(c);
            return 1;
        }
    }
    pipc_packet *packets = calloc(batch, sizeof *packets);
    if (packets == NULL) {
        printf("ERROR out of memory\n");
        pipc_client_close(c);
        return 1;
    }
    uint64_t count = 0;
    uint64_t bytes = 0;
    struct timespec first = {0, 0};
    int status = 0;
    for (;;) {
        int n = pipc_client_receive(c, packets, batch, timeout_ms, &err);
        if (n == PIPC_END) {
            printf("END %llu %llu regions=%d ring=%d\n", (unsigned long long)count, (unsigned long long)bytes,
                   pipc_client_shared_regions(c), pipc_client_ring_bytes(c));
            if (stats) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long long ns = count == 0 ? 0
                                          : (long long)(now.tv_sec - first.tv_sec) * 1000000000LL +
                                                (now.tv_nsec - first.tv_nsec);
                printf("STATS %llu %llu %lld\n", (unsigned long long)count, (unsigned long long)bytes, ns);
            }
            break;
        }
        if (n < 0) {
            printf("ERROR %s: %s\n", pipc_strerror(err.code), err.message);
            status = 1;
            break;
        }
        if (n == 0) {
            printf("ERROR %s: nothing arrived within %d ms\n", pipc_strerror(PIPC_ERR_TIMEOUT), timeout_ms);
            status = 1;
            break;
        }
        if (count == 0) {
            clock_gettime(CLOCK_MONOTONIC, &first);
        }
        for (int i = 0; i < n; i++) {
            const pipc_packet *p = &packets[i];
            if (!quiet) {
                printf("PACKET %llu %lld %u %08x ", (unsigned long long)count, (long long)p->timestamp_ns, p->length,
                       crc32(p->data, p->length));
                for (uint32_t k = 0; k < p->length && (int)k < hex; k++) {
                    printf("%02x", p->data[k]);
                }
                printf("\n");
            }
            count++;
            bytes += p->length;
        }
        fflush(stdout);
        pipc_client_release(c);
    }
    fflush(stdout);
    free(packets);
    pipc_client_close(c);
    return status;
}
