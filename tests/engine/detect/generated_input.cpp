#include "generated_input.h"

#include "pulso/generator/generator.h"

namespace pulso::test {

generated_input generate_scenario(std::string_view scenario, std::uint64_t seed, double rate,
                                  millis duration, bool with_sentiment) {
    generator_options o;
    o.scenario = std::string(scenario);
    o.seed = seed;
    o.rate = rate;
    o.duration = duration;
    o.with_sentiment = with_sentiment;
    mention_generator g(o);
    generated_input out;
    out.brands_yaml = std::string(default_brands_yaml());
    std::string line;
    millis t = 0;
    while (g.next(line, t)) {
        out.lines.push_back(line);
        line.clear();
    }
    return out;
}

} // namespace pulso::test
