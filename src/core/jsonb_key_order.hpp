// A payload's object members put in the order jsonb stores an object's keys
// (a shorter key first, keys of one length bytewise), before the tokens are
// pushed: pushJsonbValue sorts each object's keys when it closes, and
// PostgreSQL's qsort only checks input that is already in order. The value
// built is the same either way (jsonb orders the keys itself); only the sort's
// work changes. The order of each object's keys is computed once per set of
// keys (a table's columns, the event's fixed sections) and kept, and the
// whole sequence's order once per shape: the rows of one table give the same
// objects and keys row after row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_tokens.hpp"

namespace booking_events {

// Whether key `a` comes before key `b` in a jsonb object (bytes compared as
// unsigned, as memcmp does).
bool jsonb_key_before(const char *a, std::size_t a_length, const char *b, std::size_t b_length);

class JsonbMemberOrder {
  public:
    // The indices of `tokens` (balanced objects and arrays) in the order to
    // push them: every object's members in jsonb's key order, members with
    // equal keys in their order in `tokens`, everything else as it was.
    // Valid until the next call; an unbalanced sequence keeps its order.
    const std::vector<std::uint32_t> &in_jsonb_order(const std::vector<JsonToken> &tokens);

    // How many key sets the order is kept for.
    std::size_t kept_orders() const { return orders_.size(); }

  private:
    struct KeptOrder {
        std::vector<std::string> keys;     // in the tokens' order
        std::vector<std::uint32_t> order;  // the member at each place in jsonb's order
    };

    bool same_shape(const std::vector<JsonToken> &tokens) const;
    void keep_shape(const std::vector<JsonToken> &tokens);
    std::size_t copy_value(const std::vector<JsonToken> &in, std::size_t at);
    std::size_t copy_object(const std::vector<JsonToken> &in, std::size_t at);
    const KeptOrder &order_for(const std::vector<JsonToken> &in, std::size_t first_member,
                               std::size_t count);

    std::vector<KeptOrder> orders_;
    // The last sequence's shape (each token's kind, scalars as Null) and its
    // keys, for which out_ holds the order.
    std::vector<JsonTokenKind> shape_;
    std::vector<std::string> shape_keys_;
    std::vector<std::uint32_t> out_;
    std::vector<std::size_t> ends_;     // the index of each Begin token's End
    std::vector<std::size_t> members_;  // key indices of the objects being copied
};

}  // namespace booking_events
