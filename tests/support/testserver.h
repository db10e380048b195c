/*  testserver: loopback ports and a private redis-server for C tests that stop and start
    Redis themselves (the harness's own Redis must keep running for the other tests). */
#ifndef TESTS_TESTSERVER_H
#define TESTS_TESTSERVER_H

#include <sys/types.h>

/*  A TCP port on 127.0.0.1 that was free a moment ago. */
int testserver_free_port (void);

/*  Starts redis-server on 127.0.0.1:port (no persistence) and waits until it answers PING.
    Returns its pid, or 0 when none could be started (redis-server missing, or it never
    answered within 5 s; then nothing is left running). */
pid_t testserver_redis_start (int port);

/*  Kills the redis-server of *pid (SIGKILL, then waits for it) and zeroes *pid. 0: nothing. */
void testserver_redis_stop (pid_t *pid);

#endif
