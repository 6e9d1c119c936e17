#include "pg/boundary.hpp"

#include <new>

namespace booking_events {

ErrorData *capture_current_error(MemoryContext caller_context) {
    MemoryContextSwitchTo(caller_context);
    ErrorData *data = CopyErrorData();
    FlushErrorState();
    return data;
}

namespace {

void copy_text(char *target, std::size_t size, const char *text) { strlcpy(target, text, size); }

}  // namespace

void remember_exception(PendingError &pending, const std::exception_ptr &exception) {
    pending.raised = true;
    pending.message[0] = pending.detail[0] = pending.hint[0] = '\0';
    pending.sqlstate = ERRCODE_INTERNAL_ERROR;
    try {
        std::rethrow_exception(exception);
    } catch (const PgError &error) {
        pending.pg_error = error.data();
    } catch (const SqlError &error) {
        pending.sqlstate = error.sqlstate();
        copy_text(pending.message, sizeof pending.message, error.what());
        copy_text(pending.detail, sizeof pending.detail, error.detail().c_str());
        copy_text(pending.hint, sizeof pending.hint, error.hint().c_str());
    } catch (const std::bad_alloc &) {
        pending.sqlstate = ERRCODE_OUT_OF_MEMORY;
        copy_text(pending.message, sizeof pending.message, "out of memory in booking_events");
    } catch (const std::exception &error) {
        snprintf(pending.message, sizeof pending.message, "booking_events internal error: %s",
                 error.what());
    } catch (...) {
        copy_text(pending.message, sizeof pending.message,
                  "booking_events internal error: unknown exception");
    }
}

void raise_pending_error(const PendingError &error) {
    if (error.pg_error != nullptr) ReThrowError(error.pg_error);
    ereport(ERROR, (errcode(error.sqlstate), errmsg_internal("%s", error.message),
                    error.detail[0] ? errdetail_internal("%s", error.detail) : 0,
                    error.hint[0] ? errhint("%s", error.hint) : 0));
    pg_unreachable();
}

}  // namespace booking_events
