/* sha256: the checksums of a results folder's manifest. */
#include "../tests.h"

#include "results/sha256.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SHA-256 against the FIPS 180-4 examples, including a message that needs a second padding
 * block (56 bytes) and one of a million bytes fed in pieces. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < PB_ARRAY_LEN(v); i++) {
        struct pb_sha256 s;
        pb_sha256_init(&s);
        pb_sha256_update(&s, v[i].msg, strlen(v[i].msg));
        pb_sha256_hex(&s, hex);
        assert_string_equal(hex, v[i].hex);
    }
    struct pb_sha256 s;
    pb_sha256_init(&s);
    char a[1000];
    memset(a, 'a', sizeof a);
    for (int i = 0; i < 1000; i++)
        pb_sha256_update(&s, a, sizeof a);
    pb_sha256_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    uint64_t bytes;
    assert_int_equal(pb_sha256_file_at(AT_FDCWD, "nonexistent/x", hex, &bytes), -1);
    assert_non_null(strstr(pb_err(), "nonexistent/x"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sha256_vectors),
};
const struct pb_test_group pb_group_sha256 = PB_GROUP("sha256", tests);
