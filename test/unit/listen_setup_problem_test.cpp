#include "listen/setup_problem.hpp"

#include <gtest/gtest.h>

#include <string>

namespace booking_events::listen {
namespace {

ExtensionAccess full_access() {
    ExtensionAccess access;
    access.installed = true;
    access.schema = "hooks";
    access.schema_usage = true;
    access.replay_found = true;
    access.replay_execute = true;
    return access;
}

bool says(const std::optional<std::string> &message, const std::string &part) {
    return message && message->find(part) != std::string::npos;
}

TEST(AccessProblemTest, NothingMissingIsNoProblem) {
    EXPECT_FALSE(access_problem(full_access(), "app_listener", "app"));
}

TEST(AccessProblemTest, EachMissingPieceIsNamedWithItsGrant) {
    ExtensionAccess access = full_access();
    access.installed = false;
    EXPECT_TRUE(says(access_problem(access, "app_listener", "app"),
                     "not installed in database app (CREATE EXTENSION booking_events)"));

    access = full_access();
    access.schema_usage = false;
    const auto usage = access_problem(access, "app_listener", "app");
    EXPECT_TRUE(says(usage, "role app_listener has no USAGE on schema hooks"));
    EXPECT_TRUE(says(usage, "SELECT hooks.booking_events_grant('app_listener', 'listener')"));
    EXPECT_TRUE(says(usage, "GRANT USAGE ON SCHEMA hooks TO app_listener"));

    access = full_access();
    access.replay_execute = false;
    const auto execute = access_problem(access, "app_listener", "app");
    EXPECT_TRUE(says(execute,
                     "no EXECUTE on hooks.booking_events_replay(bigint, text[], "
                     "text[], text[], text[], int)"));
    EXPECT_TRUE(says(execute, "booking_events_grant('app_listener', 'listener')"));

    access = full_access();
    access.replay_found = false;
    EXPECT_TRUE(says(access_problem(access, "app_listener", "app"),
                     "ALTER EXTENSION booking_events UPDATE"));
}

TEST(FailedStatementProblemTest, PermissionAndSchemaErrorsAreNotRetried) {
    const auto denied = failed_statement_problem("42501", "permission denied for table bookings",
                                                 "app_listener", "hooks");
    EXPECT_TRUE(says(denied, "permission denied for table bookings"));
    EXPECT_TRUE(says(denied, "needs SELECT on the bookings table"));
    EXPECT_TRUE(says(failed_statement_problem("42883", "function does not exist", "r", "hooks"),
                     "ALTER EXTENSION booking_events UPDATE"));
    EXPECT_TRUE(failed_statement_problem("3F000", "schema does not exist", "r", "hooks"));
}

TEST(FailedStatementProblemTest, OtherErrorsAreWorthARetry) {
    for (const char *sqlstate : {"", "57P01", "08006", "40001", "53300", "XX000"})
        EXPECT_FALSE(failed_statement_problem(sqlstate, "x", "r", "s")) << sqlstate;
}

}  // namespace
}  // namespace booking_events::listen
