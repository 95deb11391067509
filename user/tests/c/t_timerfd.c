/* t_timerfd: timerfd as Linux's fs/timerfd.c — the clocks and flags timerfd_create takes,
 * timerfd_settime's checks, old values and absolute times, expirations read as a u64
 * (blocking, EAGAIN, EINVAL below 8 bytes), periodic timers counting missed intervals,
 * gettime, TFD_TIMER_CANCEL_ON_SET when CLOCK_REALTIME is set, TFD_IOC_SET_TICKS, poll and
 * epoll, signals, and a 1 µs interval that does not keep the CPU. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>

#ifndef TFD_TIMER_CANCEL_ON_SET
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#endif
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)

static volatile sig_atomic_t got;
static void on_sig(int sig) { got++; }

static double ts_s(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

static int set_rel(int fd, long value_ns, long interval_ns)
{
	struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
				  { value_ns / 1000000000, value_ns % 1000000000 } };
	return timerfd_settime(fd, 0, &its, NULL);
}

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void)
{
	mt_begin("t_timerfd");
	uint64_t ticks;
	struct itimerspec its, old;

	/* --- create --- */
	CHECK_ERR("create-cputime-clock-einval", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_ERR("create-raw-clock-einval", timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
	CHECK_ERR("create-tai-einval", timerfd_create(CLOCK_TAI, 0), EINVAL);
	CHECK_ERR("create-bad-clock-einval", timerfd_create(99, 0), EINVAL);
	CHECK_ERR("create-bad-flags-einval", timerfd_create(CLOCK_MONOTONIC, O_RDWR), EINVAL);
	int alarmfd = timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
	CHECK("create-boottime-alarm-as-root", alarmfd >= 0);
	close(alarmfd);
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	CHECK("create", fd >= 0);
	CHECK_EQ("create-cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("create-nonblock", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	CHECK_EQ("gettime-fresh", timerfd_gettime(fd, &its), 0);
	CHECK("gettime-fresh-zero", its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0 &&
					    its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 0);
	CHECK_ERR("read-unarmed-eagain", read(fd, &ticks, 8), EAGAIN);

	/* --- settime checks --- */
	its = (struct itimerspec){ { 0, 0 }, { 1, 0 } };
	CHECK_ERR("settime-bad-flags-einval", timerfd_settime(fd, 4, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 1000000000;
	CHECK_ERR("settime-bad-nsec-einval", timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its = (struct itimerspec){ { 0, 0 }, { 1, 0 } };
	int p[2];
	pipe(p);
	CHECK_ERR("settime-not-timerfd-einval", timerfd_settime(p[0], 0, &its, NULL), EINVAL);
	CHECK_ERR("settime-bad-fd-ebadf", timerfd_settime(99, 0, &its, NULL), EBADF);
	CHECK_ERR("gettime-not-timerfd-einval", timerfd_gettime(p[0], &its), EINVAL);
	close(p[0]);
	close(p[1]);

	/* --- one shot --- */
	CHECK_EQ("settime-one-shot", set_rel(fd, 50000000, 0), 0);
	timerfd_gettime(fd, &its);
	CHECK("gettime-remaining", ts_s(its.it_value) > 0.03 && ts_s(its.it_value) <= 0.05);
	CHECK_ERR("read-before-expiry-eagain", read(fd, &ticks, 8), EAGAIN);
	CHECK("not-readable-before-expiry", !readable(fd));
	CHECK_ERR("read-4-bytes-einval", read(fd, &ticks, 4), EINVAL);
	mt_msleep(70);
	CHECK("readable-after-expiry", readable(fd));
	ticks = 0;
	CHECK_EQ("read-one-shot", read(fd, &ticks, 8), 8);
	CHECK_EQ("one-shot-one-tick", ticks, 1);
	CHECK_ERR("read-again-eagain", read(fd, &ticks, 8), EAGAIN);
	timerfd_gettime(fd, &its);
	CHECK("gettime-after-one-shot-zero", its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0);

	/* --- settime returns the old setting; 0 disarms --- */
	set_rel(fd, 2000000000, 500000000);
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	CHECK_EQ("settime-disarm", timerfd_settime(fd, 0, &its, &old), 0);
	CHECK("settime-old-value", ts_s(old.it_value) > 1.9 && ts_s(old.it_value) <= 2.0);
	CHECK("settime-old-interval", old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 500000000);
	timerfd_gettime(fd, &its);
	CHECK("gettime-disarmed", ts_s(its.it_value) == 0 && ts_s(its.it_interval) == 0);

	/* --- periodic: the intervals missed are ticks --- */
	/* (the upper bounds follow the time that really passed: on a loaded host a 105 ms sleep
	 * can take longer, and every interval that passed is a tick) */
	double t0 = mt_now();
	set_rel(fd, 10000000, 10000000);
	mt_msleep(105);
	ticks = 0;
	read(fd, &ticks, 8);
	double el = mt_now() - t0;
	CHECK("periodic-ticks", ticks >= 8 && ticks <= el / 0.01 + 1);
	timerfd_gettime(fd, &its);
	CHECK("periodic-gettime-interval", its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 10000000);
	CHECK("periodic-gettime-value", ts_s(its.it_value) > 0 && ts_s(its.it_value) <= 0.01);
	t0 = mt_now();
	mt_msleep(35);
	timerfd_gettime(fd, &its); /* moves it on: the missed intervals stay as ticks */
	ticks = 0;
	read(fd, &ticks, 8);
	el = mt_now() - t0;
	CHECK("periodic-ticks-after-gettime", ticks >= 2 && ticks <= el / 0.01 + 2);
	if (!(ticks >= 2 && ticks <= 4))
		printf("periodic ticks after gettime: %llu in %.3f s\n", (unsigned long long)ticks, el);
	set_rel(fd, 0, 0);

	/* --- absolute --- */
	struct timespec now;
	t0 = mt_now(); /* before the deadline is computed from the clock (see t_futex) */
	clock_gettime(CLOCK_MONOTONIC, &now);
	its = (struct itimerspec){ { 0, 0 }, now };
	its.it_value.tv_nsec += 30000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	CHECK_EQ("settime-abstime", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK_EQ("abstime-poll", poll(&pf, 1, 2000), 1);
	CHECK("abstime-waited", mt_now() - t0 > 0.015);
	read(fd, &ticks, 8);
	its.it_value = (struct timespec){ 0, 1 };
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	mt_msleep(1);
	ticks = 0;
	read(fd, &ticks, 8);
	CHECK_EQ("abstime-past-fires-at-once", ticks, 1);
	close(fd);

	/* --- blocking read, and a signal --- */
	fd = timerfd_create(CLOCK_BOOTTIME, 0);
	set_rel(fd, 50000000, 0);
	t0 = mt_now();
	CHECK_EQ("blocking-read", read(fd, &ticks, 8), 8);
	CHECK("blocking-read-waited", mt_now() - t0 > 0.04);
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGALRM, &sa, NULL);
	set_rel(fd, 5000000000, 0);
	alarm(1);
	CHECK_ERR("blocking-read-eintr", read(fd, &ticks, 8), EINTR);
	CHECK_EQ("blocking-read-eintr-handler", got, 1);

	/* --- TFD_IOC_SET_TICKS --- */
	ticks = 5;
	CHECK_EQ("ioctl-set-ticks", ioctl(fd, TFD_IOC_SET_TICKS, &ticks), 0);
	ticks = 0;
	read(fd, &ticks, 8);
	CHECK_EQ("ioctl-set-ticks-read", ticks, 5);
	ticks = 0;
	CHECK_ERR("ioctl-set-zero-ticks-einval", ioctl(fd, TFD_IOC_SET_TICKS, &ticks), EINVAL);
	CHECK_ERR("ioctl-other-enotty", ioctl(fd, FIONREAD, &ticks), ENOTTY);

	/* --- epoll --- */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	set_rel(fd, 20000000, 0);
	CHECK_EQ("epoll-wait", epoll_wait(ep, &ev, 1, 2000), 1);
	CHECK_EQ("epoll-data", ev.data.u64, 77);
	read(fd, &ticks, 8);
	close(ep);
	close(fd);

	/* --- TFD_TIMER_CANCEL_ON_SET: setting CLOCK_REALTIME cancels --- */
	fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	its = (struct itimerspec){ { 0, 0 }, { rt.tv_sec + 100, 0 } };
	CHECK_EQ("cancel-on-set-settime", timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL), 0);
	CHECK_ERR("cancel-on-set-nothing-yet", read(fd, &ticks, 8), EAGAIN);
	clock_gettime(CLOCK_REALTIME, &rt);
	CHECK_EQ("clock-settime-realtime", clock_settime(CLOCK_REALTIME, &rt), 0);
	CHECK("cancel-on-set-readable", readable(fd));
	CHECK_ERR("cancel-on-set-ecanceled", read(fd, &ticks, 8), ECANCELED);
	CHECK_ERR("cancel-on-set-once", read(fd, &ticks, 8), EAGAIN);
	close(fd);

	/* --- a 1 µs interval does not keep the CPU: ticks pile up until read --- */
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	set_rel(fd, 1000, 1000);
	t0 = mt_now();
	volatile long spins = 0;
	while (mt_now() - t0 < 0.1)
		spins++;
	ticks = 0;
	read(fd, &ticks, 8);
	CHECK("tiny-interval-ticks", ticks > 50000);
	CHECK("tiny-interval-cpu-kept", spins > 1000);
	close(fd);
	mt_end();
}
