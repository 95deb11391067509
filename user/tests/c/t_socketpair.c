/* t_socketpair: socketpair(AF_UNIX) as Linux's net/unix/af_unix.c — the argument checks,
 * stream, datagram and seqpacket pairs (byte streams vs. message boundaries, MSG_PEEK,
 * MSG_TRUNC, MSG_DONTWAIT, MSG_WAITALL), read/write/readv on them, sendmsg/recvmsg,
 * shutdown and close as the peer sees them (EOF, EPIPE with SIGPIPE or MSG_NOSIGNAL,
 * POLLHUP/POLLRDHUP), blocking until the peer writes, getsockopt (SO_TYPE, SO_DOMAIN,
 * SO_PEERCRED), getsockname, fstat's S_IFSOCK, FIONREAD, and ENOTSOCK for other fds; and a
 * lone socket(AF_UNIX) that is not connected: its argument checks, and how each call fails
 * (ENOTCONN, EINVAL, EAGAIN) or answers (SO_TYPE, SO_PEERCRED, getsockname, poll).
 * (MSG_OOB is left out: Linux 6.1 with CONFIG_AF_UNIX_OOB sends it, MenuOS answers EOPNOTSUPP
 * as a kernel without that option does.) */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

static volatile sig_atomic_t sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }

static short revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };
	poll(&p, 1, 0);
	return p.revents;
}

static void args(void)
{
	int sv[2];
	/* Linux: inet has no socketpair (EOPNOTSUPP); a kernel without inet: EAFNOSUPPORT */
	int r = socketpair(AF_INET, SOCK_STREAM, 0, sv);
	CHECK("inet-refused", r == -1 && (errno == EOPNOTSUPP || errno == EAFNOSUPPORT));
	CHECK_ERR("bad-family", socketpair(4242, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	CHECK_ERR("type-past-sock_max", socketpair(AF_UNIX, 42, 0, sv), EINVAL);
	CHECK_ERR("rdm-type", socketpair(AF_UNIX, SOCK_RDM, 0, sv), ESOCKTNOSUPPORT);
	CHECK_ERR("protocol-before-type", socketpair(AF_UNIX, SOCK_RDM, 7, sv), EPROTONOSUPPORT);
	/* unix_create(): SOCK_RAW is a datagram socket */
	CHECK_EQ("raw-is-dgram", socketpair(AF_UNIX, SOCK_RAW, 0, sv), 0);
	int t = 0;
	socklen_t tl = sizeof t;
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &t, &tl);
	CHECK_EQ("raw-so_type", t, SOCK_DGRAM);
	close(sv[0]);
	close(sv[1]);
	CHECK_ERR("bad-flag", socketpair(AF_UNIX, SOCK_STREAM | O_APPEND, 0, sv), EINVAL);
	CHECK_ERR("bad-protocol", socketpair(AF_UNIX, SOCK_STREAM, 7, sv), EPROTONOSUPPORT);
	int *volatile bad = (int *)8;
	CHECK_ERR("efault", socketpair(AF_UNIX, SOCK_STREAM, 0, bad), EFAULT);
	CHECK_EQ("protocol-pf-unix", socketpair(AF_UNIX, SOCK_STREAM, PF_UNIX, sv), 0);
	close(sv[0]);
	close(sv[1]);
	CHECK_EQ("cloexec-nonblock", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	CHECK("cloexec-set", fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	CHECK("nonblock-set", fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	CHECK_EQ("rdwr", fcntl(sv[1], F_GETFL) & O_ACCMODE, O_RDWR);
	char c;
	CHECK_ERR("nonblock-empty-eagain", read(sv[0], &c, 1), EAGAIN);
	struct stat st;
	CHECK_EQ("fstat", fstat(sv[0], &st), 0);
	CHECK("fstat-s_ifsock", S_ISSOCK(st.st_mode));
	close(sv[0]);
	close(sv[1]);
	int p[2];
	pipe(p);
	CHECK_ERR("enotsock-send", send(p[1], "x", 1, 0), ENOTSOCK);
	CHECK_ERR("enotsock-shutdown", shutdown(p[0], SHUT_RD), ENOTSOCK);
	CHECK_ERR("ebadf-send", send(999, "x", 1, 0), EBADF);
	close(p[0]);
	close(p[1]);
}

static void stream(void)
{
	int sv[2];
	char buf[64];
	CHECK_EQ("stream-pair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ("stream-write", write(sv[0], "hello", 5), 5);
	CHECK_EQ("stream-send", send(sv[0], "world", 5, 0), 5);
	int n = 0;
	CHECK_EQ("stream-fionread", ioctl(sv[1], FIONREAD, &n), 0);
	CHECK_EQ("stream-fionread-n", n, 10);
	CHECK_EQ("stream-peek", recv(sv[1], buf, 3, MSG_PEEK), 3);
	CHECK("stream-peek-data", !memcmp(buf, "hel", 3));
	/* a stream has no boundaries: one read takes both writes */
	CHECK_EQ("stream-read-joined", read(sv[1], buf, sizeof buf), 10);
	CHECK("stream-data", !memcmp(buf, "helloworld", 10));
	CHECK_ERR("stream-dontwait", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	CHECK("stream-pollout", (revents(sv[0]) & (POLLOUT | POLLIN)) == POLLOUT);
	write(sv[1], "z", 1);
	CHECK("stream-pollin", revents(sv[0]) & POLLIN);
	read(sv[0], buf, 1);
	/* the other direction, and readv/writev */
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK_EQ("stream-writev", writev(sv[1], iov, 2), 4);
	char x[2], y[2];
	struct iovec r[2] = { { x, 2 }, { y, 2 } };
	CHECK_EQ("stream-readv", readv(sv[0], r, 2), 4);
	CHECK("stream-readv-data", !memcmp(x, "ab", 2) && !memcmp(y, "cd", 2));
	/* a blocked reader wakes when the peer writes; MSG_WAITALL waits for the whole */
	pid_t c = fork();
	if (c == 0) {
		mt_msleep(30);
		write(sv[1], "12", 2);
		mt_msleep(30);
		write(sv[1], "34", 2);
		_exit(0);
	}
	CHECK_EQ("stream-waitall", recv(sv[0], buf, 4, MSG_WAITALL), 4);
	CHECK("stream-waitall-data", !memcmp(buf, "1234", 4));
	mt_reap(c);
	/* shutdown(SHUT_WR): the peer reads EOF, our send is EPIPE (+SIGPIPE) */
	CHECK_EQ("stream-shut-wr", shutdown(sv[0], SHUT_WR), 0);
	CHECK_EQ("stream-peer-eof", read(sv[1], buf, sizeof buf), 0);
	CHECK("stream-peer-rdhup", revents(sv[1]) & POLLRDHUP);
	sigpipes = 0;
	CHECK_ERR("stream-send-after-shut", send(sv[0], "x", 1, 0), EPIPE);
	CHECK_EQ("stream-sigpipe", sigpipes, 1);
	CHECK_ERR("stream-nosignal", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ("stream-no-sigpipe", sigpipes, 1);
	CHECK_ERR("stream-shut-einval", shutdown(sv[0], 7), EINVAL);
	/* the other way still works until that end closes */
	CHECK_EQ("stream-reverse", write(sv[1], "ok", 2), 2);
	CHECK_EQ("stream-reverse-read", read(sv[0], buf, 2), 2);
	close(sv[1]);
	CHECK("stream-pollhup", revents(sv[0]) & POLLHUP);
	CHECK_EQ("stream-eof-after-close", read(sv[0], buf, 1), 0);
	CHECK_ERR("stream-epipe-after-close", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);
	/* an address with a connected stream */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct sockaddr_un a = { AF_UNIX, "/nowhere" };
	CHECK_ERR("stream-sendto-eisconn", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, sizeof a), EISCONN);
	close(sv[0]);
	close(sv[1]);
}

static void messages(int type, const char *t)
{
	char name[64], buf[64];
	int sv[2];
#define N(s) (snprintf(name, sizeof name, "%s-%s", t, s), name)
	CHECK_EQ(N("pair"), socketpair(AF_UNIX, type, 0, sv), 0);
	CHECK_EQ(N("send1"), send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(N("send2"), send(sv[0], "defgh", 5, 0), 5);
	CHECK_EQ(N("send-empty"), send(sv[0], "", 0, 0), 0);
	/* message boundaries are kept */
	CHECK_EQ(N("recv1"), recv(sv[1], buf, sizeof buf, 0), 3);
	CHECK_EQ(N("peek-trunc-len"), recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC), 5);
	struct iovec iov = { buf, 2 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	CHECK_EQ(N("recvmsg-cut"), recvmsg(sv[1], &m, 0), 2);
	CHECK(N("recvmsg-msg_trunc"), m.msg_flags & MSG_TRUNC);
	CHECK(N("recvmsg-data"), !memcmp(buf, "de", 2));
	/* the rest of a cut message is gone */
	CHECK_EQ(N("recv-empty-msg"), recv(sv[1], buf, sizeof buf, 0), 0);
	CHECK_ERR(N("dontwait"), recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	struct iovec two[2] = { { "12", 2 }, { "345", 3 } };
	struct msghdr sm = { .msg_iov = two, .msg_iovlen = 2 };
	CHECK_EQ(N("sendmsg-gathers"), sendmsg(sv[1], &sm, 0), 5);
	CHECK_EQ(N("one-message"), read(sv[0], buf, sizeof buf), 5);
	CHECK(N("gathered-data"), !memcmp(buf, "12345", 5));
	int ty = 0, dom = 0;
	socklen_t l = sizeof ty;
	CHECK_EQ(N("so_type"), getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &ty, &l), 0);
	CHECK_EQ(N("so_type-value"), ty, type);
	l = sizeof dom;
	getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &dom, &l);
	CHECK_EQ(N("so_domain"), dom, AF_UNIX);
	close(sv[1]);
	if (type == SOCK_SEQPACKET) {
		CHECK_EQ(N("eof-after-close"), recv(sv[0], buf, 1, 0), 0);
		CHECK_ERR(N("epipe-after-close"), send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	} else {
		CHECK_ERR(N("econnrefused-after-close"), send(sv[0], "x", 1, 0), ECONNREFUSED);
	}
	close(sv[0]);
#undef N
}

static void creds(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct ucred u;
	socklen_t l = sizeof u;
	CHECK_EQ("so_peercred", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &l), 0);
	CHECK_EQ("so_peercred-len", l, sizeof u);
	CHECK_EQ("so_peercred-pid", u.pid, getpid());
	CHECK_EQ("so_peercred-uid", u.uid, geteuid());
	int v;
	l = sizeof v;
	CHECK_ERR("getsockopt-unknown", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
	l = (socklen_t)-1;
	CHECK_ERR("getsockopt-neg-len", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l), EINVAL);
	struct sockaddr_un a;
	l = sizeof a;
	CHECK_EQ("getsockname", getsockname(sv[0], (struct sockaddr *)&a, &l), 0);
	CHECK_EQ("getsockname-len", l, sizeof(sa_family_t));
	CHECK_EQ("getsockname-family", a.sun_family, AF_UNIX);
	l = sizeof a;
	CHECK_EQ("getpeername", getpeername(sv[0], (struct sockaddr *)&a, &l), 0);
	CHECK_EQ("getpeername-len", l, sizeof(sa_family_t));
	/* a full stream: the writer blocks until the reader drains, MSG_DONTWAIT is EAGAIN */
	static char big[65536];
	long total = 0;
	for (int i = 0; i < 64; i++) {
		ssize_t n = send(sv[0], big, sizeof big, MSG_DONTWAIT);
		if (n < 0)
			break;
		total += n;
	}
	CHECK("stream-fills", total > 0 && total < 64L * (long)sizeof big);
	CHECK_ERR("stream-full-eagain", send(sv[0], big, 1, MSG_DONTWAIT), EAGAIN);
	pid_t c = fork();
	if (c == 0) {
		mt_msleep(30);
		static char sink[65536];
		long got = 0;
		while (got < total + 10) {
			ssize_t n = read(sv[1], sink, sizeof sink);
			if (n <= 0)
				_exit(1);
			got += n;
		}
		_exit(0);
	}
	CHECK_EQ("stream-blocked-send", send(sv[0], big, 10, 0), 10);
	int st = mt_reap(c);
	CHECK("stream-drained", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
	close(sv[1]);
}

/* socket(AF_UNIX): a socket that is not connected (nothing here binds or connects it) */
static void lone(void)
{
	CHECK_ERR("socket-bad-family", socket(4242, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR("socket-type-past-max", socket(AF_UNIX, 42, 0), EINVAL);
	CHECK_ERR("socket-bad-flag", socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL);
	CHECK_ERR("socket-rdm", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	CHECK_ERR("socket-protocol", socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	int v;
	socklen_t l = sizeof v;
	int r = socket(AF_UNIX, SOCK_RAW, 0);
	CHECK("socket-raw-is-dgram", r >= 0 && getsockopt(r, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_DGRAM);
	close(r);

	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK("socket-stream", s >= 0);
	CHECK_EQ("socket-cloexec", fcntl(s, F_GETFD), FD_CLOEXEC);
	struct stat st;
	CHECK("socket-fstat-sock", fstat(s, &st) == 0 && S_ISSOCK(st.st_mode));
	l = sizeof v;
	CHECK("socket-so_type", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM);
	char c = 'x';
	int before = sigpipes;
	CHECK_ERR("lone-stream-write", write(s, &c, 1), ENOTCONN);
	CHECK_ERR("lone-stream-send", send(s, &c, 1, 0), ENOTCONN);
	CHECK_EQ("lone-stream-no-sigpipe", sigpipes, before);
	CHECK_ERR("lone-stream-read", read(s, &c, 1), EINVAL);
	CHECK_ERR("lone-stream-recv", recv(s, &c, 1, MSG_DONTWAIT), EINVAL);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, "/nonexistent-sock");
	CHECK_ERR("lone-stream-sendto-addr", sendto(s, &c, 1, 0, (struct sockaddr *)&a, sizeof a), EOPNOTSUPP);
	l = sizeof a;
	CHECK_ERR("lone-getpeername", getpeername(s, (struct sockaddr *)&a, &l), ENOTCONN);
	l = sizeof a;
	CHECK("lone-getsockname", getsockname(s, (struct sockaddr *)&a, &l) == 0 && l == sizeof(sa_family_t) &&
					  a.sun_family == AF_UNIX);
	struct ucred u;
	l = sizeof u;
	CHECK("lone-so_peercred",
	      getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &l) == 0 && u.pid == 0 && u.uid == (uid_t)-1 &&
		      u.gid == (gid_t)-1);
	CHECK_EQ("lone-stream-poll", revents(s), POLLOUT | POLLHUP);
	CHECK_EQ("lone-shutdown", shutdown(s, SHUT_RDWR), 0);
	close(s);

	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK_ERR("lone-seqpacket-send", send(s, &c, 1, 0), ENOTCONN);
	CHECK_ERR("lone-seqpacket-recv", recv(s, &c, 1, MSG_DONTWAIT), ENOTCONN);
	close(s);

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK("lone-dgram-nonblock", s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK));
	CHECK_ERR("lone-dgram-send", send(s, &c, 1, 0), ENOTCONN);
	CHECK_ERR("lone-dgram-recv", recv(s, &c, 1, 0), EAGAIN);
	CHECK_EQ("lone-dgram-poll", revents(s), POLLOUT);
	close(s);
}

int main(void)
{
	mt_begin("t_socketpair");
	signal(SIGPIPE, on_pipe);
	args();
	stream();
	messages(SOCK_SEQPACKET, "seqpacket");
	messages(SOCK_DGRAM, "dgram");
	creds();
	lone();
	mt_end();
}
