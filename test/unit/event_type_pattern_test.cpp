#include "core/event_type_pattern.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

std::vector<EventTypePattern> parsed(const std::vector<std::string> &texts) {
    EventTypePatternList list = parse_event_type_patterns(texts);
    EXPECT_FALSE(list.problem.has_value()) << *list.problem;
    return list.patterns;
}

std::string problem_of(const std::string &pattern) {
    const std::optional<std::string> problem = event_type_pattern_problem(pattern);
    EXPECT_TRUE(problem.has_value()) << "accepted: " << pattern;
    return problem.value_or("");
}

// ---------------------------------------------------------------------------
// validation

TEST(EventTypePatternTest, AcceptsTheThreeForms) {
    for (const char *pattern : {"*", "booking.*", "booking.created", "booking.status_changed", "a",
                                "a.*", "booking_event.created", "Bookings-2026.inserted", "urn:x.y",
                                "a.b.c.*", "webhook.test", "order$items.inserted"})
        EXPECT_EQ(event_type_pattern_problem(pattern), std::nullopt) << pattern;
}

TEST(EventTypePatternTest, RefusesEmpty) {
    const std::string problem = problem_of("");
    EXPECT_NE(problem.find("empty"), std::string::npos) << problem;
}

TEST(EventTypePatternTest, RefusesWhitespaceAnywhere) {
    for (const char *pattern :
         {" ", " booking.*", "booking.* ", "booking. created", "a\tb", "a\nb", "booking.created\r"})
        EXPECT_NE(problem_of(pattern), "") << pattern;
    EXPECT_NE(problem_of("booking created").find("a space is not allowed at position 8"),
              std::string::npos);
}

TEST(EventTypePatternTest, RefusesMisplacedStars) {
    for (const char *pattern : {"**", "booking*", "*.created", "booking.*.created", "a.*.*", "a.**",
                                "book*ing", ".*", "*.*", "booking.c*"})
        EXPECT_NE(problem_of(pattern), "") << pattern;
    EXPECT_NE(problem_of("booking*").find("an asterisk is allowed only alone"), std::string::npos);
}

TEST(EventTypePatternTest, RefusesEmptySegments) {
    for (const char *pattern :
         {".", "..", ".booking", "booking.", "booking..created", "booking..*", "a...b"})
        EXPECT_NE(problem_of(pattern).find("empty part between dots"), std::string::npos)
            << pattern;
    EXPECT_NE(problem_of(".*").find("nothing before"), std::string::npos);
}

TEST(EventTypePatternTest, RefusesOtherCharactersAndNamesThem) {
    for (const char *pattern : {"booking/created", "booking,created", "a'b", "a\"b", "a%b", "a;b",
                                "(a)", "a?", "a\\b", "a|b", "a+b", "a#b"})
        EXPECT_NE(problem_of(pattern).find("is not allowed"), std::string::npos) << pattern;
    EXPECT_NE(problem_of("a,b").find("',' is not allowed at position 2"), std::string::npos);
}

TEST(EventTypePatternTest, ControlAndNonAsciiBytesAreShownInHexNeverRaw) {
    const std::string with_nul("a\0b", 3);
    const std::string problem = problem_of(with_nul);
    EXPECT_NE(problem.find("byte 0x00 is not allowed at position 2"), std::string::npos);
    EXPECT_NE(problem.find("\"a\\x00b\""), std::string::npos) << problem;
    const std::string umlaut = problem_of("buchung.b\xC3\xA4r");
    EXPECT_NE(umlaut.find("byte 0xC3"), std::string::npos) << umlaut;
    for (char c : umlaut) EXPECT_TRUE(c >= ' ' && c < 0x7f) << umlaut;
    const std::string escape = problem_of("a\x1b[31mred");
    EXPECT_EQ(escape.find('\x1b'), std::string::npos);
}

TEST(EventTypePatternTest, LengthLimit) {
    EXPECT_EQ(event_type_pattern_problem(std::string(kMaxEventTypePatternBytes, 'a')),
              std::nullopt);
    const std::string problem = problem_of(std::string(kMaxEventTypePatternBytes + 1, 'a'));
    EXPECT_NE(problem.find("longer than"), std::string::npos);
    // The message quotes only the start of a long pattern.
    EXPECT_LT(problem.size(), 200u) << problem;
}

TEST(EventTypePatternTest, MessageNamesThePattern) {
    const std::string problem = problem_of("booking.crea ted");
    EXPECT_EQ(problem.rfind("invalid event type pattern \"booking.crea ted\": ", 0), 0u) << problem;
}

// ---------------------------------------------------------------------------
// lists

TEST(EventTypePatternListTest, EmptyListIsRefused) {
    const EventTypePatternList list = parse_event_type_patterns({});
    ASSERT_TRUE(list.problem.has_value());
    EXPECT_NE(list.problem->find("at least one"), std::string::npos);
}

TEST(EventTypePatternListTest, TooManyPatternsAreRefused) {
    std::vector<std::string> texts;
    for (std::size_t i = 0; i <= kMaxEventTypePatterns; ++i)
        texts.push_back("t" + std::to_string(i));
    EXPECT_TRUE(parse_event_type_patterns(texts).problem.has_value());
    texts.pop_back();
    EXPECT_EQ(parse_event_type_patterns(texts).patterns.size(), kMaxEventTypePatterns);
}

TEST(EventTypePatternListTest, OneBadPatternRefusesTheWholeList) {
    const EventTypePatternList list = parse_event_type_patterns({"booking.*", "bad pattern"});
    ASSERT_TRUE(list.problem.has_value());
    EXPECT_NE(list.problem->find("\"bad pattern\""), std::string::npos);
    EXPECT_TRUE(list.patterns.empty());
}

TEST(EventTypePatternListTest, KindsAndDuplicates) {
    const std::vector<EventTypePattern> patterns =
        parsed({"booking.*", "*", "booking.created", "booking.*", "booking.created"});
    ASSERT_EQ(patterns.size(), 3u);
    EXPECT_EQ(patterns[0].kind, PatternKind::Prefix);
    EXPECT_EQ(patterns[0].text, "booking.");
    EXPECT_EQ(patterns[1].kind, PatternKind::Any);
    EXPECT_EQ(patterns[2].kind, PatternKind::Exact);
    EXPECT_EQ(patterns[2].text, "booking.created");
}

TEST(EventTypePatternListTest, PatternTextRoundTrips) {
    for (const char *text : {"*", "booking.*", "booking.created", "a.b.*"})
        EXPECT_EQ(pattern_text(parsed({text}).at(0)), text);
}

// ---------------------------------------------------------------------------
// matching

TEST(EventTypeMatchTest, AnyMatchesEverythingEvenOddTypes) {
    const std::vector<EventTypePattern> any = parsed({"*"});
    for (const char *type : {"booking.created", "", "x y", "bookings.inserted", "\xC3\xA4"})
        EXPECT_TRUE(event_type_matches_any(any, type)) << type;
}

// The types the pattern list `texts` takes, and those it refuses.
void expect_selection(const std::vector<std::string> &texts, const std::vector<std::string> &taken,
                      const std::vector<std::string> &refused) {
    const std::vector<EventTypePattern> patterns =
        texts.empty() ? std::vector<EventTypePattern>{} : parsed(texts);
    for (const std::string &type : taken)
        EXPECT_TRUE(event_type_matches_any(patterns, type)) << type;
    for (const std::string &type : refused)
        EXPECT_FALSE(event_type_matches_any(patterns, type)) << type;
}

TEST(EventTypeMatchTest, PrefixNeedsTheDotAndSomethingAfterIt) {
    expect_selection({"booking.*"}, {"booking.created", "booking.status_changed", "booking.a.b"},
                     {"booking", "booking.", "bookings.inserted", "booking_event.created",
                      "Booking.created", "x.booking.created"});
}

TEST(EventTypeMatchTest, ExactIsExactAndCaseSensitive) {
    expect_selection({"booking.created"}, {"booking.created"},
                     {"booking.created2", "booking.create", "BOOKING.CREATED", "booking.created ",
                      std::string("booking.created\0", 16)});
}

TEST(EventTypeMatchTest, ListMatchesWhenAnyPatternDoes) {
    expect_selection({"booking.created", "refund.*"}, {"booking.created", "refund.issued"},
                     {"booking.deleted"});
    expect_selection({}, {}, {"booking.created"});
}

}  // namespace
}  // namespace booking_events
