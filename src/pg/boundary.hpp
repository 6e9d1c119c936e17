// The one place where C++ and PostgreSQL error handling meet.
//
// PostgreSQL reports errors with ereport(), which longjmps; C++ reports them
// with exceptions, which unwind. Neither may cross into the other's frames:
// a longjmp over a live C++ object skips its destructor, and an exception
// thrown through PostgreSQL frames is undefined. So:
//
//  * pg_call(fn) runs PostgreSQL code from C++. An ereport(ERROR) inside is
//    caught at once and turned into a PgError exception carrying the
//    ErrorData. `fn` must keep no object with a destructor of its own: the
//    longjmp lands in pg_call before any C++ unwinding starts.
//  * sql_boundary(fn) wraps every SQL-callable function. It runs the C++ body
//    inside try, lets every destructor run, and only after the catch block
//    has ended raises the error in PostgreSQL's way.
//  * BOOKING_EVENTS_SQL_FUNCTION(name, impl) is the only way to define an
//    SQL-callable function (PG_FUNCTION_INFO_V1 is disabled in
//    postgres_headers.hpp), so none can skip sql_boundary.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "pg/postgres_headers.hpp"

namespace booking_events {

// An ereport(ERROR) captured by pg_call, to be re-raised at the boundary.
class PgError : public std::exception {
  public:
    explicit PgError(ErrorData *data) : data_(data) {}
    const char *what() const noexcept override { return data_->message ? data_->message : "error"; }
    ErrorData *data() const { return data_; }

  private:
    ErrorData *data_;  // palloc'd in the memory context current at the pg_call
};

// A clear user-facing error raised from C++ code with its SQLSTATE.
class SqlError : public std::exception {
  public:
    SqlError(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : sqlstate_(sqlstate),
          message_(std::move(message)),
          detail_(std::move(detail)),
          hint_(std::move(hint)) {}
    const char *what() const noexcept override { return message_.c_str(); }
    int sqlstate() const { return sqlstate_; }
    const std::string &detail() const { return detail_; }
    const std::string &hint() const { return hint_; }

  private:
    int sqlstate_;
    std::string message_, detail_, hint_;
};

// Copies the current error out of ErrorContext and clears the error state;
// implemented in boundary.cpp so the macros stay out of templates.
ErrorData *capture_current_error(MemoryContext caller_context);

// Runs fn() with PostgreSQL's error handling in place. A C++ exception from
// fn() (bad_alloc while filling a vector) is carried past PG_END_TRY too, so
// that PG_exception_stack is always restored before anything unwinds.
template <typename Fn>
void pg_call(Fn &&fn) {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile captured = nullptr;
    std::exception_ptr cpp_exception;
    PG_TRY();
    {
        try {
            fn();
        } catch (...) {
            cpp_exception = std::current_exception();
        }
    }
    PG_CATCH();
    { captured = capture_current_error(caller_context); }
    PG_END_TRY();
    if (captured != nullptr) throw PgError(captured);
    if (cpp_exception) std::rethrow_exception(cpp_exception);
}

// The error an SQL-callable body ended with, copied into fixed buffers while
// the exception is handled, so that raising it later allocates nothing and
// no C++ object is alive when PostgreSQL longjmps.
struct PendingError {
    ErrorData *pg_error = nullptr;  // re-thrown as is
    int sqlstate = 0;
    bool raised = false;
    char message[2048];
    char detail[2048];
    char hint[512];
};

[[noreturn]] void raise_pending_error(const PendingError &error);
void remember_exception(PendingError &pending, const std::exception_ptr &exception);

template <typename Fn>
Datum sql_boundary(Fn &&fn) {
    PendingError pending;
    Datum result = (Datum)0;
    try {
        result = fn();
    } catch (...) {
        remember_exception(pending, std::current_exception());
    }
    if (pending.raised) raise_pending_error(pending);
    return result;
}

}  // namespace booking_events

// Defines the SQL-callable C function `name` (the symbol CREATE FUNCTION ...
// AS 'MODULE_PATHNAME', 'name' finds) whose body is `impl`, a C++ function
// Datum impl(FunctionCallInfo) run inside sql_boundary. The info function is
// the version-1 calling convention record that PG_FUNCTION_INFO_V1 declares
// (fmgr.h); use at global scope.
#define BOOKING_EVENTS_SQL_FUNCTION(name, impl)                              \
    extern "C" {                                                             \
    PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                \
    PGDLLEXPORT const Pg_finfo_record *pg_finfo_##name(void);                \
    const Pg_finfo_record *pg_finfo_##name(void) {                           \
        static const Pg_finfo_record version_1 = {1};                        \
        return &version_1;                                                   \
    }                                                                        \
    Datum name(PG_FUNCTION_ARGS) {                                           \
        return ::booking_events::sql_boundary([&] { return impl(fcinfo); }); \
    }                                                                        \
    }
