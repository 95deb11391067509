/* t_rtc: the wall clock — CLOCK_REALTIME comes from QEMU virt's goldfish RTC at boot (Linux:
 * rtc_hctosys), which follows the host's clock: the harness passes the host's time of day on
 * the command line (hosttime=, in init's environment).  Then the clocks agree with each
 * other, and clock_settime/settimeofday set CLOCK_REALTIME (root) with Linux's EINVAL rules
 * (and settimeofday's first timezone "warps" the clock, as Linux's timekeeping_warp_clock).
 * QEMUTEST-APPEND: hosttime={HOSTTIME}
 */
#include "mtest.h"
#include <sys/syscall.h>
#include <sys/time.h>

static double clk(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	mt_begin("t_rtc");
	const char *h = getenv("hosttime");
	CHECK("hosttime-given", h != NULL);
	double host = h ? atof(h) : 0;
	double real = clk(CLOCK_REALTIME);
	double offset = real - clk(CLOCK_MONOTONIC);
	CHECK("realtime-is-host-time", real > host - 120 && real < host + 120);
	if (!(real > host - 120 && real < host + 120))
		printf("CLOCK_REALTIME %.0f, host %.0f\n", real, host);
	CHECK("realtime-after-2024", real > 1704067200.0);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	CHECK("gettimeofday-agrees", tv.tv_sec + tv.tv_usec / 1e6 - real < 1.0);
	CHECK("time-agrees", time(NULL) - (time_t)real <= 1);
	CHECK("coarse-agrees", clk(CLOCK_REALTIME_COARSE) - real < 1.0);
	CHECK("tai-is-realtime", clk(CLOCK_TAI) - clk(CLOCK_REALTIME) < 0.5);
	CHECK("boottime-is-monotonic", clk(CLOCK_BOOTTIME) - clk(CLOCK_MONOTONIC) < 0.5);
	CHECK("monotonic-since-boot", clk(CLOCK_MONOTONIC) < 600);

	/* clock_settime: CLOCK_REALTIME only, not before boot */
	struct timespec now, ts;
	clock_gettime(CLOCK_REALTIME, &now);
	ts = now;
	ts.tv_sec += 1000;
	CHECK_EQ("settime-realtime", clock_settime(CLOCK_REALTIME, &ts), 0);
	double jumped = clk(CLOCK_REALTIME) - now.tv_sec;
	CHECK("settime-realtime-moved", jumped > 999 && jumped < 1002);
	CHECK("settime-monotonic-unmoved", clk(CLOCK_MONOTONIC) < 600);
	CHECK_ERR("settime-monotonic-einval", clock_settime(CLOCK_MONOTONIC, &ts), EINVAL);
	CHECK_ERR("settime-tai-einval", clock_settime(CLOCK_TAI, &ts), EINVAL);
	CHECK_ERR("settime-bad-clock-einval", clock_settime(99, &ts), EINVAL);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("settime-bad-nsec-einval", clock_settime(CLOCK_REALTIME, &ts), EINVAL);
	ts = (struct timespec){ 0, 0 };
	CHECK_ERR("settime-before-boot-einval", clock_settime(CLOCK_REALTIME, &ts), EINVAL);
	ts = (struct timespec){ -1, 0 };
	CHECK_ERR("settime-negative-einval", clock_settime(CLOCK_REALTIME, &ts), EINVAL);

	/* settimeofday (the syscall: glibc's goes through clock_settime): microseconds up to
	 * 1000000 (sic), a timezone within 15 hours; the first call that sets a timezone and no
	 * time moves the clock by the timezone (an RTC kept in local time) */
	struct timezone tz = { -60, 0 };
	double before = clk(CLOCK_REALTIME);
	CHECK_EQ("settimeofday-first-tz", syscall(SYS_settimeofday, NULL, &tz), 0);
	double warp = clk(CLOCK_REALTIME) - before;
	CHECK("settimeofday-first-tz-warps", warp > -3602 && warp < -3598);
	struct timezone tz2 = { 0, 0 };
	syscall(SYS_gettimeofday, NULL, &tz2);
	CHECK_EQ("gettimeofday-tz", tz2.tz_minuteswest, -60);
	before = clk(CLOCK_REALTIME);
	tz = (struct timezone){ 0, 0 };
	CHECK_EQ("settimeofday-tz-again", syscall(SYS_settimeofday, NULL, &tz), 0);
	CHECK("settimeofday-tz-again-no-warp", clk(CLOCK_REALTIME) - before < 1.0);
	tz = (struct timezone){ 901, 0 };
	CHECK_ERR("settimeofday-tz-einval", syscall(SYS_settimeofday, NULL, &tz), EINVAL);
	gettimeofday(&tv, NULL);
	struct timeval t2 = { tv.tv_sec + 3600, 1000001 };
	CHECK_ERR("settimeofday-usec-einval", syscall(SYS_settimeofday, &t2, NULL), EINVAL);
	t2.tv_usec = 1000000; /* passes the first check, not timespec64_valid_settod() */
	CHECK_ERR("settimeofday-usec-1000000-einval", syscall(SYS_settimeofday, &t2, NULL), EINVAL);
	t2.tv_usec = 999999;
	CHECK_EQ("settimeofday", syscall(SYS_settimeofday, &t2, NULL), 0);
	gettimeofday(&tv, NULL);
	CHECK("settimeofday-set", tv.tv_sec - t2.tv_sec >= 0 && tv.tv_sec - t2.tv_sec <= 1);

	/* back to the host's time */
	double back = clk(CLOCK_MONOTONIC) + offset;
	ts = (struct timespec){ (time_t)back, (long)((back - (time_t)back) * 1e9) };
	CHECK_EQ("settime-back", clock_settime(CLOCK_REALTIME, &ts), 0);
	real = clk(CLOCK_REALTIME);
	CHECK("realtime-back-to-host", real > host - 120 && real < host + 120);
	mt_end();
}
