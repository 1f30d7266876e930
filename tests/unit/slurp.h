/*
 * tests/unit/slurp.h: the whole of a file in a malloc'd block of exactly its
 * size (no terminator, no slack: a read past its end is one AddressSanitizer
 * sees), for the ELF tests. Include after <cmocka.h>.
 */
#ifndef PYTOP_TESTS_SLURP_H
#define PYTOP_TESTS_SLURP_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static inline uint8_t *slurp(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    uint8_t *data = malloc((size_t)st.st_size);
    assert_non_null(data);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fd);
    *size = got;
    return data;
}

#endif
