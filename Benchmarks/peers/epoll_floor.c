/* The floor for `scripts/bench.sh --peers` (issue 19): the least an OCPP-J central system can do per message.
 *
 * One thread, one epoll set, level-triggered, non-blocking sockets. It accepts TCP, answers the WebSocket upgrade
 * (Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) through OpenSSL's libcrypto; subprotocol ocpp1.6), reads masked
 * frames and, for each CALL `[2,"id","Action",...]`, sends a canned CALLRESULT with the same unique id. No JSON parsing
 * beyond the unique id and the action, no validation, no storage. Pings get pongs, a close gets a close.
 *
 *     cc -O2 -o epoll_floor Benchmarks/peers/epoll_floor.c -lcrypto
 *     ./epoll_floor [PORT]        (0 or none = ephemeral; prints `listening on port N`)
 *
 * SIGTERM or SIGINT stops it; stderr then gets `answered calls=N`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

typedef struct {
    int fd;
    int upgraded;
    int want_out; /* EPOLLOUT registered */
    buf_t in, out;
} conn_t;

static int ep;
static volatile sig_atomic_t stopping;
static unsigned long long answered;
static long long next_transaction = 1;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void reserve(buf_t *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) { perror("realloc"); exit(1); }
    b->cap = cap;
}

static void append(buf_t *b, const void *p, size_t n) {
    reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void close_conn(conn_t *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in.data);
    free(c->out.data);
    free(c);
}

/* Writes what it can; returns -1 when the connection is gone. */
static int flush_out(conn_t *c) {
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return -1;
    }
    memmove(c->out.data, c->out.data + off, c->out.len - off);
    c->out.len -= off;
    int want = c->out.len > 0;
    if (want != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want;
    }
    return 0;
}

static void frame_out(conn_t *c, int opcode, const char *p, size_t n) {
    unsigned char h[10];
    size_t hl;
    h[0] = (unsigned char)(0x80 | opcode);
    if (n < 126) { h[1] = (unsigned char)n; hl = 2; }
    else if (n < 65536) { h[1] = 126; h[2] = (unsigned char)(n >> 8); h[3] = (unsigned char)n; hl = 4; }
    else { h[1] = 127; for (int i = 0; i < 8; i++) h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i)); hl = 10; }
    append(&c->out, h, hl);
    append(&c->out, p, n);
}

static const char *now_iso(void) {
    static char text[32];
    static time_t cached = -1;
    time_t t = time(NULL);
    if (t != cached) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        cached = t;
    }
    return text;
}

/* `s` points after an opening quote; returns the length up to the closing quote (ids and actions carry no escapes). */
static long quoted(const char *s, const char *end) {
    const char *q = memchr(s, '"', (size_t)(end - s));
    return q ? q - s : -1;
}

static void answer_call(conn_t *c, const char *msg, size_t n) {
    const char *end = msg + n, *p = msg;
    while (p < end && (*p == ' ' || *p == '[')) p++;
    if (p >= end || *p != '2') return; /* CALLRESULT / CALLERROR from the charger: nothing to answer */
    p = memchr(p, '"', (size_t)(end - p));
    if (!p) return;
    const char *id = ++p;
    long idn = quoted(id, end);
    if (idn < 0) return;
    p = memchr(id + idn + 1, '"', (size_t)(end - (id + idn + 1)));
    if (!p) return;
    const char *action = ++p;
    long an = quoted(action, end);
    if (an < 0) return;

    char payload[160];
#define IS(name) (an == (long)sizeof(name) - 1 && memcmp(action, name, sizeof(name) - 1) == 0)
    if (IS("BootNotification"))
        snprintf(payload, sizeof payload, "{\"status\":\"Accepted\",\"currentTime\":\"%s\",\"interval\":300}", now_iso());
    else if (IS("Heartbeat"))
        snprintf(payload, sizeof payload, "{\"currentTime\":\"%s\"}", now_iso());
    else if (IS("StartTransaction"))
        snprintf(payload, sizeof payload, "{\"transactionId\":%lld,\"idTagInfo\":{\"status\":\"Accepted\"}}", next_transaction++);
    else if (IS("Authorize") || IS("StopTransaction"))
        snprintf(payload, sizeof payload, "{\"idTagInfo\":{\"status\":\"Accepted\"}}");
    else if (IS("DataTransfer") || IS("SignCertificate"))
        snprintf(payload, sizeof payload, "{\"status\":\"Accepted\"}");
    else
        snprintf(payload, sizeof payload, "{}"); /* StatusNotification, MeterValues, the *StatusNotification family */
#undef IS
    char reply[512];
    int rn = snprintf(reply, sizeof reply, "[3,\"%.*s\",%s]", (int)idn, id, payload);
    if (rn < 0 || rn >= (int)sizeof reply) return;
    frame_out(c, 1, reply, (size_t)rn);
    answered++;
}

/* Returns -1 to close the connection. */
static int handshake(conn_t *c) {
    char *head = memmem(c->in.data, c->in.len, "\r\n\r\n", 4);
    if (!head) return c->in.len > 16384 ? -1 : 0;
    size_t head_len = (size_t)(head - c->in.data) + 4;
    const char *key = NULL;
    size_t key_len = 0;
    for (char *line = c->in.data; line < head;) {
        char *eol = memmem(line, (size_t)(head + 2 - line), "\r\n", 2);
        if (!eol) break;
        if ((size_t)(eol - line) > 18 && strncasecmp(line, "Sec-WebSocket-Key:", 18) == 0) {
            key = line + 18;
            while (*key == ' ' || *key == '\t') key++;
            key_len = (size_t)(eol - key);
            while (key_len && (key[key_len - 1] == ' ' || key[key_len - 1] == '\t')) key_len--;
        }
        line = eol + 2;
    }
    if (!key || key_len > 64) {
        static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        append(&c->out, bad, sizeof bad - 1);
        flush_out(c);
        return -1;
    }
    char joined[128];
    memcpy(joined, key, key_len);
    memcpy(joined + key_len, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((unsigned char *)joined, key_len + 36, digest);
    unsigned char accept[32];
    EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
    char reply[256];
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n", accept);
    append(&c->out, reply, (size_t)n);
    memmove(c->in.data, c->in.data + head_len, c->in.len - head_len);
    c->in.len -= head_len;
    c->upgraded = 1;
    return 0;
}

/* Handles every complete frame in the input buffer. Returns -1 to close. */
static int frames(conn_t *c) {
    size_t off = 0;
    int result = 0;
    while (c->in.len - off >= 2) {
        unsigned char *f = (unsigned char *)c->in.data + off;
        size_t avail = c->in.len - off;
        int opcode = f[0] & 0x0f, masked = f[1] & 0x80;
        uint64_t n = f[1] & 0x7f;
        size_t hl = 2;
        if (n == 126) {
            if (avail < 4) break;
            n = ((uint64_t)f[2] << 8) | f[3];
            hl = 4;
        } else if (n == 127) {
            if (avail < 10) break;
            n = 0;
            for (int i = 0; i < 8; i++) n = (n << 8) | f[2 + i];
            hl = 10;
        }
        if (n > (1u << 24)) { result = -1; break; }
        if (masked) hl += 4;
        if (avail < hl + n) break;
        unsigned char *payload = f + hl;
        if (masked) {
            const unsigned char *mask = f + hl - 4;
            for (uint64_t i = 0; i < n; i++) payload[i] ^= mask[i & 3];
        }
        off += hl + (size_t)n;
        if (opcode == 1 || opcode == 2) answer_call(c, (char *)payload, (size_t)n);
        else if (opcode == 9) frame_out(c, 10, (char *)payload, (size_t)n);
        else if (opcode == 8) { frame_out(c, 8, (char *)payload, n >= 2 ? 2 : 0); result = -1; break; }
        else if (opcode == 0) { result = -1; break; } /* fragmented messages: ocpp-sim never sends them */
    }
    memmove(c->in.data, c->in.data + off, c->in.len - off);
    c->in.len -= off;
    return result;
}

static void on_readable(conn_t *c) {
    for (;;) {
        reserve(&c->in, 16384);
        size_t room = c->in.cap - c->in.len;
        ssize_t n = recv(c->fd, c->in.data + c->in.len, room, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            if ((size_t)n < room) break; /* short read: the socket is drained */
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close_conn(c); /* EOF or error */
        return;
    }
    int status = 0;
    if (!c->upgraded) status = handshake(c);
    if (status == 0 && c->upgraded) status = frames(c);
    if (flush_out(c) < 0 || status < 0) close_conn(c);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) { perror("bind/listen"); return 1; }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    printf("listening on port %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(ep, events, 256, 500);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
            else if (events[i].events & EPOLLOUT) { if (flush_out(c) < 0) close_conn(c); }
        }
    }
    fprintf(stderr, "answered calls=%llu\n", answered);
    return 0;
}
