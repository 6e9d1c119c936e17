// trigger_booking_event_webhook(): the row trigger of the contract.
#include "pg/boundary.hpp"
#include "pg/event_capture.hpp"

namespace booking_events {

namespace {

Datum fire_trigger(FunctionCallInfo fcinfo) {
    RowChangeSource source;
    Datum result = (Datum)0;
    bool usage_error = false;
    pg_call([&] {
        if (!CALLED_AS_TRIGGER(fcinfo) ||
            !TRIGGER_FIRED_FOR_ROW(((TriggerData *)fcinfo->context)->tg_event) ||
            !TRIGGER_FIRED_AFTER(((TriggerData *)fcinfo->context)->tg_event)) {
            usage_error = true;
            return;
        }
        auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
        source.relation = data->tg_relation;
        if (TRIGGER_FIRED_BY_INSERT(data->tg_event)) {
            source.operation = RowOperation::Insert;
            source.new_tuple = data->tg_trigtuple;
        } else if (TRIGGER_FIRED_BY_UPDATE(data->tg_event)) {
            source.operation = RowOperation::Update;
            source.new_tuple = data->tg_newtuple;
            source.old_tuple = data->tg_trigtuple;
        } else if (TRIGGER_FIRED_BY_DELETE(data->tg_event)) {
            source.operation = RowOperation::Delete;
            source.new_tuple = data->tg_trigtuple;
            source.old_tuple = data->tg_trigtuple;
        } else {
            usage_error = true;
            return;
        }
        result = PointerGetDatum(source.new_tuple);
    });
    if (usage_error)
        throw SqlError(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                       "trigger_booking_event_webhook() must be an AFTER ... FOR EACH ROW trigger "
                       "on INSERT, UPDATE or DELETE");
    capture_row_event(source);
    return result;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(trigger_booking_event_webhook, booking_events::fire_trigger)
