/* Shared-memory regions: sealed memfds, created by the server and mapped read-only by the client. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/** The seals a client needs: without them the server could truncate the region under the client's reads (SIGBUS). */
#define PIPC_REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

int pipc_region_create(uint64_t size, uint8_t **map, int *share_fd, pipc_error *err) {
    int fd = memfd_create("packet-ipc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "memfd_create failed");
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot size the shared region to %llu bytes",
                               (unsigned long long)size);
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot map the shared region of %llu bytes",
                               (unsigned long long)size);
    }
    int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    /* F_SEAL_FUTURE_WRITE (Linux 5.1+): no new writable mapping, so what the client gets is read-only for good. */
    if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_FUTURE_WRITE) != 0 && fcntl(fd, F_ADD_SEALS, seals) != 0) {
        int e = errno;
        munmap(m, (size_t)size);
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot seal the shared region");
    }
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int ro = open(self, O_RDONLY | O_CLOEXEC); /* the descriptor that travels cannot be mapped writable */
    int e = errno;
    close(fd);
    if (ro < 0) {
        munmap(m, (size_t)size);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot open a read-only descriptor of the shared region");
    }
    *map = m;
    *share_fd = ro;
    return 0;
}

int pipc_region_create_writable(uint64_t size, uint8_t **map, int *share_fd, pipc_error *err) {
    int fd = memfd_create("packet-ipc-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "memfd_create failed");
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot size the packet ring to %llu bytes",
                               (unsigned long long)size);
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot map the packet ring of %llu bytes",
                               (unsigned long long)size);
    }
    /* §7: sealed against shrinking and growing (no SIGBUS for either side), not against writing: the client writes
       its position into it, through the read-write descriptor that travels */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        int e = errno;
        munmap(m, (size_t)size);
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot seal the packet ring");
    }
    *map = m;
    *share_fd = fd;
    return 0;
}

int pipc_region_map(int fd, uint64_t size, int allow_unsealed, const uint8_t **map, pipc_error *err) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot read the seals of the server's shared region");
    }
    if (!allow_unsealed && (seals < 0 || (seals & PIPC_REQUIRED_SEALS) != PIPC_REQUIRED_SEALS)) {
        close(fd);
        if (seals < 0) {
            return pipc_fail(err, PIPC_ERR_UNSEALED,
                             "the descriptor that came with the REGION frame is not a memfd (it cannot carry seals), "
                             "so the server could truncate it under this client; refused: the server is not a "
                             "packet-ipc Unix server, or one from before sealed regions (allow_unsealed_regions "
                             "accepts it, at the risk of SIGBUS)");
        }
        return pipc_fail(err, PIPC_ERR_UNSEALED,
                         "the server's shared region is not sealed against shrinking and growing (F_GET_SEALS gave "
                         "0x%x, F_SEAL_SHRINK|F_SEAL_GROW needed), so it could be truncated under this client; "
                         "refused (allow_unsealed_regions accepts it, at the risk of SIGBUS)",
                         (unsigned)seals);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot read the size of the server's shared region");
    }
    if (st.st_size < 0 || (uint64_t)st.st_size < size) {
        close(fd);
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the shared region has %lld bytes, less than the %llu its REGION frame claims; the server is "
                         "not a packet-ipc server or is broken",
                         (long long)st.st_size, (unsigned long long)size);
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot map the server's shared region of %llu bytes",
                               (unsigned long long)size);
    }
    *map = m;
    return 0;
}

#ifndef F_SEAL_WRITE
#define F_SEAL_WRITE 0x0008
#endif

int pipc_region_map_writable(int fd, uint64_t size, int allow_unsealed, uint8_t **map, pipc_error *err) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot read the seals of the server's packet ring");
    }
    if (!allow_unsealed && (seals < 0 || (seals & PIPC_REQUIRED_SEALS) != PIPC_REQUIRED_SEALS)) {
        close(fd);
        return pipc_fail(err, PIPC_ERR_UNSEALED,
                         "the server's packet ring is %s, so the server could truncate it under this client; refused "
                         "(allow_unsealed_regions accepts it, at the risk of SIGBUS; no_packet_ring turns the ring "
                         "off)",
                         seals < 0 ? "not a memfd (it cannot carry seals)"
                                   : "not sealed against shrinking and growing (F_SEAL_SHRINK|F_SEAL_GROW)");
    }
    if (seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0) {
        close(fd);
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the server's packet ring is sealed against writing (F_GET_SEALS gave 0x%x), but the client "
                         "writes its position into it (§7); the server is broken",
                         (unsigned)seals);
    }
    int mode = fcntl(fd, F_GETFL);
    if (mode < 0 || (mode & O_ACCMODE) != O_RDWR) {
        close(fd);
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the descriptor of the server's packet ring is not open for reading and writing, but the "
                         "client writes its position into it (§7); the server is broken");
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot read the size of the server's packet ring");
    }
    if (st.st_size < 0 || (uint64_t)st.st_size < size) {
        close(fd);
        return pipc_fail(err, PIPC_ERR_PROTOCOL,
                         "the packet ring's region has %lld bytes, less than the %llu its RING frame claims; the "
                         "server is not a packet-ipc server or is broken",
                         (long long)st.st_size, (unsigned long long)size);
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED) {
        return pipc_fail_errno(err, PIPC_ERR_SYSTEM, e, "cannot map the server's packet ring of %llu bytes",
                               (unsigned long long)size);
    }
    *map = m;
    return 0;
}
