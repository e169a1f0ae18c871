#include "pulso/window/space_saving.h"

namespace pulso {

template class space_saving<std::string>;
template class space_saving<std::uint64_t>;

} // namespace pulso
