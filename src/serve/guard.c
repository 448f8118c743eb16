/* guard.c: the slow-loris guard. libmicrohttpd's connection timeout is an
 * idle timeout: a client that sends one header byte every second keeps its
 * connection (and, one thread per connection, a thread) forever. The guard
 * gives every request a deadline to arrive whole (headers and body): a
 * watchdog thread shuts down the socket of any request still arriving after
 * timeout_s, and the library then closes the connection as a hung-up client.
 * Generation and streaming, after the request has arrived, have no deadline. */
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "util/err.h"

struct seal_serve_guard {
    int fd;
    double start;      /* when the request (or the connection) began */
    int arrived;       /* the request is whole: no deadline until the next one */
    seal_serve_guard *prev, *next;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

seal_serve_guard *seal_serve_guard_add(seal_server *s, int fd) {
    seal_serve_guard *g = seal_calloc(1, sizeof *g);
    g->fd = fd;
    g->start = now();
    pthread_mutex_lock(&s->guard_mu);
    g->next = s->guards;
    if (s->guards) s->guards->prev = g;
    s->guards = g;
    pthread_mutex_unlock(&s->guard_mu);
    return g;
}

void seal_serve_guard_remove(seal_server *s, seal_serve_guard *g) {
    if (!g) return;
    pthread_mutex_lock(&s->guard_mu);
    if (g->prev) g->prev->next = g->next; else s->guards = g->next;
    if (g->next) g->next->prev = g->prev;
    pthread_mutex_unlock(&s->guard_mu);
    free(g);
}

void seal_serve_guard_mark(seal_server *s, seal_serve_guard *g, int arrived) {
    if (!g) return;
    pthread_mutex_lock(&s->guard_mu);
    g->arrived = arrived;
    if (!arrived) g->start = now(); /* the next request on a kept-alive connection */
    pthread_mutex_unlock(&s->guard_mu);
}

/* POLLRDHUP: the peer closed its side. A kept-alive client that pipelines
 * its next request only makes the socket readable, which is not a hang-up. */
int seal_serve_guard_hungup(const seal_serve_guard *g) {
    if (!g) return 0;
    struct pollfd p = {.fd = g->fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void *watchdog(void *arg) {
    seal_server *s = arg;
    pthread_mutex_lock(&s->guard_mu);
    while (!s->guard_stop) {
        double t = now();
        for (seal_serve_guard *g = s->guards; g; g = g->next)
            if (!g->arrived && t - g->start > s->o.timeout_s) {
                shutdown(g->fd, SHUT_RDWR); /* the library still owns (and closes) the socket */
                g->arrived = 1;
            }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000;
        if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
        pthread_cond_timedwait(&s->guard_cv, &s->guard_mu, &until);
    }
    pthread_mutex_unlock(&s->guard_mu);
    return NULL;
}

int seal_serve_guard_start(seal_server *s) {
    if (pthread_create(&s->guard_thread, NULL, watchdog, s)) return seal_err("serve: cannot start the watchdog thread");
    s->guard_started = 1;
    return 0;
}

void seal_serve_guard_stop(seal_server *s) {
    if (!s->guard_started) return;
    pthread_mutex_lock(&s->guard_mu);
    s->guard_stop = 1;
    pthread_cond_signal(&s->guard_cv);
    pthread_mutex_unlock(&s->guard_mu);
    pthread_join(s->guard_thread, NULL);
    s->guard_started = 0;
}
