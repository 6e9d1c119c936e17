// An emit_log_hook that keeps secret setting values out of the server log
// (core/log_record_redaction.hpp decides what to change). The hook runs while
// an error is being reported, so it never throws out, never ereports, and
// allocates only in ErrorContext; when it cannot redact a message it empties
// the fields and leaves the statement out rather than print a secret.
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <new>

#include "core/log_record_redaction.hpp"
#include "pg/log_redaction.hpp"

extern "C" {
#include "common/keywords.h"
#include "parser/parser.h"
}

namespace booking_events {

namespace {

emit_log_hook_type previous_emit_log_hook = nullptr;

// The values the check hooks saw last, newest last: malloc'd copies, kept out
// of any memory context so that they outlive transactions and reloads.
struct RememberedSecret {
    std::size_t setting = 0;  // index into kSecretSettings
    char *value = nullptr;
};
// Room for the settings and a few dozen endpoints' secrets.
constexpr std::size_t kRememberedSecrets = 64;
RememberedSecret remembered[kRememberedSecrets];
std::size_t next_remembered = 0;

// Memory for the core code while the hook runs: ErrorContext, which is
// there for exactly this, with failures reported as bad_alloc (caught below).
class ErrorContextMemory final : public std::pmr::memory_resource {
  private:
    void *do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (alignment > MAXIMUM_ALIGNOF || !AllocSizeIsValid(bytes)) throw std::bad_alloc();
        void *memory = MemoryContextAllocExtended(ErrorContext, bytes, MCXT_ALLOC_NO_OOM);
        if (memory == nullptr) throw std::bad_alloc();
        return memory;
    }
    void do_deallocate(void *memory, std::size_t, std::size_t) override { pfree(memory); }
    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override {
        return this == &other;
    }
};

bool is_sql_keyword(std::string_view word) {
    char name[NAMEDATALEN];
    if (word.size() >= sizeof name) return false;
    std::memcpy(name, word.data(), word.size());
    name[word.size()] = '\0';
    return ScanKeywordLookup(name, &ScanKeywords) >= 0;
}

void collect_known_secrets(std::pmr::vector<SecretPiece> &pieces) {
    for (std::string_view setting : kSecretSettings) {
        char name[NAMEDATALEN];
        if (setting.size() >= sizeof name) continue;
        std::memcpy(name, setting.data(), setting.size());
        name[setting.size()] = '\0';
        // Not restricted: this process may print the value, so it may read it.
        const char *value = GetConfigOption(name, true, false);
        if (value != nullptr) add_secret_pieces(setting, value, pieces);
    }
    for (const RememberedSecret &secret : remembered)
        if (secret.value != nullptr)
            add_secret_pieces(kSecretSettings[secret.setting], secret.value, pieces);
}

char **field_of(ErrorData *error, LogField field) {
    switch (field) {
        case LogField::message:
            return &error->message;
        case LogField::detail:
            return &error->detail;
        case LogField::detail_log:
            return &error->detail_log;
        case LogField::hint:
            return &error->hint;
        case LogField::context:
            return &error->context;
        case LogField::internal_query:
            return &error->internalquery;
    }
    return nullptr;
}

// The field's text becomes `text`, copied into ErrorContext (errfinish frees
// the fields). Without memory the field is emptied in place.
void replace_field(char **field, std::string_view text) {
    char *copy = nullptr;
    if (AllocSizeIsValid(text.size() + 1))
        copy = static_cast<char *>(
            MemoryContextAllocExtended(ErrorContext, text.size() + 1, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr) {
        (*field)[0] = '\0';
        return;
    }
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    pfree(*field);
    *field = copy;
}

void redact(ErrorData *error) {
    ErrorContextMemory memory;
    std::pmr::vector<SecretPiece> known_secrets(&memory);
    collect_known_secrets(known_secrets);
    LogRecord record;
    for (std::size_t i = 0; i < kLogFieldCount; ++i) {
        const char *text = *field_of(error, static_cast<LogField>(i));
        if (text != nullptr) record.fields[i] = std::string_view(text);
    }
    if (debug_query_string != nullptr) record.statement = std::string_view(debug_query_string);
    LogRedactionContext context;
    context.standard_conforming_strings = standard_conforming_strings;
    context.is_keyword = is_sql_keyword;
    context.known_secrets = &known_secrets;
    LogRecordRedaction redaction = redact_log_record(record, context, &memory);
    for (std::size_t i = 0; i < kLogFieldCount; ++i)
        if (redaction.fields[i])
            replace_field(field_of(error, static_cast<LogField>(i)), *redaction.fields[i]);
    if (redaction.hide_statement) error->hide_stmt = true;
}

// Losing the message beats leaking the secret.
void drop_fields(ErrorData *error) {
    for (std::size_t i = 0; i < kLogFieldCount; ++i) {
        char **field = field_of(error, static_cast<LogField>(i));
        if (*field != nullptr) (*field)[0] = '\0';
    }
    error->hide_stmt = true;
}

void redact_secrets(ErrorData *error) {
    bool redacted = false;
    try {
        redact(error);
        redacted = true;
    } catch (...) {
    }
    if (!redacted) drop_fields(error);
    if (previous_emit_log_hook) previous_emit_log_hook(error);
}

}  // namespace

void remember_secret_value(const char *setting, const char *value) {
    if (value == nullptr || std::strlen(value) < kShortestSecretValue) return;
    std::size_t setting_index = 0;
    while (setting_index < std::size(kSecretSettings) &&
           kSecretSettings[setting_index] != std::string_view(setting))
        ++setting_index;
    if (setting_index == std::size(kSecretSettings)) return;
    for (const RememberedSecret &secret : remembered)
        if (secret.value != nullptr && secret.setting == setting_index &&
            std::strcmp(secret.value, value) == 0)
            return;
    char *copy = strdup(value);
    if (copy == nullptr) return;
    RememberedSecret &slot = remembered[next_remembered];
    if (slot.value != nullptr) {
        explicit_bzero(slot.value, std::strlen(slot.value));
        free(slot.value);
    }
    slot = RememberedSecret{setting_index, copy};
    next_remembered = (next_remembered + 1) % kRememberedSecrets;
}

void remember_endpoint_secrets(const char *url, const char *api_key, const char *signing_secret) {
    remember_secret_value("booking_events.webhook_url", url);
    remember_secret_value("booking_events.api_key", api_key);
    remember_secret_value("booking_events.signing_secret", signing_secret);
}

void install_log_redaction() {
    previous_emit_log_hook = emit_log_hook;
    emit_log_hook = redact_secrets;
}

}  // namespace booking_events
