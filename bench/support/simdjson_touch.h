#pragma once
// The parse ceiling that the replay path is measured against: simdjson On-Demand alone, one
// pass over a mention's fields that reads ten of them (id, platform, text, lang, the raw
// created_at token, author.id, author.followers, engagement.likes/shares/comments) and skips
// the rest. Shared by parse_bench (its own 10,000-record corpus) and replay_bench (the
// replay path's 120,000 generated mentions), so both ceilings do the same work per record.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pulso::bench {

struct touch_result {
    std::size_t touched = 0; ///< fields read (10 when all are present)
    std::uint64_t likes = 0; ///< engagement.likes, for validating the pass
    std::uint64_t sum = 0;   ///< string sizes and numbers, so that nothing is optimised away
};

/// `line` must be followed by SIMDJSON_PADDING readable bytes. false on any simdjson error.
inline bool simdjson_touch(simdjson::ondemand::parser& parser, std::string_view line,
                           touch_result& out) {
    namespace od = simdjson::ondemand;
    out = touch_result{};
    od::document doc;
    od::object root;
    if (parser.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING)
            .get(doc) ||
        doc.get_object().get(root)) {
        return false;
    }
    for (auto fr : root) {
        od::field field;
        if (std::move(fr).get(field)) {
            return false;
        }
        const od::raw_json_string key = field.key();
        std::string_view s;
        if (key == "id" || key == "platform" || key == "text" || key == "lang") {
            if (field.value().get_string().get(s)) {
                return false;
            }
            out.sum += s.size();
            ++out.touched;
        } else if (key == "created_at") {
            ++out.touched; // a string or an integer: its raw token is enough for the ceiling
            out.sum += field.value().raw_json_token().size();
        } else if (key == "author" || key == "engagement") {
            od::object o;
            if (field.value().get_object().get(o)) {
                return false;
            }
            for (auto ir : o) {
                od::field inner;
                if (std::move(ir).get(inner)) {
                    return false;
                }
                const od::raw_json_string ik = inner.key();
                std::uint64_t u = 0;
                if (ik == "id") {
                    if (inner.value().get_string().get(s)) {
                        return false;
                    }
                    out.sum += s.size();
                    ++out.touched;
                } else if (ik == "followers" || ik == "likes" || ik == "shares" ||
                           ik == "comments") {
                    if (inner.value().get_uint64().get(u)) {
                        return false;
                    }
                    if (ik == "likes") {
                        out.likes = u;
                    }
                    out.sum += u;
                    ++out.touched;
                }
            }
        }
    }
    return true;
}

} // namespace pulso::bench
