#include "pulso/pipeline/dead_letter.h"

#include "pulso/core/json_writer.h"

namespace pulso {

void write_dead_letter(std::string& out, const parse_status& st, const record_origin& origin,
                       std::string_view payload) {
    json_writer w(out);
    w.begin_object();
    w.key("reason").value(to_string(st.reason));
    w.key("field");
    if (st.field.empty()) {
        w.null();
    } else {
        w.value(st.field);
    }
    w.key("source").value(origin.source);
    w.key("topic").value(origin.topic);
    w.key("partition").value(static_cast<std::int64_t>(origin.partition));
    w.key("offset").value(origin.offset);
    w.key("payload").value(utf8_prefix(payload, k_dead_letter_payload_bytes));
    w.end_object();
}

} // namespace pulso
