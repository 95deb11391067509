/* BUILD-CFLAGS: -O2 -Wall
 * t_cxx - a dynamically linked C++ program (riscv64-linux-gnu-g++: libstdc++.so.6, libgcc_s.so.1,
 * libm.so.6 and libc.so.6 from /lib) runs as PID 1: static constructors, exceptions thrown
 * and caught across frames and through libstdc++ (std::vector::at, std::stoi), rethrow,
 * iostreams (std::cout, std::ostringstream, std::istringstream), std::string, containers,
 * std::thread with thread_local, std::function, and libm through <cmath>.
 */
#include "mtest.h"
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static int ctor_ran;
struct Global {
	Global() { ctor_ran = 42; }
};
static Global global;

struct Tracked {
	static int live;
	Tracked() { live++; }
	~Tracked() { live--; }
};
int Tracked::live;

static int thrower(int depth)
{
	Tracked t;
	if (depth == 0)
		throw std::runtime_error("deep");
	return thrower(depth - 1) + 1;
}

static thread_local int tl = 5;

int main()
{
	mt_begin("t_cxx");
	CHECK_EQ("static-constructor", ctor_ran, 42);

	std::string what;
	try {
		thrower(10);
	} catch (const std::runtime_error &e) {
		what = e.what();
	}
	CHECK("exception-caught", what == "deep");
	CHECK_EQ("exception-unwound-destructors", Tracked::live, 0);

	bool range = false;
	try {
		std::vector<int> v(3);
		v.at(7) = 1;
	} catch (const std::out_of_range &) {
		range = true;
	}
	CHECK("exception-from-libstdcxx", range);

	bool inval = false;
	try {
		(void)std::stoi("not a number");
	} catch (const std::invalid_argument &) {
		inval = true;
	}
	CHECK("exception-stoi", inval);

	int rethrown = 0;
	try {
		try {
			throw 7;
		} catch (int) {
			throw;
		}
	} catch (int x) {
		rethrown = x;
	}
	CHECK_EQ("exception-rethrow", rethrown, 7);

	std::ostringstream os;
	os << "x=" << 12 << ' ' << 2.5 << ' ' << std::hex << 255;
	CHECK("ostringstream", os.str() == "x=12 2.5 ff");
	std::istringstream is("10 20 abc");
	int a = 0, b = 0;
	std::string w;
	is >> a >> b >> w;
	CHECK("istringstream", a == 10 && b == 20 && w == "abc");
	std::cout << "t_cxx: hello from std::cout" << std::endl;
	CHECK("cout-good", std::cout.good());

	std::map<std::string, int> m{{"one", 1}, {"two", 2}};
	m["three"] = 3;
	CHECK_EQ("map", m.size() + m["two"], 5);
	auto up = std::make_unique<std::vector<std::string>>(100, "s");
	CHECK_EQ("unique-ptr-vector", up->size(), 100);
	std::function<int(int)> f = [k = 3](int x) { return x * k; };
	CHECK_EQ("function-lambda", f(14), 42);

	int from_thread = 0;
	std::thread t([&] {
		tl = 9;
		from_thread = tl;
	});
	t.join();
	CHECK_EQ("thread-ran", from_thread, 9);
	CHECK_EQ("thread-local-own", tl, 5);

	CHECK("libm-cmath", std::fabs(std::sqrt(2.0) * std::sqrt(2.0) - 2.0) < 1e-12 && std::cos(0.0) == 1.0);
	mt_end();
}
