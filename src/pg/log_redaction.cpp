// An emit_log_hook that keeps secret setting values out of the server log
// (see core/secret_redaction.hpp). Installed in every process that loads the
// library, the postmaster included when preloaded: the postmaster is the one
// that logs "parameter ... changed to ..." on reload.
#include <optional>
#include <string>

#include "core/secret_redaction.hpp"
#include "pg/log_redaction.hpp"

namespace booking_events {

namespace {

emit_log_hook_type previous_emit_log_hook = nullptr;

// Runs while an error is being reported: it must neither throw nor ereport.
// The new text is allocated in the error's own memory context.
// Returns whether the field named a secret setting.
bool redact_field(char **field) {
    if (*field == nullptr || strstr(*field, "booking_events.") == nullptr) return false;
    try {
        std::optional<std::string> redacted = redact_secret_settings(*field);
        if (!redacted) return false;
        char *copy = static_cast<char *>(
            MemoryContextAllocExtended(ErrorContext, redacted->size() + 1, MCXT_ALLOC_NO_OOM));
        if (copy == nullptr) {
            (*field)[0] = '\0';  // losing the line beats leaking the secret
            return true;
        }
        memcpy(copy, redacted->c_str(), redacted->size() + 1);
        *field = copy;
    } catch (...) {
        (*field)[0] = '\0';
    }
    return true;
}

void redact_secrets(ErrorData *error) {
    bool named_a_secret = redact_field(&error->message);
    named_a_secret |= redact_field(&error->detail);
    named_a_secret |= redact_field(&error->context);
    // The statement that set the value (ALTER SYSTEM ... = 'secret') would
    // be logged after the message: leave it out.
    if (named_a_secret) error->hide_stmt = true;
    if (previous_emit_log_hook) previous_emit_log_hook(error);
}

}  // namespace

void install_log_redaction() {
    previous_emit_log_hook = emit_log_hook;
    emit_log_hook = redact_secrets;
}

}  // namespace booking_events
