#include "pulso/text/tokens.h"
#include "term_key.h"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace pulso {

namespace {

using namespace std::string_view_literals;

// Normalised forms (CONTRACT §3: lower case, accents removed) made of [a-z] only: a term is a
// run of word characters, so apostrophe forms appear split ("don't" → "don", "t").

constexpr std::array k_english = {
    "a"sv,        "about"sv,      "above"sv,   "after"sv,     "again"sv,      "against"sv,
    "all"sv,      "also"sv,       "am"sv,      "an"sv,        "and"sv,        "any"sv,
    "are"sv,      "aren"sv,       "as"sv,      "at"sv,        "be"sv,         "because"sv,
    "been"sv,     "before"sv,     "being"sv,   "below"sv,     "between"sv,    "both"sv,
    "but"sv,      "by"sv,         "can"sv,     "cannot"sv,    "cant"sv,       "could"sv,
    "couldn"sv,   "did"sv,        "didn"sv,    "do"sv,        "does"sv,       "doesn"sv,
    "doing"sv,    "don"sv,        "dont"sv,    "down"sv,      "during"sv,     "each"sv,
    "either"sv,   "else"sv,       "even"sv,    "ever"sv,      "every"sv,      "few"sv,
    "for"sv,      "from"sv,       "further"sv, "get"sv,       "gets"sv,       "getting"sv,
    "got"sv,      "gonna"sv,      "had"sv,     "hadn"sv,      "has"sv,        "hasn"sv,
    "have"sv,     "haven"sv,      "having"sv,  "he"sv,        "her"sv,        "here"sv,
    "hers"sv,     "herself"sv,    "him"sv,     "himself"sv,   "his"sv,        "how"sv,
    "however"sv,  "i"sv,          "if"sv,      "im"sv,        "in"sv,         "into"sv,
    "is"sv,       "isn"sv,        "it"sv,      "its"sv,       "itself"sv,     "ive"sv,
    "just"sv,     "let"sv,        "lets"sv,    "ll"sv,        "lol"sv,        "may"sv,
    "me"sv,       "might"sv,      "more"sv,    "most"sv,      "much"sv,       "must"sv,
    "mustn"sv,    "my"sv,         "myself"sv,  "no"sv,        "nor"sv,        "not"sv,
    "now"sv,      "of"sv,         "off"sv,     "oh"sv,        "ok"sv,         "okay"sv,
    "on"sv,       "once"sv,       "one"sv,     "only"sv,      "or"sv,         "other"sv,
    "others"sv,   "our"sv,        "ours"sv,    "ourselves"sv, "out"sv,        "over"sv,
    "own"sv,      "per"sv,        "re"sv,      "really"sv,    "same"sv,       "shall"sv,
    "shan"sv,     "she"sv,        "should"sv,  "shouldn"sv,   "since"sv,      "so"sv,
    "some"sv,     "still"sv,      "such"sv,    "than"sv,      "that"sv,       "thats"sv,
    "the"sv,      "their"sv,      "theirs"sv,  "them"sv,      "themselves"sv, "then"sv,
    "there"sv,    "these"sv,      "they"sv,    "this"sv,      "those"sv,      "though"sv,
    "through"sv,  "thus"sv,       "to"sv,      "too"sv,       "under"sv,      "until"sv,
    "up"sv,       "upon"sv,       "us"sv,      "ve"sv,        "very"sv,       "was"sv,
    "wasn"sv,     "we"sv,         "were"sv,    "weren"sv,     "what"sv,       "whats"sv,
    "when"sv,     "where"sv,      "whether"sv, "which"sv,     "while"sv,      "who"sv,
    "whom"sv,     "whose"sv,      "why"sv,     "will"sv,      "with"sv,       "within"sv,
    "without"sv,  "won"sv,        "wont"sv,    "would"sv,     "wouldn"sv,     "yeah"sv,
    "yes"sv,      "yet"sv,        "you"sv,     "youre"sv,     "your"sv,       "yours"sv,
    "yourself"sv, "yourselves"sv, "u"sv,       "ur"sv,        "s"sv,          "t"sv,
    "d"sv,        "m"sv,          "y"sv,       "o"sv,         "wanna"sv,      "ya"sv,
};

constexpr std::array k_spanish = {
    "a"sv,         "aca"sv,      "acaso"sv,    "ademas"sv,   "ahi"sv,      "ahora"sv,
    "al"sv,        "algo"sv,     "alguien"sv,  "algun"sv,    "alguna"sv,   "algunas"sv,
    "alguno"sv,    "algunos"sv,  "alla"sv,     "alli"sv,     "ante"sv,     "antes"sv,
    "aquel"sv,     "aquella"sv,  "aquellas"sv, "aquello"sv,  "aquellos"sv, "aqui"sv,
    "asi"sv,       "aun"sv,      "aunque"sv,   "bajo"sv,     "bien"sv,     "cada"sv,
    "casi"sv,      "como"sv,     "con"sv,      "contra"sv,   "cual"sv,     "cuales"sv,
    "cualquier"sv, "cuando"sv,   "cuanto"sv,   "cuya"sv,     "cuyo"sv,     "de"sv,
    "del"sv,       "desde"sv,    "donde"sv,    "dos"sv,      "durante"sv,  "e"sv,
    "el"sv,        "ella"sv,     "ellas"sv,    "ello"sv,     "ellos"sv,    "en"sv,
    "entonces"sv,  "entre"sv,    "era"sv,      "eramos"sv,   "eran"sv,     "eres"sv,
    "es"sv,        "esa"sv,      "esas"sv,     "ese"sv,      "eso"sv,      "esos"sv,
    "esta"sv,      "estaba"sv,   "estaban"sv,  "estado"sv,   "estamos"sv,  "estan"sv,
    "estar"sv,     "estas"sv,    "este"sv,     "esto"sv,     "estos"sv,    "estoy"sv,
    "estuvo"sv,    "fue"sv,      "fueron"sv,   "fui"sv,      "ha"sv,       "haber"sv,
    "habia"sv,     "habian"sv,   "hace"sv,     "hacer"sv,    "hacia"sv,    "han"sv,
    "has"sv,       "hasta"sv,    "hay"sv,      "he"sv,       "hemos"sv,    "hizo"sv,
    "hoy"sv,       "jaja"sv,     "jajaja"sv,   "jajajaja"sv, "la"sv,       "las"sv,
    "le"sv,        "les"sv,      "lo"sv,       "los"sv,      "luego"sv,    "mas"sv,
    "me"sv,        "mediante"sv, "menos"sv,    "mi"sv,       "mia"sv,      "mias"sv,
    "mientras"sv,  "mio"sv,      "mios"sv,     "mis"sv,      "mismo"sv,    "misma"sv,
    "mucho"sv,     "mucha"sv,    "muchos"sv,   "muchas"sv,   "muy"sv,      "nada"sv,
    "nadie"sv,     "ni"sv,       "no"sv,       "nos"sv,      "nosotros"sv, "nosotras"sv,
    "nuestra"sv,   "nuestras"sv, "nuestro"sv,  "nuestros"sv, "nunca"sv,    "o"sv,
    "os"sv,        "otra"sv,     "otras"sv,    "otro"sv,     "otros"sv,    "para"sv,
    "pero"sv,      "poco"sv,     "por"sv,      "porque"sv,   "pq"sv,       "pues"sv,
    "puede"sv,     "pueden"sv,   "q"sv,        "que"sv,      "quien"sv,    "quienes"sv,
    "se"sv,        "sea"sv,      "segun"sv,    "ser"sv,      "sera"sv,     "seria"sv,
    "si"sv,        "sido"sv,     "siempre"sv,  "sin"sv,      "sino"sv,     "sobre"sv,
    "solo"sv,      "son"sv,      "soy"sv,      "su"sv,       "sus"sv,      "suya"sv,
    "suyo"sv,      "tal"sv,      "tambien"sv,  "tampoco"sv,  "tan"sv,      "tanto"sv,
    "te"sv,        "tenemos"sv,  "tener"sv,    "tengo"sv,    "tenia"sv,    "ti"sv,
    "tiene"sv,     "tienen"sv,   "toda"sv,     "todas"sv,    "todo"sv,     "todos"sv,
    "tras"sv,      "tu"sv,       "tus"sv,      "tuya"sv,     "tuyo"sv,     "u"sv,
    "un"sv,        "una"sv,      "unas"sv,     "uno"sv,      "unos"sv,     "usted"sv,
    "ustedes"sv,   "va"sv,       "vamos"sv,    "van"sv,      "vez"sv,      "vos"sv,
    "vosotros"sv,  "voy"sv,      "xq"sv,       "xd"sv,       "y"sv,        "ya"sv,
    "yo"sv,        "dice"sv,     "dijo"sv,     "cosa"sv,     "cosas"sv,    "tmb"sv,
};

constexpr std::array k_portuguese = {
    "a"sv,        "agora"sv,   "ai"sv,      "ainda"sv,   "ali"sv,      "ao"sv,      "aos"sv,
    "apenas"sv,   "apos"sv,    "aquela"sv,  "aquelas"sv, "aquele"sv,   "aqueles"sv, "aqui"sv,
    "aquilo"sv,   "as"sv,      "assim"sv,   "ate"sv,     "bem"sv,      "cada"sv,    "coisa"sv,
    "com"sv,      "comigo"sv,  "como"sv,    "contigo"sv, "contra"sv,   "da"sv,      "daquela"sv,
    "daquele"sv,  "das"sv,     "de"sv,      "dela"sv,    "delas"sv,    "dele"sv,    "deles"sv,
    "depois"sv,   "desde"sv,   "dessa"sv,   "desse"sv,   "desta"sv,    "deste"sv,   "disso"sv,
    "disto"sv,    "do"sv,      "dos"sv,     "durante"sv, "e"sv,        "ela"sv,     "elas"sv,
    "ele"sv,      "eles"sv,    "em"sv,      "embora"sv,  "enquanto"sv, "entao"sv,   "entre"sv,
    "era"sv,      "eram"sv,    "essa"sv,    "essas"sv,   "esse"sv,     "esses"sv,   "esta"sv,
    "estao"sv,    "estas"sv,   "estava"sv,  "estavam"sv, "este"sv,     "esteja"sv,  "estes"sv,
    "esteve"sv,   "estive"sv,  "estou"sv,   "eu"sv,      "faz"sv,      "fazer"sv,   "fez"sv,
    "foi"sv,      "fomos"sv,   "for"sv,     "foram"sv,   "fosse"sv,    "fossem"sv,  "fui"sv,
    "ha"sv,       "haja"sv,    "hao"sv,     "havia"sv,   "isso"sv,     "isto"sv,    "ja"sv,
    "kkk"sv,      "kkkk"sv,    "kkkkk"sv,   "la"sv,      "lhe"sv,      "lhes"sv,    "mais"sv,
    "mas"sv,      "me"sv,      "mesma"sv,   "mesmo"sv,   "meu"sv,      "meus"sv,    "mim"sv,
    "minha"sv,    "minhas"sv,  "muita"sv,   "muitas"sv,  "muito"sv,    "muitos"sv,  "na"sv,
    "nao"sv,      "naquela"sv, "naquele"sv, "nas"sv,     "ne"sv,       "nem"sv,     "nessa"sv,
    "nesse"sv,    "nesta"sv,   "neste"sv,   "nisso"sv,   "nisto"sv,    "no"sv,      "nos"sv,
    "nossa"sv,    "nossas"sv,  "nosso"sv,   "nossos"sv,  "num"sv,      "numa"sv,    "o"sv,
    "onde"sv,     "os"sv,      "ou"sv,      "outra"sv,   "outras"sv,   "outro"sv,   "outros"sv,
    "para"sv,     "pela"sv,    "pelas"sv,   "pelo"sv,    "pelos"sv,    "perante"sv, "pode"sv,
    "podem"sv,    "pois"sv,    "por"sv,     "porque"sv,  "pra"sv,      "pro"sv,     "qual"sv,
    "qualquer"sv, "quando"sv,  "que"sv,     "quem"sv,    "rs"sv,       "rsrs"sv,    "sao"sv,
    "se"sv,       "seja"sv,    "sejam"sv,   "sem"sv,     "sendo"sv,    "ser"sv,     "sera"sv,
    "seria"sv,    "seu"sv,     "seus"sv,    "sido"sv,    "so"sv,       "sob"sv,     "sobre"sv,
    "sua"sv,      "suas"sv,    "ta"sv,      "tambem"sv,  "tao"sv,      "tava"sv,    "tbm"sv,
    "te"sv,       "tem"sv,     "temos"sv,   "tenho"sv,   "ter"sv,      "teria"sv,   "teu"sv,
    "teus"sv,     "tinha"sv,   "tinham"sv,  "to"sv,      "toda"sv,     "todas"sv,   "todo"sv,
    "todos"sv,    "tu"sv,      "tua"sv,     "tuas"sv,    "tudo"sv,     "um"sv,      "uma"sv,
    "umas"sv,     "uns"sv,     "vai"sv,     "vao"sv,     "vc"sv,       "vcs"sv,     "voce"sv,
    "voces"sv,    "vos"sv,     "vou"sv,     "sim"sv,     "dessas"sv,   "desses"sv,
};

// Very common social-media noise.
constexpr std::array k_social = {
    "rt"sv, "via"sv, "amp"sv,  "https"sv, "http"sv, "www"sv, "html"sv,
    "gt"sv, "lt"sv,  "quot"sv, "cc"sv,    "dm"sv,   "pls"sv, "plz"sv,
};

template <std::size_t N>
consteval std::size_t distinct_count(const std::array<std::string_view, N>& a) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) {
            seen = seen || a[j] == a[i];
        }
        n += seen ? 0 : 1;
    }
    return n;
}

static_assert(distinct_count(k_english) >= 150, "en stopword list too short");
static_assert(distinct_count(k_spanish) >= 150, "es stopword list too short");
static_assert(distinct_count(k_portuguese) >= 150, "pt stopword list too short");

using text_detail::k_stopword_max_len;
using text_detail::k_stopword_slots;
using text_detail::pack;
using text_detail::packed_hash;
using text_detail::packed_key;

constexpr std::array<std::span<const std::string_view>, 4> k_lists = {
    std::span<const std::string_view>(k_english), std::span<const std::string_view>(k_spanish),
    std::span<const std::string_view>(k_portuguese), std::span<const std::string_view>(k_social)};

consteval bool all_normalised() {
    for (std::span<const std::string_view> list : k_lists) {
        for (std::string_view w : list) {
            if (w.empty() || w.size() > k_stopword_max_len) {
                return false;
            }
            for (char c : w) {
                if (c < 'a' || c > 'z') {
                    return false;
                }
            }
        }
    }
    return true;
}

static_assert(all_normalised(), "stopwords must be 1..k_stopword_max_len bytes of [a-z]");

consteval std::array<packed_key, k_stopword_slots> build_table() {
    std::array<packed_key, k_stopword_slots> t{};
    std::size_t used = 0;
    for (std::span<const std::string_view> list : k_lists) {
        for (std::string_view w : list) {
            const packed_key k = pack(w);
            for (std::size_t i = text_detail::stopword_slot(packed_hash(k));;
                 i = (i + 1) & (k_stopword_slots - 1)) {
                if (t[i] == k) {
                    break;
                }
                if (t[i].lo == 0) {
                    t[i] = k;
                    ++used;
                    break;
                }
            }
        }
    }
    // Keep misses short: at most ~3/8 of the slots used.
    if (used * 8 > k_stopword_slots * 3) {
        throw "stopword table too full: raise k_stopword_slots";
    }
    return t;
}

using filter_array =
    std::array<std::uint64_t, (std::size_t{1} << text_detail::k_stopword_filter_bits) / 64>;

consteval filter_array build_filter() {
    filter_array f{};
    for (std::span<const std::string_view> list : k_lists) {
        for (std::string_view w : list) {
            const std::size_t b = text_detail::stopword_filter_bit(packed_hash(pack(w)));
            f[b >> 6] |= std::uint64_t{1} << (b & 63);
        }
    }
    return f;
}

} // namespace

constexpr std::array<packed_key, k_stopword_slots> text_detail::k_stopword_table = build_table();
constexpr filter_array text_detail::k_stopword_filter = build_filter();

std::span<const std::span<const std::string_view>> text_detail::stopword_lists() noexcept {
    return k_lists;
}

bool is_stopword(std::string_view term) noexcept {
    if (term.empty() || term.size() > k_stopword_max_len) {
        return false;
    }
    for (char c : term) {
        if (c == '\0') {
            return false; // would pack like the shorter word before it
        }
    }
    const packed_key k = pack(term);
    return text_detail::is_stopword_packed(k, packed_hash(k));
}

} // namespace pulso
