#include "testserver.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int
testserver_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && bind (fd, (struct sockaddr *) &addr, len) == 0
        && getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

/*  True when a Redis on port answers PING. */
static bool
s_redis_up (int port)
{
    struct timeval timeout = {1, 0};
    redisContext *redis = redisConnectWithTimeout ("127.0.0.1", port, timeout);
    redisReply *reply = redis && !redis->err ? redisCommand (redis, "PING") : NULL;
    bool up = reply && reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject (reply);
    if (redis)
        redisFree (redis);
    return up;
}

pid_t
testserver_redis_start (int port)
{
    char text[16];
    snprintf (text, sizeof text, "%d", port);
    pid_t pid = fork ();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        (void) freopen ("/dev/null", "w", stdout); /* if it fails, redis only talks more */
        execlp ("redis-server", "redis-server", "--port", text, "--bind", "127.0.0.1", "--save",
                "", "--appendonly", "no", (char *) NULL);
        _exit (127);
    }
    for (int i = 0; i < 100; i++) {
        if (s_redis_up (port))
            return pid;
        if (waitpid (pid, NULL, WNOHANG) == pid)
            return 0; /* it exited: no redis-server here */
        usleep (50 * 1000);
    }
    testserver_redis_stop (&pid);
    return 0;
}

void
testserver_redis_stop (pid_t *pid)
{
    if (*pid > 0) {
        kill (*pid, SIGKILL);
        waitpid (*pid, NULL, 0);
    }
    *pid = 0;
}
