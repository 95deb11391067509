/* tools/string_test.c: kernel/src/arch/riscv/string.S's memcpy, memmove and memset, and
 * uaccess.S's __asm_copy_user and __strncpy_from_user (with SUM and the fault fixups taken
 * out: the QEMU test t_uaccess covers faults), against a byte-wise model, for every length
 * 0..300 and every source and destination alignment 0..15, overlapping both ways for
 * memmove, with guard bytes around the destination.
 * Built with riscv64-linux-gnu-gcc and run under qemu-riscv64 by tools/test.sh.
 * One check per routine (each over all its cases); output ends "N passed, N failed". */
#include <stdio.h>
#include <string.h>

void *k_memcpy(void *, const void *, unsigned long);
void *k_memmove(void *, const void *, unsigned long);
void *k_memset(void *, int, unsigned long);
unsigned long k_copy_user(void *, const void *, unsigned long);
long k_strncpy(char *, const char *, long);

static unsigned char src[1024], dst[1024], model[1024];

static void fill(unsigned char *b, unsigned seed) {
    for (int i = 0; i < 1024; i++) b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3) * 13);
}

int main(void) {
    long passed = 0, failed = 0, bad[5] = {0}, cases[5] = {0};
    static const char *names[5] = {"memcpy", "memmove", "memset", "copy_user", "strncpy_from_user"};
    for (unsigned n = 0; n <= 300; n++)
        for (unsigned sa = 0; sa < 16; sa++)
            for (unsigned da = 0; da < 16; da++) {
                /* memcpy: separate buffers */
                fill(src, n + sa); fill(dst, da); memcpy(model, dst, sizeof dst);
                for (unsigned i = 0; i < n; i++) model[64 + da + i] = src[64 + sa + i];
                void *r = k_memcpy(dst + 64 + da, src + 64 + sa, n);
                cases[0]++;
                if (r != dst + 64 + da || memcmp(dst, model, sizeof dst)) {
                    if (bad[0]++ < 5) printf("memcpy n=%u sa=%u da=%u: wrong\n", n, sa, da);
                }
                /* memmove within one buffer, both directions */
                for (int dir = 0; dir < 2; dir++) {
                    unsigned so = dir ? 64 + sa : 64 + sa + (n / 3), doff = dir ? 64 + sa + (n / 3) + da : 64 + da;
                    fill(dst, n * 3 + sa + dir); memcpy(model, dst, sizeof dst);
                    unsigned char tmp[1024];
                    memcpy(tmp, model + so, n);
                    memcpy(model + doff, tmp, n);
                    r = k_memmove(dst + doff, dst + so, n);
                    cases[1]++;
                    if (r != dst + doff || memcmp(dst, model, sizeof dst)) {
                        if (bad[1]++ < 5) printf("memmove n=%u so=%u do=%u: wrong\n", n, so, doff);
                    }
                }
                /* __asm_copy_user: separate buffers, returns 0 */
                fill(src, n + sa + 5); fill(dst, da + 3); memcpy(model, dst, sizeof dst);
                for (unsigned i = 0; i < n; i++) model[64 + da + i] = src[64 + sa + i];
                unsigned long left = k_copy_user(dst + 64 + da, src + 64 + sa, n);
                cases[3]++;
                if (left != 0 || memcmp(dst, model, sizeof dst)) {
                    if (bad[3]++ < 5) printf("copy_user n=%u sa=%u da=%u: wrong\n", n, sa, da);
                }
                /* __strncpy_from_user: a NUL at n (when n < 300) and limits around it */
                for (int lim = -1; lim <= 1; lim++) {
                    long max = (long)n + lim;
                    if (max < 0) continue;
                    fill(src, n + sa + 9);
                    for (unsigned i = 0; i < 400; i++) if (!src[64 + sa + i]) src[64 + sa + i] = 1;
                    src[64 + sa + n] = 0;
                    fill(dst, da + 7); memcpy(model, dst, sizeof dst);
                    long want = (long)n < max ? (long)n : max;
                    unsigned copy = (unsigned)(want < max ? want + 1 : want); /* with the NUL if found */
                    for (unsigned i = 0; i < copy; i++) model[64 + da + i] = src[64 + sa + i];
                    long got = k_strncpy((char *)dst + 64 + da, (char *)src + 64 + sa, max);
                    cases[4]++;
                    if (got != want || memcmp(dst, model, sizeof dst)) {
                        if (bad[4]++ < 5) printf("strncpy n=%u max=%ld sa=%u da=%u: got %ld want %ld\n", n, max, sa, da, got, want);
                    }
                }
                if (sa == 0) {
                    fill(dst, n + da); memcpy(model, dst, sizeof dst);
                    int c = 0x1a5 + (int)n; /* only the low byte counts */
                    for (unsigned i = 0; i < n; i++) model[64 + da + i] = (unsigned char)c;
                    r = k_memset(dst + 64 + da, c, n);
                    cases[2]++;
                    if (r != dst + 64 + da || memcmp(dst, model, sizeof dst)) {
                        if (bad[2]++ < 5) printf("memset n=%u da=%u: wrong\n", n, da);
                    }
                }
            }
    for (int i = 0; i < 5; i++) {
        if (bad[i]) {
            printf("FAIL %s: %ld of %ld cases wrong\n", names[i], bad[i], cases[i]);
            failed++;
        } else {
            printf("PASS %s: %ld cases\n", names[i], cases[i]);
            passed++;
        }
    }
    printf("%ld passed, %ld failed\n", passed, failed);
    return failed != 0;
}
