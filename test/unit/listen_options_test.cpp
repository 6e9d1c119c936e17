#include "listen/options.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace booking_events::listen {
namespace {

ListenOptions parse_ok(const std::vector<std::string> &arguments) {
    const ParsedOptions parsed = parse_listen_options(arguments);
    EXPECT_EQ(parsed.error, "");
    return parsed.options.value_or(ListenOptions{});
}

std::string parse_error(const std::vector<std::string> &arguments) {
    const ParsedOptions parsed = parse_listen_options(arguments);
    EXPECT_FALSE(parsed.options.has_value());
    return parsed.error;
}

TEST(ListenOptionsTest, NoArgumentsFollowEveryEventWithDefaults) {
    const ListenOptions options = parse_ok({});
    EXPECT_EQ(options.dsn, "");
    EXPECT_TRUE(options.filters.empty());
    EXPECT_FALSE(options.since.has_value());
    EXPECT_EQ(options.lookback, kDefaultLookback);
    EXPECT_FALSE(options.show_help);
    EXPECT_FALSE(options.show_version);
}

TEST(ListenOptionsTest, RepeatedFiltersOfEveryKindAreKeptInOrder) {
    const ListenOptions options =
        parse_ok({"--booking", "b-1", "--user", "u-1", "--booking=b-2", "--client", "c-1",
                  "--provider", "p-1", "--provider=p-2"});
    EXPECT_EQ(options.filters.booking_ids, (std::vector<std::string>{"b-1", "b-2"}));
    EXPECT_EQ(options.filters.user_ids, (std::vector<std::string>{"u-1"}));
    EXPECT_EQ(options.filters.client_ids, (std::vector<std::string>{"c-1"}));
    EXPECT_EQ(options.filters.provider_ids, (std::vector<std::string>{"p-1", "p-2"}));
    EXPECT_FALSE(options.filters.empty());
}

TEST(ListenOptionsTest, ValuesMayFollowAnEqualsSignOrComeNext) {
    const ListenOptions options = parse_ok(
        {"--dsn=host=db dbname=app", "--since", "42", "--lookback=500", "--user", "--odd-id"});
    EXPECT_EQ(options.dsn, "host=db dbname=app");
    EXPECT_EQ(options.since, 42);
    EXPECT_EQ(options.lookback, 500);
    // The next argument is the value, even when it starts with dashes.
    EXPECT_EQ(options.filters.user_ids, (std::vector<std::string>{"--odd-id"}));
}

TEST(ListenOptionsTest, SinceZeroAndLookbackBoundsAreAccepted) {
    EXPECT_EQ(parse_ok({"--since", "0"}).since, 0);
    EXPECT_EQ(parse_ok({"--lookback", "0"}).lookback, 0);
    EXPECT_EQ(parse_ok({"--lookback", std::to_string(kMaxLookback)}).lookback, kMaxLookback);
    EXPECT_EQ(parse_ok({"--since", "9223372036854775807"}).since, INT64_MAX);
}

TEST(ListenOptionsTest, HelpAndVersion) {
    EXPECT_TRUE(parse_ok({"--help"}).show_help);
    EXPECT_TRUE(parse_ok({"--booking", "b", "--version"}).show_version);
}

TEST(ListenOptionsTest, BadArgumentsSayWhatIsWrong) {
    EXPECT_EQ(parse_error({"--bogus"}), "unknown option '--bogus'");
    EXPECT_EQ(parse_error({"--bogus=1"}), "unknown option '--bogus'");
    EXPECT_EQ(parse_error({"-h"}), "unexpected argument '-h'");
    EXPECT_EQ(parse_error({"booking"}), "unexpected argument 'booking'");
    EXPECT_EQ(parse_error({"--booking"}), "option '--booking' needs a value");
    EXPECT_EQ(parse_error({"--booking="}), "option '--booking' needs a non-empty id");
    EXPECT_EQ(parse_error({"--dsn", "a", "--dsn", "b"}), "option '--dsn' is given twice");
    EXPECT_EQ(parse_error({"--since", "1", "--since=2"}), "option '--since' is given twice");
    EXPECT_EQ(parse_error({"--lookback", "1", "--lookback=2"}),
              "option '--lookback' is given twice");
    EXPECT_EQ(parse_error({"--help=yes"}), "option '--help' takes no value");
}

TEST(ListenOptionsTest, NumbersMustBeWholeAndInRange) {
    for (const char *bad : {"", "-1", "+1", "1.5", "12abc", " 1", "9223372036854775808"}) {
        EXPECT_EQ(
            parse_error({"--since", bad}),
            std::string("--since needs an outbox id (a whole number >= 0), not '") + bad + "'")
            << bad;
    }
    EXPECT_EQ(parse_error({"--lookback", "1000001"}),
              "--lookback needs a whole number from 0 to 1000000, not '1000001'");
    EXPECT_EQ(parse_error({"--lookback", "-5"}),
              "--lookback needs a whole number from 0 to 1000000, not '-5'");
}

TEST(ListenOptionsTest, UsageDocumentsEveryOption) {
    const std::string usage = listen_usage();
    for (const char *option : {"--dsn", "--booking", "--user", "--client", "--provider", "--since",
                               "--lookback", "--help", "--version", "Example"})
        EXPECT_NE(usage.find(option), std::string::npos) << option;
}

TEST(ListenOptionsTest, StateFile) {
    EXPECT_EQ(parse_ok({"--state-file", "/var/lib/x.state"}).state_file, "/var/lib/x.state");
    EXPECT_EQ(parse_ok({"--state-file=s"}).state_file, "s");
    EXPECT_EQ(parse_ok({}).state_file, "");
    EXPECT_EQ(parse_error({"--state-file", "a", "--state-file", "b"}),
              "option '--state-file' is given twice");
    EXPECT_EQ(parse_error({"--state-file="}), "option '--state-file' needs a file name");
}

TEST(HideDsnArgumentsTest, EveryDsnValueIsOverwrittenInPlace) {
    char program[] = "booking-events-listen";
    char dsn_option[] = "--dsn";
    char dsn[] = "host=db password=secret";
    char booking[] = "--booking";
    char booking_id[] = "b-1";
    char dsn_inline[] = "--dsn=postgresql://u:secret@db/app";
    char dangling[] = "--dsn";
    char *argv[] = {program, dsn_option, dsn, booking, booking_id, dsn_inline, dangling, nullptr};
    hide_dsn_arguments(7, argv);
    EXPECT_EQ(std::string(argv[2]), std::string(std::strlen("host=db password=secret"), '*'));
    EXPECT_EQ(std::string(argv[4]), "b-1");
    EXPECT_EQ(std::string(argv[5]),
              "--dsn=" + std::string(std::strlen("postgresql://u:secret@db/app"), '*'));
    EXPECT_EQ(std::string(argv[6]), "--dsn");
}

}  // namespace
}  // namespace booking_events::listen
