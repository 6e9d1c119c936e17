// The replay's query and the search for the newest outbox id.
#include "listen/newest_id_search.hpp"
#include "listen/replay_query.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

namespace booking_events::listen {
namespace {

TEST(ReplayQueryTest, FiltersBecomeTextArraysAndMissingOnesNull) {
    EventFilters filters;
    filters.booking_ids = {"b-1", "b-2"};
    filters.provider_ids = {"p-1"};
    const ReplayQuery query = replay_query("\"my hooks\"", 41, filters, 1000);
    EXPECT_NE(query.sql.find("FROM \"my hooks\".booking_events_replay($1::pg_catalog.int8, "
                             "$2::pg_catalog.text[], $3::pg_catalog.text[], "
                             "$4::pg_catalog.text[], $5::pg_catalog.text[], $6::pg_catalog.int4)"),
              std::string::npos);
    ASSERT_EQ(query.parameters.size(), 6u);
    EXPECT_EQ(query.parameters[0], "41");
    EXPECT_EQ(query.parameters[1], R"({"b-1","b-2"})");
    EXPECT_FALSE(query.parameters[2].has_value());
    EXPECT_FALSE(query.parameters[3].has_value());
    EXPECT_EQ(query.parameters[4], R"({"p-1"})");
    EXPECT_EQ(query.parameters[5], "1000");
}

TEST(ReplayQueryTest, ArrayElementsAreQuotedAndEscaped) {
    EXPECT_EQ(text_array_literal({}), "{}");
    EXPECT_EQ(text_array_literal({""}), R"({""})");
    EXPECT_EQ(text_array_literal({"a,b", "NULL", "{x}", "q\"uote", "back\\slash", "é"}),
              R"({"a,b","NULL","{x}","q\"uote","back\\slash","é"})");
}

// A fake outbox: first_id_after over a set of ids, counting the questions.
struct FakeOutbox {
    std::set<std::int64_t> ids;
    int questions = 0;

    std::int64_t newest() {
        return find_newest_outbox_id([this](std::int64_t after) -> std::optional<std::int64_t> {
            ++questions;
            const auto it = ids.upper_bound(after);
            if (it == ids.end()) return std::nullopt;
            return *it;
        });
    }
};

TEST(NewestIdSearchTest, EmptyOutboxIsZero) {
    FakeOutbox outbox;
    EXPECT_EQ(outbox.newest(), 0);
    EXPECT_EQ(outbox.questions, 1);
}

TEST(NewestIdSearchTest, FindsTheNewestIdWithGapsAnywhere) {
    for (const std::set<std::int64_t> &ids :
         std::vector<std::set<std::int64_t>>{{1},
                                             {7},
                                             {1, 2, 3, 4, 5},
                                             {3, 4, 1000},
                                             {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
                                             {100000, 100001, 100002, 250000}}) {
        FakeOutbox outbox{ids};
        EXPECT_EQ(outbox.newest(), *ids.rbegin());
    }
}

TEST(NewestIdSearchTest, TakesLogarithmicallyManyQuestions) {
    FakeOutbox outbox;
    for (std::int64_t id = 500000; id <= 12345678; id += 7) outbox.ids.insert(id);
    EXPECT_EQ(outbox.newest(), *outbox.ids.rbegin());
    EXPECT_LE(outbox.questions, 2 * 24 + 4);  // 2^24 > 12345678
}

TEST(NewestIdSearchTest, IdsNearTheLargestBigintDoNotOverflow) {
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    FakeOutbox outbox{{1, max - 3}};
    EXPECT_EQ(outbox.newest(), max - 3);
    FakeOutbox at_max{{5, max}};
    EXPECT_EQ(at_max.newest(), max);
}

TEST(NewestIdSearchTest, AnOutboxGrowingDuringTheSearchGivesAnIdThatExists) {
    // Every question adds an id: the answer is some id that existed.
    std::set<std::int64_t> ids = {1, 2, 3};
    std::int64_t next = 4;
    const std::int64_t newest =
        find_newest_outbox_id([&](std::int64_t after) -> std::optional<std::int64_t> {
            ids.insert(next++);
            const auto it = ids.upper_bound(after);
            if (it == ids.end()) return std::nullopt;
            return *it;
        });
    EXPECT_EQ(ids.count(newest), 1u);
    EXPECT_GE(newest, 3);
}

}  // namespace
}  // namespace booking_events::listen
