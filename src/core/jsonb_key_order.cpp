#include "core/jsonb_key_order.hpp"

#include <algorithm>
#include <cstring>

namespace booking_events {

namespace {

// Key sets kept at most; more (a json column whose keys change from row to
// row) start the cache over.
constexpr std::size_t kMaxKeptOrders = 64;

bool is_begin(JsonTokenKind kind) {
    return kind == JsonTokenKind::BeginObject || kind == JsonTokenKind::BeginArray;
}

bool is_end(JsonTokenKind kind) {
    return kind == JsonTokenKind::EndObject || kind == JsonTokenKind::EndArray;
}

// A token's place in a sequence's shape: the value of a scalar does not
// change the order.
JsonTokenKind shape_kind(JsonTokenKind kind) {
    return is_begin(kind) || is_end(kind) || kind == JsonTokenKind::Key ? kind
                                                                        : JsonTokenKind::Null;
}

bool same_key(const std::string &kept, const JsonToken &key) {
    return kept.size() == key.length && std::memcmp(kept.data(), key.text, key.length) == 0;
}

}  // namespace

bool jsonb_key_before(const char *a, std::size_t a_length, const char *b, std::size_t b_length) {
    if (a_length != b_length) return a_length < b_length;
    return a_length > 0 && std::memcmp(a, b, a_length) < 0;
}

const std::vector<std::uint32_t> &JsonbMemberOrder::in_jsonb_order(
    const std::vector<JsonToken> &tokens) {
    if (same_shape(tokens)) return out_;
    shape_.clear();
    shape_keys_.clear();
    out_.clear();
    ends_.resize(tokens.size());
    members_.clear();  // here: the open containers
    bool balanced = true;
    for (std::size_t i = 0; i < tokens.size() && balanced; ++i) {
        if (is_begin(tokens[i].kind)) {
            members_.push_back(i);
        } else if (is_end(tokens[i].kind)) {
            balanced = !members_.empty();
            if (!balanced) break;
            ends_[members_.back()] = i;
            members_.pop_back();
        }
    }
    if (!balanced || !members_.empty()) {
        for (std::size_t i = 0; i < tokens.size(); ++i)
            out_.push_back(static_cast<std::uint32_t>(i));
        return out_;
    }
    out_.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size();) i = copy_value(tokens, i);
    keep_shape(tokens);
    return out_;
}

bool JsonbMemberOrder::same_shape(const std::vector<JsonToken> &tokens) const {
    if (tokens.size() != shape_.size() || tokens.empty()) return false;
    std::size_t key = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const JsonTokenKind kind = shape_kind(tokens[i].kind);
        if (kind != shape_[i]) return false;
        if (kind != JsonTokenKind::Key) continue;
        // (A shape left half-kept by an exception has fewer keys.)
        if (key == shape_keys_.size() || !same_key(shape_keys_[key++], tokens[i])) return false;
    }
    return true;
}

void JsonbMemberOrder::keep_shape(const std::vector<JsonToken> &tokens) {
    for (const JsonToken &token : tokens) {
        shape_.push_back(shape_kind(token.kind));
        if (token.kind == JsonTokenKind::Key) shape_keys_.emplace_back(token.text, token.length);
    }
}

// Copies the value at `at` (with its members, ordered); returns the index after it.
std::size_t JsonbMemberOrder::copy_value(const std::vector<JsonToken> &in, std::size_t at) {
    if (in[at].kind == JsonTokenKind::BeginObject) return copy_object(in, at);
    out_.push_back(static_cast<std::uint32_t>(at));
    if (in[at].kind != JsonTokenKind::BeginArray) return at + 1;
    std::size_t i = at + 1;
    while (i < ends_[at]) i = copy_value(in, i);
    out_.push_back(static_cast<std::uint32_t>(ends_[at]));
    return ends_[at] + 1;
}

std::size_t JsonbMemberOrder::copy_object(const std::vector<JsonToken> &in, std::size_t at) {
    const std::size_t end = ends_[at];
    const std::size_t first = members_.size();
    for (std::size_t i = at + 1; i < end;) {
        members_.push_back(i);  // a key, then its value
        const std::size_t value = i + 1;
        i = value < end && is_begin(in[value].kind) ? ends_[value] + 1 : value + 1;
    }
    const std::size_t count = members_.size() - first;
    // The members' key indices in jsonb's order, after the ones in the
    // tokens' order (copying a member's value adds and removes its own).
    if (count > 1) {
        const KeptOrder &kept = order_for(in, first, count);
        for (std::uint32_t place : kept.order) members_.push_back(members_[first + place]);
    } else {
        members_.resize(first + 2 * count);
        if (count == 1) members_[first + 1] = members_[first];
    }
    out_.push_back(static_cast<std::uint32_t>(at));
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t key = members_[first + count + k];
        out_.push_back(static_cast<std::uint32_t>(key));
        if (key + 1 < end) copy_value(in, key + 1);
    }
    out_.push_back(static_cast<std::uint32_t>(end));
    members_.resize(first);
    return end + 1;
}

const JsonbMemberOrder::KeptOrder &JsonbMemberOrder::order_for(const std::vector<JsonToken> &in,
                                                               std::size_t first_member,
                                                               std::size_t count) {
    for (const KeptOrder &kept : orders_) {
        if (kept.keys.size() != count) continue;
        std::size_t k = 0;
        while (k < count && same_key(kept.keys[k], in[members_[first_member + k]])) ++k;
        if (k == count) return kept;
    }
    if (orders_.size() >= kMaxKeptOrders) orders_.clear();
    KeptOrder &kept = orders_.emplace_back();
    kept.keys.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
        const JsonToken &key = in[members_[first_member + k]];
        kept.keys.emplace_back(key.text, key.length);
        kept.order.push_back(static_cast<std::uint32_t>(k));
    }
    std::stable_sort(kept.order.begin(), kept.order.end(),
                     [&kept](std::uint32_t a, std::uint32_t b) {
                         const std::string &x = kept.keys[a];
                         const std::string &y = kept.keys[b];
                         return jsonb_key_before(x.data(), x.size(), y.data(), y.size());
                     });
    return kept;
}

}  // namespace booking_events
