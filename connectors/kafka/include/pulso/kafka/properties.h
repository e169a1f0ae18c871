#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pulso::kafka {

/// librdkafka properties handed to the client verbatim (`kafka:` keys of the config, CONTRACT §2),
/// applied in order after the module's defaults, so a later entry wins.
using kafka_properties = std::vector<std::pair<std::string, std::string>>;

} // namespace pulso::kafka
