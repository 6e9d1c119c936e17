#include "listen/setup_problem.hpp"

namespace booking_events::listen {

namespace {

constexpr const char *kReplaySignature =
    "booking_events_replay(bigint, text[], text[], text[], text[], int)";

std::string grant_function_hint(const std::string &role, const std::string &schema) {
    return "a DBA runs SELECT " + schema + ".booking_events_grant('" + role + "', 'listener')";
}

}  // namespace

std::optional<std::string> access_problem(const ExtensionAccess &access, const std::string &role,
                                          const std::string &database) {
    if (!access.installed)
        return "the extension booking_events is not installed in database " + database +
               " (CREATE EXTENSION booking_events)";
    if (!access.schema_usage)
        return "role " + role + " has no USAGE on schema " + access.schema +
               ", where booking_events is installed: " + grant_function_hint(role, access.schema) +
               ", or GRANT USAGE ON SCHEMA " + access.schema + " TO " + role;
    if (!access.replay_found)
        return "schema " + access.schema +
               " has no booking_events_replay(): " + "ALTER EXTENSION booking_events UPDATE";
    if (!access.replay_execute)
        return "role " + role + " has no EXECUTE on " + access.schema + "." + kReplaySignature +
               ": " + grant_function_hint(role, access.schema) + ", or GRANT EXECUTE ON FUNCTION " +
               access.schema + "." + kReplaySignature + " TO " + role;
    return std::nullopt;
}

std::optional<std::string> failed_statement_problem(const std::string &sqlstate,
                                                    const std::string &error,
                                                    const std::string &role,
                                                    const std::string &schema) {
    if (sqlstate == "42501")
        return error + " (role " + role +
               " needs SELECT on the bookings table, booking_events.bookings_table; its "
               "row-level security policies then choose the events it sees: " +
               grant_function_hint(role, schema) + ")";
    if (sqlstate == "42883" || sqlstate == "3F000")
        return error + " (is booking_events installed and up to date in schema " + schema +
               "? ALTER EXTENSION booking_events UPDATE)";
    return std::nullopt;
}

}  // namespace booking_events::listen
