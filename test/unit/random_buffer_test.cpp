// The event ids' random bytes: drawn in blocks, each handed out once.
#include "core/random_buffer.hpp"

#include <array>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A source whose every byte differs from the last 2^32 it wrote (a counter,
// four bytes at a time), keeping what each fill wrote.
struct CountingSource {
    std::uint32_t counter = 1;
    std::vector<Bytes> fills;
    bool fail = false;

    RandomBuffer::Fill fill() {
        return [this](std::uint8_t *out, std::size_t length) {
            Bytes written(length);
            for (std::size_t i = 0; i < length; ++i) {
                if (i % 4 == 0) ++counter;
                written[i] = static_cast<std::uint8_t>(counter >> (8 * (i % 4)));
            }
            std::copy(written.begin(), written.end(), out);
            fills.push_back(written);
            return !fail;
        };
    }
};

Bytes take(RandomBuffer &buffer, std::size_t length, long pid, const RandomBuffer::Fill &fill,
           bool *ok = nullptr) {
    Bytes out(length, 0xAA);
    const bool taken = buffer.take(out.data(), length, pid, fill);
    if (ok != nullptr) *ok = taken;
    return out;
}

Bytes slice(const Bytes &bytes, std::size_t from, std::size_t length) {
    return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                 bytes.begin() + static_cast<std::ptrdiff_t>(from + length));
}

class RandomBufferTest : public ::testing::Test {
  protected:
    CountingSource source;
    const RandomBuffer::Fill fill = source.fill();
};

// Whether the next id `buffer` hands out is bytes `offset`.. of the
// `fill_index`th fill of `source`.
::testing::AssertionResult hands_out(RandomBuffer &buffer, long pid, const CountingSource &source,
                                     const RandomBuffer::Fill &fill, std::size_t fill_index,
                                     std::size_t offset) {
    const Bytes id = take(buffer, 16, pid, fill);
    if (fill_index >= source.fills.size())
        return ::testing::AssertionFailure() << "fill " << fill_index << " did not happen";
    if (id != slice(source.fills[fill_index], offset, 16))
        return ::testing::AssertionFailure()
               << "not bytes " << offset << ".. of fill " << fill_index;
    return ::testing::AssertionSuccess();
}

TEST_F(RandomBufferTest, HandsOutOneFillSixteenBytesAtATime) {
    RandomBuffer buffer(512);
    std::set<Bytes> ids;
    for (std::size_t i = 0; i < 32; ++i) {
        const Bytes id = take(buffer, 16, 7, fill);
        ASSERT_EQ(source.fills.size(), 1u) << i;
        EXPECT_EQ(id, slice(source.fills[0], 16 * i, 16)) << i;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 32u);
}

TEST_F(RandomBufferTest, RefillsAtTheBoundaryAndDropsTheRemainder) {
    RandomBuffer buffer(40);  // two ids, then 8 bytes too few for a third
    EXPECT_TRUE(hands_out(buffer, 7, source, fill, 0, 0));
    EXPECT_TRUE(hands_out(buffer, 7, source, fill, 0, 16));
    EXPECT_EQ(source.fills.size(), 1u);
    EXPECT_TRUE(hands_out(buffer, 7, source, fill, 1, 0));
    EXPECT_EQ(source.fills.size(), 2u);

    RandomBuffer exact(32);  // the last id ends exactly at the end
    CountingSource other;
    const auto other_fill = other.fill();
    take(exact, 16, 7, other_fill);
    take(exact, 16, 7, other_fill);
    EXPECT_EQ(other.fills.size(), 1u);
    EXPECT_TRUE(hands_out(exact, 7, other, other_fill, 1, 0));
}

TEST_F(RandomBufferTest, NoByteIsHandedOutTwice) {
    RandomBuffer buffer(100);  // not a multiple of 16: 4 bytes dropped per fill
    Bytes handed;
    for (int i = 0; i < 1000; ++i) {
        const Bytes id = take(buffer, 16, 7, fill);
        handed.insert(handed.end(), id.begin(), id.end());
    }
    // Every byte handed out is the next unused one of some fill, in order.
    Bytes expected;
    for (const Bytes &written : source.fills)
        for (std::size_t at = 0; at + 16 <= written.size() && expected.size() < handed.size();
             at += 16) {
            const Bytes id = slice(written, at, 16);
            expected.insert(expected.end(), id.begin(), id.end());
        }
    EXPECT_EQ(handed, expected);
    std::set<std::uint32_t> words;
    for (std::size_t at = 0; at < handed.size(); at += 4)
        words.insert(static_cast<std::uint32_t>(handed[at] | handed[at + 1] << 8 |
                                                handed[at + 2] << 16 |
                                                static_cast<std::uint32_t>(handed[at + 3]) << 24));
    EXPECT_EQ(words.size(), handed.size() / 4);
}

TEST_F(RandomBufferTest, AFailedFillHandsOutNothingAndIsTriedAgain) {
    RandomBuffer buffer(64);
    source.fail = true;
    bool ok = true;
    EXPECT_EQ(take(buffer, 16, 7, fill, &ok), Bytes(16, 0xAA));
    EXPECT_FALSE(ok);
    EXPECT_EQ(take(buffer, 16, 7, fill, &ok), Bytes(16, 0xAA));
    EXPECT_FALSE(ok);
    EXPECT_EQ(source.fills.size(), 2u);
    // The failed fills' bytes are never handed out.
    source.fail = false;
    {
        const Bytes id = take(buffer, 16, 7, fill, &ok);
        EXPECT_EQ(id, slice(source.fills.at(2), 0, 16));
    }
    EXPECT_TRUE(ok);

    // A fill that fails after ids were handed out drops the rest.
    source.fail = true;
    take(buffer, 16, 8, fill, &ok);
    EXPECT_FALSE(ok);
    source.fail = false;
    EXPECT_TRUE(hands_out(buffer, 8, source, fill, 4, 0));
}

TEST_F(RandomBufferTest, AFillThatThrowsLeavesTheBufferEmpty) {
    RandomBuffer buffer(64);
    take(buffer, 16, 7, fill);
    const RandomBuffer::Fill throwing = [](std::uint8_t *out, std::size_t length) -> bool {
        std::fill(out, out + length, 0x55);
        throw std::runtime_error("source broke");
    };
    // A new process (fills again) whose fill throws: nothing of the old fill
    // or of the broken one is handed out afterwards.
    EXPECT_THROW(take(buffer, 16, 8, throwing), std::runtime_error);
    EXPECT_TRUE(hands_out(buffer, 8, source, fill, 1, 0));
}

TEST_F(RandomBufferTest, AnotherProcessDiscardsTheBuffer) {
    RandomBuffer buffer(512);
    take(buffer, 16, 100, fill);
    // As after fork(): the child sees the parent's buffer under its own pid.
    EXPECT_TRUE(hands_out(buffer, 101, source, fill, 1, 0));
    EXPECT_TRUE(hands_out(buffer, 101, source, fill, 1, 16));
    EXPECT_EQ(source.fills.size(), 2u);
    // Back in the parent: its remaining bytes are gone too.
    EXPECT_TRUE(hands_out(buffer, 100, source, fill, 2, 0));
}

TEST_F(RandomBufferTest, ARequestAboveTheCapacityIsRefused) {
    RandomBuffer buffer(8);
    EXPECT_THROW(take(buffer, 16, 7, fill), std::length_error);
    EXPECT_TRUE(source.fills.empty());
}

}  // namespace
}  // namespace booking_events
