#include "core/endpoint_name.hpp"

namespace booking_events {

namespace {

bool is_alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> endpoint_name_problem(std::string_view name) {
    const std::string rule =
        "an endpoint name is 1 to " + std::to_string(kMaxEndpointNameBytes) +
        " letters, digits, underscores, hyphens or dots, starting with a letter or a digit";
    if (name.empty()) return "endpoint name is empty; " + rule;
    if (name.size() > kMaxEndpointNameBytes)
        return "endpoint name is longer than " + std::to_string(kMaxEndpointNameBytes) +
               " bytes; " + rule;
    if (!is_alphanumeric(name.front()))
        return "endpoint name must start with a letter or a digit; " + rule;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (!is_alphanumeric(c) && c != '_' && c != '-' && c != '.')
            return "endpoint name has a character that is not allowed at position " +
                   std::to_string(i + 1) + "; " + rule;
    }
    return std::nullopt;
}

}  // namespace booking_events
