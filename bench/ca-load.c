/*
 * Load client for gwagent's Channel Access server, built on the real libca (EPICS 7.0.3.1, Debian's
 * libca4.13.5). Debian ships no EPICS headers, so the few prototypes used are declared by hand below,
 * from cadef.h / db_access.h. One mode per run; every mode prints exactly one "RESULT {json}" line.
 *
 *   ca-load fanout  PREFIX NPV TIMEOUT_S [DELAY_US]   monitors PREFIX0..PREFIX{NPV-1} (DBR_TIME_DOUBLE),
 *                                               prints READY once all initial updates arrived, then counts
 *                                               updates until every subscription saw FINAL_VALUE; checks
 *                                               order. DELAY_US > 0 makes a slow client (sleeps per update).
 *   ca-load connect PREFIX N TIMEOUT_S          creates N channels, ca_pend_io, prints the time, then
 *                                               holds them until stdin closes (so the server RSS is read).
 *   ca-load get     PVNAME SECONDS              sequential ca_array_get_callback round trips.
 *   ca-load put     PREFIX NPV SECONDS RATE     writer: ca_put DBR_DOUBLE 1, 2, 3... round-robin over
 *                                               PREFIX0..PREFIX{NPV-1} for SECONDS (RATE puts/s, 0 = as fast
 *                                               as libca lets it), then FINAL_VALUE to each, then one get per
 *                                               PV so every put has been processed before RESULT.
 *   ca-load search  HOST PORT PREFIX N PER_DGRAM WINDOW   raw UDP search flood (no libca), answers/s.
 *
 * Compile: gcc -O2 -o bench/out/ca-load bench/ca-load.c -lca -lpthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- hand-declared libca API (cadef.h, db_access.h, caerr.h) ---------------------------------- */
typedef struct oldChannelNotify *chid;
typedef struct oldSubscription *evid;
typedef long chtype;
typedef unsigned capri;
struct connection_handler_args {
  chid chid;
  long op;
};
typedef void caCh(struct connection_handler_args args);
struct event_handler_args {
  void *usr;
  chid chid;
  long type;
  long count;
  const void *dbr;
  int status;
};
typedef void caEventCallBackFunc(struct event_handler_args);
enum ca_preemptive_callback_select { ca_disable_preemptive_callback, ca_enable_preemptive_callback };
int ca_context_create(enum ca_preemptive_callback_select select);
void ca_context_destroy(void);
int ca_create_channel(const char *name, caCh *conn, void *usr, capri priority, chid *pchid);
int ca_clear_channel(chid chan);
int ca_array_get(chtype type, unsigned long count, chid chan, void *pvalue);
int ca_array_put(chtype type, unsigned long count, chid chan, const void *pvalue);
int ca_array_get_callback(chtype type, unsigned long count, chid chan, caEventCallBackFunc *fn, void *usr);
int ca_create_subscription(chtype type, unsigned long count, chid chan, long mask, caEventCallBackFunc *fn,
                           void *usr, evid *pevid);
int ca_pend_io(double timeout);
int ca_pend_event(double timeout);
int ca_flush_io(void);
short ca_field_type(chid chan);
unsigned long ca_element_count(chid chan);
const char *ca_message(long status);

#define ECA_NORMAL 1
#define DBR_DOUBLE 6
#define DBR_TIME_DOUBLE 20
#define DBE_VALUE 1
#define DBE_LOG 2
#define DBE_ALARM 4

struct dbr_time_double {
  int16_t status;
  int16_t severity;
  uint32_t sec;
  uint32_t nsec;
  int32_t risc_pad;
  double value;
};

/* The bench writer's last value: larger than any counter value it posts before it. */
#define FINAL_VALUE 1e9

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* same clock as Node's process.hrtime on Linux */
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void die(const char *what, int status) {
  printf("RESULT {\"ok\":false,\"error\":\"%s: %s\"}\n", what, ca_message(status));
  fflush(stdout);
  exit(2);
}

/* ---- fanout --------------------------------------------------------------------------------- */
struct sub {
  chid chan;
  double last;
  long updates; /* after READY */
  long order_errors;
  long bad_status;
  int initial;
  int done;
  double final_seen;
};
static volatile int g_ready_count, g_done_count;
static volatile int g_go; /* updates before READY are initial ones only */
static volatile int64_t g_first_ns, g_last_ns;
static int g_delay_us;

static void on_monitor(struct event_handler_args a) {
  struct sub *s = a.usr;
  if (a.status != ECA_NORMAL || a.dbr == NULL) {
    s->bad_status++;
    return;
  }
  const struct dbr_time_double *d = a.dbr;
  if (!s->initial) {
    s->initial = 1;
    s->last = d->value;
    __atomic_add_fetch(&g_ready_count, 1, __ATOMIC_SEQ_CST);
    return;
  }
  if (g_delay_us > 0) usleep((useconds_t)g_delay_us);
  int64_t t = now_ns();
  if (g_first_ns == 0) g_first_ns = t;
  s->updates++;
  /* Values are posted in strictly increasing order: anything else is a lost ordering guarantee. */
  if (!(d->value > s->last)) s->order_errors++;
  s->last = d->value;
  if (d->value == FINAL_VALUE && !s->done) {
    s->done = 1;
    s->final_seen = d->value;
    g_last_ns = t;
    __atomic_add_fetch(&g_done_count, 1, __ATOMIC_SEQ_CST);
  }
}

static int run_fanout(const char *prefix, int npv, double timeout_s) {
  struct sub *subs = calloc((size_t)npv, sizeof *subs);
  char name[256];
  int st = ca_context_create(ca_enable_preemptive_callback);
  if (st != ECA_NORMAL) die("ca_context_create", st);
  for (int i = 0; i < npv; i++) {
    snprintf(name, sizeof name, "%s%d", prefix, i);
    st = ca_create_channel(name, NULL, NULL, 0, &subs[i].chan);
    if (st != ECA_NORMAL) die("ca_create_channel", st);
  }
  st = ca_pend_io(timeout_s);
  if (st != ECA_NORMAL) die("connect", st);
  for (int i = 0; i < npv; i++) {
    st = ca_create_subscription(DBR_TIME_DOUBLE, 1, subs[i].chan, DBE_VALUE | DBE_ALARM, on_monitor, &subs[i],
                                NULL);
    if (st != ECA_NORMAL) die("ca_create_subscription", st);
  }
  ca_flush_io();
  int64_t deadline = now_ns() + (int64_t)(timeout_s * 1e9);
  while (g_ready_count < npv && now_ns() < deadline) sleep_ms(1);
  if (g_ready_count < npv) die("initial updates", 80);
  printf("READY\n");
  fflush(stdout);
  while (g_done_count < npv && now_ns() < deadline) sleep_ms(2);
  long updates = 0, order_errors = 0, bad = 0;
  int finals = 0;
  for (int i = 0; i < npv; i++) {
    updates += subs[i].updates;
    order_errors += subs[i].order_errors;
    bad += subs[i].bad_status;
    finals += subs[i].done;
  }
  printf("RESULT {\"ok\":%s,\"subscriptions\":%d,\"updates\":%ld,\"finalsReceived\":%d,\"finalValue\":%.1f,"
         "\"orderErrors\":%ld,\"badStatus\":%ld,\"firstNs\":%lld,\"lastNs\":%lld}\n",
         finals == npv && order_errors == 0 && bad == 0 ? "true" : "false", npv, updates, finals, FINAL_VALUE,
         order_errors, bad, (long long)g_first_ns, (long long)g_last_ns);
  fflush(stdout);
  ca_context_destroy();
  return finals == npv ? 0 : 1;
}

/* ---- connect -------------------------------------------------------------------------------- */
static int run_connect(const char *prefix, int n, double timeout_s) {
  chid *chans = calloc((size_t)n, sizeof *chans);
  char name[256];
  int st = ca_context_create(ca_disable_preemptive_callback);
  if (st != ECA_NORMAL) die("ca_context_create", st);
  int64_t t0 = now_ns();
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "%s%d", prefix, i);
    st = ca_create_channel(name, NULL, NULL, 0, &chans[i]);
    if (st != ECA_NORMAL) die("ca_create_channel", st);
  }
  st = ca_pend_io(timeout_s);
  int64_t t1 = now_ns();
  int connected = 0;
  for (int i = 0; i < n; i++) connected += ca_field_type(chans[i]) >= 0; /* TYPENOTCONN is -1 */
  printf("RESULT {\"ok\":%s,\"channels\":%d,\"connected\":%d,\"seconds\":%.4f,\"status\":\"%s\"}\n",
         st == ECA_NORMAL && connected == n ? "true" : "false", n, connected, (double)(t1 - t0) / 1e9,
         ca_message(st));
  fflush(stdout);
  /* Hold the channels until told to go, so the server's memory can be measured with them open. */
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) { /* EOF also releases */
  }
  for (int i = 0; i < n; i++) ca_clear_channel(chans[i]);
  ca_context_destroy();
  return connected == n ? 0 : 1;
}

/* ---- get ------------------------------------------------------------------------------------ */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_get_done, g_get_status;
static double g_get_value;

static void on_get(struct event_handler_args a) {
  pthread_mutex_lock(&g_mu);
  g_get_status = a.status;
  if (a.status == ECA_NORMAL && a.dbr) g_get_value = *(const double *)a.dbr;
  g_get_done = 1;
  pthread_cond_signal(&g_cv);
  pthread_mutex_unlock(&g_mu);
}

static int run_get(const char *pv, double seconds) {
  chid chan;
  int st = ca_context_create(ca_enable_preemptive_callback);
  if (st != ECA_NORMAL) die("ca_context_create", st);
  st = ca_create_channel(pv, NULL, NULL, 0, &chan);
  if (st != ECA_NORMAL) die("ca_create_channel", st);
  st = ca_pend_io(5.0);
  if (st != ECA_NORMAL) die("connect", st);
  long gets = 0, failures = 0;
  int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9), t = t0;
  while (t < end) {
    g_get_done = 0;
    st = ca_array_get_callback(DBR_DOUBLE, 1, chan, on_get, NULL);
    if (st != ECA_NORMAL) die("ca_array_get_callback", st);
    ca_flush_io();
    pthread_mutex_lock(&g_mu);
    while (!g_get_done) pthread_cond_wait(&g_cv, &g_mu);
    if (g_get_status != ECA_NORMAL) failures++;
    pthread_mutex_unlock(&g_mu);
    gets++;
    if ((gets & 63) == 0 || gets < 64) t = now_ns();
  }
  t = now_ns();
  double secs = (double)(t - t0) / 1e9;
  printf("RESULT {\"ok\":%s,\"gets\":%ld,\"failures\":%ld,\"seconds\":%.4f,\"perSecond\":%.0f,\"value\":%g}\n",
         failures == 0 ? "true" : "false", gets, failures, secs, (double)gets / secs, g_get_value);
  fflush(stdout);
  ca_clear_channel(chan);
  ca_context_destroy();
  return failures == 0 ? 0 : 1;
}

/* ---- put (the writer of the fan-out runs) --------------------------------------------------- */
static void sleep_until(int64_t t) {
  struct timespec ts = {(time_t)(t / 1000000000LL), (long)(t % 1000000000LL)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int run_put(const char *prefix, int npv, double seconds, double rate) {
  chid *chans = calloc((size_t)npv, sizeof *chans);
  char name[256];
  int st = ca_context_create(ca_enable_preemptive_callback);
  if (st != ECA_NORMAL) die("ca_context_create", st);
  for (int i = 0; i < npv; i++) {
    snprintf(name, sizeof name, "%s%d", prefix, i);
    st = ca_create_channel(name, NULL, NULL, 0, &chans[i]);
    if (st != ECA_NORMAL) die("ca_create_channel", st);
  }
  st = ca_pend_io(10.0);
  if (st != ECA_NORMAL) die("connect", st);
  printf("READY\n");
  fflush(stdout);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 1; /* "go" */
  long puts = 0;
  double value = 0;
  int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9), t = t0;
  /* Paced writers send in slices of 1 ms worth of puts, flushed at their due time. */
  long slice = rate > 0 ? (long)(rate / 1000.0) : 64;
  if (slice < 1) slice = 1;
  while (t < end) {
    for (long k = 0; k < slice; k++) {
      value += 1;
      st = ca_array_put(DBR_DOUBLE, 1, chans[puts % npv], &value);
      if (st != ECA_NORMAL) die("ca_array_put", st);
      puts++;
    }
    if (rate > 0) {
      ca_flush_io();
      sleep_until(t0 + (int64_t)((double)puts / rate * 1e9));
    }
    t = now_ns();
  }
  double final_value = FINAL_VALUE;
  for (int i = 0; i < npv; i++) {
    st = ca_array_put(DBR_DOUBLE, 1, chans[i], &final_value);
    if (st != ECA_NORMAL) die("ca_array_put", st);
  }
  int64_t t1 = now_ns();
  /* A get after the puts on the same circuit returns once the server has processed them all. */
  double *back = calloc((size_t)npv, sizeof *back);
  for (int i = 0; i < npv; i++) ca_array_get(DBR_DOUBLE, 1, chans[i], &back[i]);
  st = ca_pend_io(60.0);
  int finals = 0;
  for (int i = 0; i < npv; i++) finals += back[i] == FINAL_VALUE;
  printf("RESULT {\"ok\":%s,\"puts\":%ld,\"startNs\":%lld,\"seconds\":%.4f,\"perSecond\":%.0f,\"finals\":%d,"
         "\"status\":\"%s\"}\n",
         st == ECA_NORMAL && finals == npv ? "true" : "false", puts + npv, (long long)t0, (double)(t1 - t0) / 1e9,
         (double)(puts + npv) / ((double)(t1 - t0) / 1e9), finals, ca_message(st));
  fflush(stdout);
  ca_context_destroy();
  return finals == npv ? 0 : 1;
}

/* ---- search (raw UDP, no libca) ------------------------------------------------------------ */
static void put_header(uint8_t *p, uint16_t cmd, uint16_t size, uint16_t type, uint16_t count, uint32_t p1,
                       uint32_t p2) {
  uint16_t h[4] = {htons(cmd), htons(size), htons(type), htons(count)};
  uint32_t q[2] = {htonl(p1), htonl(p2)};
  memcpy(p, h, 8);
  memcpy(p + 8, q, 8);
}

static int run_search(const char *host, int port, const char *prefix, int n, int per_dgram, int window) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int rcvbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, host, &to.sin_addr);
  unsigned char *answered = calloc((size_t)n, 1);
  uint8_t buf[65536];
  int next = 0, answers = 0, duplicates = 0, datagrams = 0;
  int64_t t0 = now_ns(), tlast = t0;
  for (;;) {
    /* Keep at most `window` names unanswered: a flood must measure the server, not socket drops. */
    while (next < n && next - answers < window) {
      size_t len = 16;
      put_header(buf, 0, 0, 0, 13, 0, 0); /* VERSION, priority 0, minor 13 */
      for (int k = 0; k < per_dgram && next < n; k++, next++) {
        char name[64];
        int nl = snprintf(name, sizeof name, "%s%d", prefix, next) + 1;
        int padded = (nl + 7) & ~7;
        put_header(buf + len, 6, (uint16_t)padded, 5 /* DONT_REPLY */, 13, (uint32_t)next, (uint32_t)next);
        memset(buf + len + 16, 0, (size_t)padded);
        memcpy(buf + len + 16, name, (size_t)nl);
        len += 16 + (size_t)padded;
      }
      sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to);
      datagrams++;
    }
    if (answers >= n) break;
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, 1000) <= 0) break; /* a second of silence: the rest were lost */
    ssize_t got;
    while ((got = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      for (ssize_t off = 0; off + 16 <= got;) {
        uint16_t cmd, size;
        uint32_t p2;
        memcpy(&cmd, buf + off, 2);
        memcpy(&size, buf + off + 2, 2);
        memcpy(&p2, buf + off + 12, 4);
        cmd = ntohs(cmd);
        p2 = ntohl(p2);
        if (cmd == 6 && p2 < (uint32_t)n) {
          if (answered[p2]) duplicates++;
          else {
            answered[p2] = 1;
            answers++;
          }
        }
        off += 16 + ntohs(size);
      }
      tlast = now_ns();
    }
  }
  double secs = (double)(tlast - t0) / 1e9;
  printf("RESULT {\"ok\":%s,\"names\":%d,\"answered\":%d,\"duplicates\":%d,\"datagrams\":%d,\"seconds\":%.4f,"
         "\"perSecond\":%.0f}\n",
         answers == n ? "true" : "false", n, answers, duplicates, datagrams, secs,
         secs > 0 ? (double)answers / secs : 0.0);
  fflush(stdout);
  return answers == n ? 0 : 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 5 && strcmp(argv[1], "fanout") == 0) {
    g_delay_us = argc >= 6 ? atoi(argv[5]) : 0;
    return run_fanout(argv[2], atoi(argv[3]), atof(argv[4]));
  }
  if (argc >= 5 && strcmp(argv[1], "connect") == 0) return run_connect(argv[2], atoi(argv[3]), atof(argv[4]));
  if (argc >= 6 && strcmp(argv[1], "put") == 0) return run_put(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]));
  if (argc >= 4 && strcmp(argv[1], "get") == 0) return run_get(argv[2], atof(argv[3]));
  if (argc >= 8 && strcmp(argv[1], "search") == 0)
    return run_search(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
  fprintf(stderr, "usage: ca-load fanout PREFIX NPV TIMEOUT_S [DELAY_US] | connect PREFIX N TIMEOUT_S | get PV SECONDS |"
                  " put PREFIX NPV SECONDS RATE |"
                  " search HOST PORT PREFIX N PER_DGRAM WINDOW\n");
  return 64;
}
