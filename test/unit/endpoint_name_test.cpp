#include "core/endpoint_name.hpp"

#include <string>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

TEST(EndpointNameTest, AcceptsPlainNames) {
    for (const char *name :
         {"default", "refunds", "make-scenario-2", "crm_v2", "eu1.make", "A", "9lives"})
        EXPECT_EQ(endpoint_name_problem(name), std::nullopt) << name;
    EXPECT_EQ(endpoint_name_problem(std::string(kMaxEndpointNameBytes, 'x')), std::nullopt);
    EXPECT_EQ(kDefaultEndpointName, "default");
}

TEST(EndpointNameTest, RefusesEmptyLongAndOddStarts) {
    EXPECT_NE(endpoint_name_problem("")->find("empty"), std::string::npos);
    EXPECT_NE(endpoint_name_problem(std::string(kMaxEndpointNameBytes + 1, 'x'))->find("longer"),
              std::string::npos);
    for (const char *name : {"-x", ".x", "_x", " x"})
        EXPECT_NE(endpoint_name_problem(name)->find("must start"), std::string::npos) << name;
}

TEST(EndpointNameTest, RefusesCharactersThatNeedQuotingAndNeverEchoesThem) {
    for (const char *name :
         {"a b", "a\"b", "a'b", "a;b", "a/b", "a\nb", "a\\b", "a%s", "caf\xC3\xA9", "a\x1b[2J"}) {
        const std::string problem = endpoint_name_problem(name).value_or("");
        EXPECT_NE(problem.find("not allowed at position"), std::string::npos) << name;
        for (char c : problem) EXPECT_TRUE(c >= ' ' && c < 0x7f) << problem;
    }
    EXPECT_NE(endpoint_name_problem(std::string("a\0b", 3)).value_or("").find("position 2"),
              std::string::npos);
}

}  // namespace
}  // namespace booking_events
