#include "pg/sql_values.hpp"

#include "pg/boundary.hpp"

namespace booking_events {

Datum text_array_datum(const std::vector<std::string> &items) {
    Datum result = (Datum)0;
    pg_call([&] {
        auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (items.size() + 1)));
        for (std::size_t i = 0; i < items.size(); ++i)
            datums[i] = CStringGetTextDatum(items[i].c_str());
        result = PointerGetDatum(construct_array(datums, static_cast<int>(items.size()), TEXTOID,
                                                 -1, false, TYPALIGN_INT));
    });
    return result;
}

std::string text_argument(FunctionCallInfo fcinfo, int index) {
    std::string value;
    pg_call([&] { value = TextDatumGetCString(PG_GETARG_DATUM(index)); });
    return value;
}

}  // namespace booking_events
