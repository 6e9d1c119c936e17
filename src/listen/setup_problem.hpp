// Problems a DBA has to fix before the listener can work: the extension is
// not installed, or the role lacks a grant. Retrying would loop forever, so
// the listener says which grant is missing and exits. Pure logic.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace booking_events::listen {

class SetupProblem : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Exit status after a SetupProblem.
inline constexpr int kSetupProblemExit = 1;

// What the privilege check on connecting found.
struct ExtensionAccess {
    bool installed = false;
    std::string schema;  // unquoted
    bool schema_usage = false;
    bool replay_found = false;
    bool replay_execute = false;
};

// Why `role` cannot use the extension in `database`, naming the grant
// that is missing; nullopt when nothing is missing.
std::optional<std::string> access_problem(const ExtensionAccess &access, const std::string &role,
                                          const std::string &database);

// A statement failed with `sqlstate`: when that is a permission or schema
// problem (42501, 42883, 3F000), what to tell the user; nullopt otherwise
// (the listener then reconnects and tries again).
std::optional<std::string> failed_statement_problem(const std::string &sqlstate,
                                                    const std::string &error,
                                                    const std::string &role,
                                                    const std::string &schema);

}  // namespace booking_events::listen
