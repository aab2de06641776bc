/* Time, waiting and socket I/O with deadlines; the receive buffer; descriptors that come with the bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int64_t pipc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pipc_deadline(int timeout_ms) { return timeout_ms < 0 ? -1 : pipc_now_ms() + timeout_ms; }

int pipc_left(int64_t deadline) {
    if (deadline < 0) {
        return -1;
    }
    int64_t left = deadline - pipc_now_ms();
    return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int pipc_wait(int fd, short events, int64_t deadline, pipc_error *err) {
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int left = pipc_left(deadline);
        int r = poll(&p, 1, left);
        if (r > 0) {
            return 1; /* readable, writable, or an error/hang-up the next call reports */
        }
        if (r == 0) {
            if (pipc_left(deadline) == 0) {
                return 0;
            }
            continue;
        }
        if (errno != EINTR) {
            return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "poll failed");
        }
    }
}

static int gone_errno(int e) { return e == EPIPE || e == ECONNRESET || e == ENOTCONN || e == ECONNABORTED; }

int pipc_write_all(int fd, const struct iovec *iov_in, int iovcnt, int attach_fd, int64_t deadline, size_t *written,
                   pipc_error *err) {
    struct iovec iov[8];
    if (iovcnt > 8) {
        return pipc_fail(err, PIPC_ERR_ARGUMENT, "too many buffers");
    }
    memcpy(iov, iov_in, sizeof(struct iovec) * (size_t)iovcnt);
    size_t total = 0;
    int first = 0;
    while (first < iovcnt && iov[first].iov_len == 0) {
        first++;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    while (first < iovcnt) {
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = iov + first;
        msg.msg_iovlen = (size_t)(iovcnt - first);
        if (attach_fd >= 0) {
            memset(&control, 0, sizeof control);
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof control.buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &attach_fd, sizeof(int));
        }
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int r = pipc_wait(fd, POLLOUT, deadline, err);
                if (r < 0) {
                    *written = total;
                    return r;
                }
                if (r == 0) {
                    *written = total;
                    return pipc_fail(err, PIPC_ERR_TIMEOUT, "the peer did not take the bytes in time");
                }
                continue;
            }
            *written = total;
            if (gone_errno(errno)) {
                return pipc_fail_errno(err, PIPC_ERR_PEER_GONE, errno, "the peer went away (it crashed or closed)");
            }
            return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "sendmsg failed");
        }
        attach_fd = -1; /* the descriptor went with the first bytes */
        total += (size_t)n;
        size_t left = (size_t)n;
        while (first < iovcnt && left >= iov[first].iov_len) {
            left -= iov[first].iov_len;
            first++;
        }
        if (first < iovcnt) {
            iov[first].iov_base = (char *)iov[first].iov_base + left;
            iov[first].iov_len -= left;
        }
    }
    *written = total;
    return 0;
}

int pipc_input_init(pipc_input *in, uint32_t initial, uint32_t max_frame, pipc_error *err) {
    memset(in, 0, sizeof *in);
    if (initial > max_frame) {
        initial = max_frame;
    }
    if (initial < PIPC_MIN_MAX_FRAME) {
        initial = PIPC_MIN_MAX_FRAME;
    }
    in->buf = malloc(initial);
    if (in->buf == NULL) {
        return pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot allocate a receive buffer of %u bytes", initial);
    }
    in->cap = initial;
    in->max_frame = max_frame;
    return 0;
}

void pipc_input_free(pipc_input *in) {
    free(in->buf);
    in->buf = NULL;
    for (int i = 0; i < in->nfds; i++) {
        close(in->fds[i]);
    }
    in->nfds = 0;
}

int pipc_input_frame(pipc_input *in, uint32_t *length, uint8_t *type, pipc_error *err) {
    if (in->end - in->start < PIPC_HEADER_LENGTH) {
        return 0;
    }
    int r = pipc_check_header(in->buf + in->start, in->max_frame, length, type, err);
    if (r < 0) {
        return r;
    }
    return in->end - in->start >= *length ? 1 : 0;
}

void pipc_input_consume(pipc_input *in, uint32_t length) { in->start += length; }

/** Moves the current frame to the front, or grows the buffer (never beyond the maximum frame), to fit it. */
static int make_room(pipc_input *in, pipc_error *err) {
    uint32_t needed = PIPC_HEADER_LENGTH;
    if (in->end - in->start >= PIPC_HEADER_LENGTH) {
        needed = pipc_get32(in->buf + in->start); /* checked against max_frame by pipc_input_frame already */
    }
    if (in->start == in->end) {
        in->base += in->start;
        in->start = in->end = 0;
    }
    if (in->start + needed <= in->cap && in->end < in->cap) {
        return 0;
    }
    uint32_t kept = in->end - in->start;
    if (needed > in->cap) {
        uint64_t grown = (uint64_t)in->cap * 2;
        if (grown < needed) {
            grown = needed;
        }
        if (grown > in->max_frame) {
            grown = in->max_frame;
        }
        uint8_t *buf = malloc((size_t)grown);
        if (buf == NULL) {
            return pipc_fail(err, PIPC_ERR_NO_MEMORY, "cannot grow the receive buffer to %llu bytes",
                             (unsigned long long)grown);
        }
        memcpy(buf, in->buf + in->start, kept);
        free(in->buf);
        in->buf = buf;
        in->cap = (uint32_t)grown;
    } else {
        memmove(in->buf, in->buf + in->start, kept);
    }
    in->base += in->start;
    in->start = 0;
    in->end = kept;
    return 0;
}

static void keep_fds(pipc_input *in, struct msghdr *msg, uint64_t from, uint64_t to, int *overflow) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (in->nfds < (int)PIPC_MAX_REGIONS) {
                in->fd_from[in->nfds] = from;
                in->fd_to[in->nfds] = to;
                in->fds[in->nfds++] = fd;
            } else {
                close(fd);
                *overflow = 1;
            }
        }
    }
}

int pipc_input_fill(pipc_input *in, int fd, int64_t deadline, pipc_error *err) {
    int r = make_room(in, err);
    if (r < 0) {
        return r;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    for (;;) {
        struct iovec iov = {.iov_base = in->buf + in->end, .iov_len = in->cap - in->end};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                r = pipc_wait(fd, POLLIN, deadline, err);
                if (r <= 0) {
                    return r;
                }
                continue;
            }
            if (gone_errno(errno)) {
                return pipc_fail_errno(err, PIPC_ERR_PEER_GONE, errno, "the peer went away (it crashed or closed)");
            }
            return pipc_fail_errno(err, PIPC_ERR_SYSTEM, errno, "recvmsg failed");
        }
        /* Descriptors come with the read that holds the first byte they were sent with: Linux may glue bytes sent
           before them into the same read (never bytes sent after them), so they belong to the REGION that starts
           in this read (§4). */
        int overflow = 0;
        keep_fds(in, &msg, in->base + in->end, in->base + in->end + (uint64_t)(n > 0 ? n : 0), &overflow);
        if (overflow || (msg.msg_flags & MSG_CTRUNC)) {
            return pipc_fail(err, PIPC_ERR_PROTOCOL,
                             "the peer sent more file descriptors than regions it may announce (%u); it is not a "
                             "packet-ipc peer",
                             PIPC_MAX_REGIONS);
        }
        if (n == 0) {
            return PIPC_INPUT_EOF;
        }
        in->end += (uint32_t)n;
        return (int)n;
    }
}

int pipc_input_take_fd(pipc_input *in, uint64_t offset) {
    int fd = -1;
    int kept = 0;
    for (int i = 0; i < in->nfds; i++) {
        if (in->fd_from[i] <= offset && offset < in->fd_to[i] && fd < 0) {
            fd = in->fds[i];
        } else if (in->fd_to[i] <= offset || in->fd_from[i] <= offset) {
            close(in->fds[i]); /* came with bytes before this frame's first one: unused */
        } else {
            in->fds[kept] = in->fds[i];
            in->fd_from[kept] = in->fd_from[i];
            in->fd_to[kept++] = in->fd_to[i];
        }
    }
    in->nfds = kept;
    return fd;
}
