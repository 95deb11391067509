/* t_tty - the console is a tty: TCGETS/TCSETS/TIOCGWINSZ, isatty, ENOTTY elsewhere.
 *
 * Boot: rdinit=/tests/t_tty with console=ttyS0: fds 0, 1, 2 are /dev/console, opened O_RDWR by
 * the kernel for PID 1 (the 8250 UART behind it).  Needs /dev/null and /hello in the initramfs.
 *
 * What Linux 6.1 does, and this test expects:
 *  - ioctl(0, TCGETS) succeeds on fds 0, 1, 2; the termios is the kernel's default line
 *    discipline setup: c_lflag has ICANON ECHO ISIG, c_oflag has OPOST ONLCR, c_iflag has ICRNL,
 *    c_cflag has CREAD and character size CS8, c_cc[VINTR] = ^C, c_cc[VERASE] = DEL (0177),
 *    c_cc[VEOF] = ^D.
 *    c_line is 0 (N_TTY).
 *  - TCSETS takes a change (ECHO cleared) that TCGETS then reads back, and restoring works;
 *    tcsetattr TCSADRAIN/TCSAFLUSH, tcdrain, tcflush(TCIFLUSH) return 0; TCFLSH 7 is EINVAL.
 *  - TIOCGWINSZ on the serial console succeeds (returns 0): a tty always has a winsize, and
 *    nobody set it, so it is 0 rows x 0 columns.  TIOCSWINSZ then TIOCGWINSZ reads back the
 *    new size.
 *  - isatty(0), isatty(1), isatty(2) are true; isatty of /dev/null and of a regular file are false
 *    with errno ENOTTY.
 *  - ioctl(TCGETS) and ioctl(TIOCGWINSZ) on /dev/null are ENOTTY; on a bad fd EBADF.
 *  - PID 1 has no controlling tty (the kernel opens /dev/console with noctty), so TIOCGPGRP on
 *    the console is ENOTTY.
 *  - TCSBRK 1 (tcdrain) returns at once; TCSBRK 0 (tcsendbreak) holds the line in break for
 *    250 ms and TCSBRKP 1 for 100 ms (send_break: the 8250 has break_ctl).
 *  - TCXONC: TCOOFF stops output; writes then wait in the UART's transmit buffer (one page,
 *    less one byte): O_NONBLOCK writes take what fits, then EAGAIN, poll has no POLLOUT, and a
 *    blocking writer sleeps until TCOON, which sends what waited and wakes it; TCIOFF/TCION
 *    (send ^S/^Q) return 0; any other argument is EINVAL.  (Nothing is printed while output
 *    is stopped: the results are checked after TCOON.)
 */
#include "mtest.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void)
{
	mt_begin("t_tty");
	struct termios t0, t1, t2;

	memset(&t0, 0, sizeof t0);
	CHECK_EQ("tcgets_fd0", ioctl(0, TCGETS, &t0), 0);
	memset(&t1, 0, sizeof t1);
	CHECK_EQ("tcgets_fd1", ioctl(1, TCGETS, &t1), 0);
	CHECK_EQ("tcgets_fd2", ioctl(2, TCGETS, &t1), 0);
	CHECK("tcgetattr", tcgetattr(0, &t1) == 0 && t1.c_lflag == t0.c_lflag);

	CHECK("lflag_icanon_echo_isig", (t0.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG));
	CHECK("oflag_opost_onlcr", (t0.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR));
	CHECK("iflag_icrnl", (t0.c_iflag & ICRNL) == ICRNL);
	CHECK("cflag_cread_cs8", (t0.c_cflag & CREAD) && (t0.c_cflag & CSIZE) == CS8);
	CHECK_EQ("cc_vintr", t0.c_cc[VINTR], 3);
	CHECK_EQ("cc_verase", t0.c_cc[VERASE], 0177);
	CHECK_EQ("cc_veof", t0.c_cc[VEOF], 4);

	printf("t_tty: termios iflag %#o oflag %#o cflag %#o lflag %#o line %d\n", t0.c_iflag,
	       t0.c_oflag, t0.c_cflag, t0.c_lflag, t0.c_line);
	CHECK_EQ("line_discipline_ntty", t0.c_line, 0);

	/* TCSETS round trip */
	t1 = t0;
	t1.c_lflag &= ~ECHO;
	CHECK_EQ("tcsets_noecho", ioctl(0, TCSETS, &t1), 0);
	memset(&t2, 0, sizeof t2);
	CHECK("tcsets_readback", ioctl(0, TCGETS, &t2) == 0 && !(t2.c_lflag & ECHO) &&
					 (t2.c_lflag & ICANON));
	/* fd 1 is the same tty: it sees the change too */
	memset(&t2, 0, sizeof t2);
	CHECK("tcsets_same_tty_fd1", ioctl(1, TCGETS, &t2) == 0 && !(t2.c_lflag & ECHO));
	CHECK_EQ("tcsets_restore", ioctl(0, TCSETS, &t0), 0);
	memset(&t2, 0, sizeof t2);
	CHECK("tcsets_restored", ioctl(0, TCGETS, &t2) == 0 && t2.c_lflag == t0.c_lflag);

	/* the draining/flushing variants */
	CHECK_EQ("tcsetattr_drain", tcsetattr(1, TCSADRAIN, &t0), 0);
	CHECK_EQ("tcsetattr_flush", tcsetattr(0, TCSAFLUSH, &t0), 0);
	CHECK_EQ("tcdrain", tcdrain(1), 0);
	CHECK_EQ("tcflush_input", tcflush(0, TCIFLUSH), 0);
	CHECK_ERR("tcflush_bad_queue", ioctl(0, TCFLSH, 7), EINVAL);

	/* window size */
	struct winsize ws, ws2;
	memset(&ws, 0x55, sizeof ws);
	CHECK_EQ("tiocgwinsz_console", ioctl(1, TIOCGWINSZ, &ws), 0);
	CHECK("tiocgwinsz_zero", ws.ws_row == 0 && ws.ws_col == 0);
	ws2 = ws;
	ws2.ws_row = 24;
	ws2.ws_col = 80;
	CHECK_EQ("tiocswinsz", ioctl(1, TIOCSWINSZ, &ws2), 0);
	memset(&ws2, 0, sizeof ws2);
	CHECK("tiocswinsz_readback", ioctl(0, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 24 &&
					     ws2.ws_col == 80);
	CHECK_EQ("tiocswinsz_restore", ioctl(1, TIOCSWINSZ, &ws), 0);

	/* isatty */
	CHECK("isatty_0", isatty(0));
	CHECK("isatty_1", isatty(1));
	CHECK("isatty_2", isatty(2));

	/* not a tty */
	int nul = open("/dev/null", O_RDWR);
	CHECK("open_null", nul >= 0);
	CHECK_ERR("null_tcgets_enotty", ioctl(nul, TCGETS, &t2), ENOTTY);
	CHECK_ERR("null_tiocgwinsz_enotty", ioctl(nul, TIOCGWINSZ, &ws2), ENOTTY);
	errno = 0;
	CHECK("null_isatty_false", !isatty(nul) && errno == ENOTTY);
	close(nul);
	int f = open("/hello", O_RDONLY);
	CHECK("open_hello", f >= 0);
	CHECK_ERR("file_tcgets_enotty", ioctl(f, TCGETS, &t2), ENOTTY);
	errno = 0;
	CHECK("file_isatty_false", !isatty(f) && errno == ENOTTY);
	close(f);
	CHECK_ERR("badfd_tcgets_ebadf", ioctl(99, TCGETS, &t2), EBADF);
	errno = 0;
	CHECK("badfd_isatty_false", !isatty(99) && errno == EBADF);

	/* no controlling tty for PID 1 */
	pid_t pg = 0;
	if (getpid() == 1)
		CHECK_ERR("tiocgpgrp_no_ctty", ioctl(0, TIOCGPGRP, &pg), ENOTTY);

	/* breaks */
	struct timespec t;
	CHECK_EQ("tcsbrk_drain", ioctl(1, TCSBRK, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t);
	CHECK_EQ("tcsbrk_break", ioctl(1, TCSBRK, 0), 0);
	long ms = ms_since(&t);
	CHECK("tcsbrk_break_250ms", ms >= 240);
	clock_gettime(CLOCK_MONOTONIC, &t);
	CHECK_EQ("tcsbrkp_break", ioctl(1, TCSBRKP, 1), 0);
	ms = ms_since(&t);
	CHECK("tcsbrkp_break_100ms", ms >= 95);

	/* output flow control: nothing may be printed between TCOOFF and TCOON */
	CHECK_ERR("tcxonc_einval", ioctl(1, TCXONC, 7), EINVAL);
	int con = open("/dev/console", O_WRONLY | O_NONBLOCK | O_NOCTTY);
	CHECK("open_console_nonblock", con >= 0);
	static char sp[1024];
	memset(sp, ' ', sizeof sp);
	long total = 0;
	int werr = 0, off_r, polled, early, on_r;
	off_r = ioctl(1, TCXONC, TCOOFF);
	for (int i = 0; i < 64; i++) {
		ssize_t w = write(con, sp, sizeof sp);
		if (w < 0) {
			werr = errno;
			break;
		}
		total += w;
	}
	struct pollfd pf = {con, POLLOUT, 0};
	polled = poll(&pf, 1, 0);
	pid_t w = fork();
	if (w == 0) {
		int c2 = open("/dev/console", O_WRONLY | O_NOCTTY);
		_exit(c2 >= 0 && write(c2, "\n", 1) == 1 ? 0 : 1);
	}
	usleep(200000);
	int wst;
	early = waitpid(w, &wst, WNOHANG);
	on_r = ioctl(1, TCXONC, TCOON);
	wst = mt_reap(w);
	CHECK_EQ("tcooff", off_r, 0);
	CHECK("stopped_write_buffers", total >= 1024 && total <= 8192);
	CHECK_EQ("stopped_full_eagain", werr, EAGAIN);
	CHECK_EQ("stopped_no_pollout", polled, 0);
	CHECK_EQ("stopped_writer_sleeps", early, 0);
	CHECK_EQ("tcoon", on_r, 0);
	CHECK("tcoon_wakes_writer", WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	pf.revents = 0;
	CHECK("started_pollout", poll(&pf, 1, 0) == 1 && (pf.revents & POLLOUT));
	CHECK_EQ("started_write", write(con, "\n", 1), 1);
	close(con);
	CHECK_EQ("tcioff", ioctl(1, TCXONC, TCIOFF), 0);
	CHECK_EQ("tcion", ioctl(1, TCXONC, TCION), 0);
	(void)!write(1, "\n", 1);

	mt_end();
}
