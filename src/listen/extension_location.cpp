#include "listen/extension_location.hpp"

#include "listen/setup_problem.hpp"

namespace booking_events::listen {

namespace {

constexpr const char *kExtensionOidQuery =
    "SELECT e.oid::pg_catalog.text FROM pg_catalog.pg_extension e "
    "WHERE e.extname OPERATOR(pg_catalog.=) 'booking_events'";

}  // namespace

ExtensionLocation locate_extension(PgSession &session) {
    const Rows rows = session.query(
        "looking for the extension",
        "SELECT e.oid::pg_catalog.text, pg_catalog.quote_ident(n.nspname), "
        "pg_catalog.has_schema_privilege(n.oid, 'USAGE')::pg_catalog.text, "
        "(p.oid IS NOT NULL)::pg_catalog.text, "
        "coalesce(pg_catalog.has_function_privilege(p.oid, 'EXECUTE'), false)::pg_catalog.text, "
        "pg_catalog.quote_ident(current_user), pg_catalog.current_database() "
        "FROM (SELECT) AS nothing "
        "LEFT JOIN pg_catalog.pg_extension e ON e.extname OPERATOR(pg_catalog.=) 'booking_events' "
        "LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
        "LEFT JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) n.oid "
        "AND p.proname OPERATOR(pg_catalog.=) 'booking_events_replay'");
    if (rows.empty() || rows[0].size() != 7)
        throw SessionError("looking for the extension: unexpected answer");
    const auto &row = rows[0];
    const auto yes = [](const std::optional<std::string> &value) { return value == "true"; };
    ExtensionAccess access;
    access.installed = row[0].has_value();
    access.schema = row[1].value_or("");
    access.schema_usage = yes(row[2]);
    access.replay_found = yes(row[3]);
    access.replay_execute = yes(row[4]);
    const std::string role = row[5].value_or("");
    if (const auto problem = access_problem(access, role, row[6].value_or("?")))
        throw SetupProblem(*problem);
    return ExtensionLocation{*row[0], access.schema, role};
}

std::optional<std::string> current_extension_oid(PgSession &session) {
    const Rows rows = session.query("looking for the extension", kExtensionOidQuery);
    if (rows.empty() || rows[0].empty()) return std::nullopt;
    return rows[0][0];
}

}  // namespace booking_events::listen
