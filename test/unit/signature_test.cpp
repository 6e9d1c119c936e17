#include "core/base64.hpp"
#include "core/sha256.hpp"
#include "core/signature.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace std::string_literals;
using booking_events::base64_decode;
using booking_events::base64_encode;
using booking_events::hmac_sha256;
using booking_events::sha256;
using booking_events::Sha256Digest;
using booking_events::signing_key_from_secret;
using booking_events::split_secrets;
using booking_events::standard_webhooks_signature;

namespace {

std::string to_hex(const Sha256Digest &digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t byte : digest) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0x0f];
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    }
    return out;
}

// The Standard Webhooks reference example (secret, id, timestamp, body).
constexpr std::string_view kExampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kExampleId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view kExampleTimestamp = "1614265330";
constexpr std::string_view kExampleBody = R"({"test": 2432232314})";

std::string example_key() {
    const std::optional<std::string> key = signing_key_from_secret(kExampleSecret);
    EXPECT_TRUE(key.has_value());
    return key.value_or("");
}

}  // namespace

// FIPS 180-2 appendix B / NIST example vectors.
TEST(Sha256Test, EmptyMessage) {
    EXPECT_EQ(to_hex(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, Abc) {
    EXPECT_EQ(to_hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, TwoBlockMessage) {
    EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, LongMessage896Bits) {
    EXPECT_EQ(to_hex(sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                            "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256Test, OneMillionA) {
    EXPECT_EQ(to_hex(sha256(std::string(1000000, 'a'))),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the point where the 0x80 byte and the 8-byte length no longer
// fit in the last block. Expected values from
//   printf '%s' "$(printf 'a%.0s' $(seq N))" | openssl dgst -sha256 -r
TEST(Sha256Test, PaddingBoundaries) {
    const std::vector<std::pair<std::size_t, std::string>> cases = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    for (const auto &[length, expected] : cases) {
        EXPECT_EQ(to_hex(sha256(std::string(length, 'a'))), expected) << "length " << length;
    }
}

// Expected: printf 'a\000b' | openssl dgst -sha256 -r
TEST(Sha256Test, EmbeddedNul) {
    EXPECT_EQ(to_hex(sha256("a\0b"s)),
              "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}

// RFC 4231 section 4.
TEST(HmacSha256Test, Rfc4231Case1) {
    EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256Test, Rfc4231Case2KeyShorterThanOutput) {
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, Rfc4231Case3) {
    EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(HmacSha256Test, Rfc4231Case4) {
    EXPECT_EQ(to_hex(hmac_sha256(from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                                 std::string(50, '\xcd'))),
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(HmacSha256Test, Rfc4231Case5Truncated) {
    // The RFC only publishes the first 128 bits for this case.
    EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32),
              "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256Test, Rfc4231Case6KeyLongerThanBlock) {
    EXPECT_EQ(to_hex(hmac_sha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, Rfc4231Case7KeyAndDataLongerThanBlock) {
    EXPECT_EQ(to_hex(hmac_sha256(std::string(131, '\xaa'),
                                 "This is a test using a larger than block-size key and a larger "
                                 "than block-size data. The key needs to be hashed before being "
                                 "used by the HMAC algorithm.")),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// A 64-byte key is used as is, a 65-byte key is hashed first. Expected from
//   printf msg | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '4b%.0s' $(seq N)) -r
TEST(HmacSha256Test, KeyAtAndJustOverBlockSize) {
    EXPECT_EQ(to_hex(hmac_sha256(std::string(64, 'K'), "msg")),
              "2b8a95286e6947c38c167443fc55c4f4f9462f59bf5aca159bc6d7ba69f2150f");
    EXPECT_EQ(to_hex(hmac_sha256(std::string(65, 'K'), "msg")),
              "1c45c2e7accd193636c385b7cae549fe351aa313a52c88bdb05a5bf0cd5e9213");
}

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> kRfc4648Vectors = {{"", ""},
                                                                          {"f", "Zg=="},
                                                                          {"fo", "Zm8="},
                                                                          {"foo", "Zm9v"},
                                                                          {"foob", "Zm9vYg=="},
                                                                          {"fooba", "Zm9vYmE="},
                                                                          {"foobar", "Zm9vYmFy"}};

TEST(Base64Test, Rfc4648VectorsBothWays) {
    for (const auto &[bytes, text] : kRfc4648Vectors) {
        EXPECT_EQ(base64_encode(bytes), text);
        EXPECT_EQ(base64_decode(text), bytes);
    }
}

TEST(Base64Test, DecodeAcceptsMissingPadding) {
    for (const auto &[bytes, text] : kRfc4648Vectors) {
        const std::string unpadded = text.substr(0, text.find('='));
        EXPECT_EQ(base64_decode(unpadded), bytes) << unpadded;
    }
}

TEST(Base64Test, AllByteValuesRoundTrip) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (std::size_t length = 0; length <= bytes.size(); ++length) {
        const std::string input = bytes.substr(0, length);
        EXPECT_EQ(base64_decode(base64_encode(input)), input) << "length " << length;
    }
    // '+' and '/' are the standard alphabet, not the URL-safe '-' and '_'.
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Base64Test, DecodeRejectsInvalidInput) {
    EXPECT_EQ(base64_decode("Z"), std::nullopt);          // 6 bits: not even one byte
    EXPECT_EQ(base64_decode("Zm9vY"), std::nullopt);      // same, after a full quantum
    EXPECT_EQ(base64_decode("Zg="), std::nullopt);        // padding that does not complete 4
    EXPECT_EQ(base64_decode("Zg==="), std::nullopt);      // too much padding
    EXPECT_EQ(base64_decode("Z==="), std::nullopt);       // three '=' in a quantum
    EXPECT_EQ(base64_decode("===="), std::nullopt);       // padding alone
    EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);   // padding in the middle
    EXPECT_EQ(base64_decode("Zm9v Zg=="), std::nullopt);  // whitespace
    EXPECT_EQ(base64_decode("Zm9v\n"), std::nullopt);     // trailing newline
    EXPECT_EQ(base64_decode("-_8="), std::nullopt);       // URL-safe alphabet
    EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt);      // not base64 at all
    EXPECT_EQ(base64_decode("Zm\0v"s), std::nullopt);     // embedded NUL
    EXPECT_EQ(base64_decode("Zh=="), std::nullopt);       // non-zero leftover bits
    EXPECT_EQ(base64_decode("Zm9="), std::nullopt);       // non-zero leftover bits
}

TEST(SignatureTest, WhsecSecretIsBase64Decoded) {
    // printf '%s' MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p
    EXPECT_EQ(signing_key_from_secret(kExampleSecret),
              from_hex("31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0"));
    EXPECT_EQ(signing_key_from_secret("whsec_Zm9vYmE"), "fooba");  // padding left off
}

TEST(SignatureTest, WhsecSecretWithInvalidBase64IsRejected) {
    EXPECT_EQ(signing_key_from_secret("whsec_not base64!"), std::nullopt);
    EXPECT_EQ(signing_key_from_secret("whsec_Z"), std::nullopt);
    EXPECT_EQ(signing_key_from_secret("whsec_"), std::nullopt);
}

TEST(SignatureTest, OtherSecretsAreRawKeyBytes) {
    EXPECT_EQ(signing_key_from_secret("my-raw-secret"), "my-raw-secret");
    // Only the exact lower-case prefix means Standard Webhooks encoding.
    EXPECT_EQ(signing_key_from_secret("WHSEC_Zm9v"), "WHSEC_Zm9v");
    EXPECT_EQ(signing_key_from_secret("whsec"), "whsec");
    EXPECT_EQ(signing_key_from_secret("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
}

TEST(SignatureTest, SplitSecretsOnWhitespaceAndCommas) {
    EXPECT_EQ(split_secrets("whsec_new whsec_old"),
              (std::vector<std::string>{"whsec_new", "whsec_old"}));
    EXPECT_EQ(split_secrets(" ,whsec_a,,whsec_b\t\n raw ,"),
              (std::vector<std::string>{"whsec_a", "whsec_b", "raw"}));
    EXPECT_EQ(split_secrets("single"), (std::vector<std::string>{"single"}));
    EXPECT_TRUE(split_secrets("").empty());
    EXPECT_TRUE(split_secrets(" , \t,").empty());
}

// The Standard Webhooks reference example, recomputed independently with
//   key=$(printf '%s' MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256)
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64
// (the decoded key has non-printable bytes, hence hexkey rather than -hmac).
TEST(SignatureTest, StandardWebhooksKnownVector) {
    EXPECT_EQ(
        standard_webhooks_signature({example_key()}, kExampleId, kExampleTimestamp, kExampleBody),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// Second value: the same message with
//   openssl dgst -sha256 -hmac 'my-raw-secret' -binary | base64
TEST(SignatureTest, RotationSignsWithEveryKeyInOrder) {
    const std::string new_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const std::string old_signature = "v1,C7uF7Zzf15lgAYNH+euHxaPJGHnzAV2trvjSu/eLkqU=";
    EXPECT_EQ(standard_webhooks_signature({example_key(), "my-raw-secret"}, kExampleId,
                                          kExampleTimestamp, kExampleBody),
              new_signature + " " + old_signature);
    EXPECT_EQ(standard_webhooks_signature({"my-raw-secret", example_key()}, kExampleId,
                                          kExampleTimestamp, kExampleBody),
              old_signature + " " + new_signature);
}

TEST(SignatureTest, SecretsSettingEndToEnd) {
    std::vector<std::string> keys;
    for (const std::string &secret :
         split_secrets(std::string(kExampleSecret) + ", my-raw-secret")) {
        const std::optional<std::string> key = signing_key_from_secret(secret);
        ASSERT_TRUE(key.has_value()) << secret;
        keys.push_back(*key);
    }
    EXPECT_EQ(standard_webhooks_signature(keys, kExampleId, kExampleTimestamp, kExampleBody),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
              "v1,C7uF7Zzf15lgAYNH+euHxaPJGHnzAV2trvjSu/eLkqU=");
}

TEST(SignatureTest, NoKeysGivesEmptyHeader) {
    EXPECT_EQ(standard_webhooks_signature({}, kExampleId, kExampleTimestamp, kExampleBody), "");
}

// printf '%s' 'msg_1.1700000000.' |
//   openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64  ($key as above)
TEST(SignatureTest, EmptyBody) {
    EXPECT_EQ(standard_webhooks_signature({example_key()}, "msg_1", "1700000000", ""),
              "v1,gSiPCGkMwgBPwtqun+0WQGJwP7wCS5MuBHUR5RLZhOo=");
}

// The body is signed byte for byte: a NUL must not end it, and UTF-8 is not
// re-encoded. Expected from
//   printf 'msg_2.1700000001.a\000b \303\251 \342\234\223' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64
TEST(SignatureTest, BodyWithNulAndUtf8) {
    const std::string body = "a\0b \xc3\xa9 \xe2\x9c\x93"s;
    ASSERT_EQ(body.size(), 10U);
    EXPECT_EQ(standard_webhooks_signature({example_key()}, "msg_2", "1700000001", body),
              "v1,rl0Deqd1frP+cCD/MEaoaFgcTm6Ku9/UofBle0z6Ua0=");
    // Truncating at the NUL would give a different signature.
    EXPECT_NE(standard_webhooks_signature({example_key()}, "msg_2", "1700000001", "a"),
              standard_webhooks_signature({example_key()}, "msg_2", "1700000001", body));
}

TEST(SignatureTest, KeyWithNulBytesIsNotTruncated) {
    const std::string key_with_nul = "ab\0cd"s;
    EXPECT_NE(standard_webhooks_signature({key_with_nul}, "msg_3", "1", "{}"),
              standard_webhooks_signature({"ab"}, "msg_3", "1", "{}"));
}
