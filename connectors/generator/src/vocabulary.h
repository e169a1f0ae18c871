#pragma once

// The generator's word lists and templates. Every string here is written into JSON verbatim
// (no escaping on the hot path), so none may hold `"`, `\` or a control character;
// mention_generator checks that once at construction.
//
// Template slots: {B} subject (a brand's display form, or a non-brand subject), {T} a topic
// of that brand, {+} / {-} a positive / negative phrase, {C} a city, {N} a small number,
// {E} an emoji of the mention's sentiment (or nothing), {F} a neutral filler sentence.
// Positive templates always carry {+}, negative ones {-}, neutral ones neither, so the text
// agrees with the hidden sentiment; neutral text avoids words that lexicons score.

#include <array>
#include <span>
#include <string_view>

namespace pulso::gen {

using sv = std::string_view;
using list = std::span<const sv>;

inline constexpr std::size_t k_lang_count = 3; // es, en, pt
inline constexpr std::array<sv, k_lang_count> k_lang_names = {"es", "en", "pt"};
/// Language mix of the text, per mille: es 45 %, en 35 %, pt 20 %.
inline constexpr std::array<unsigned, k_lang_count> k_lang_weights = {450, 350, 200};

// --- the `lang` field as written: weighted by repetition; "" = field absent -------------------
inline constexpr sv k_lang_es[] = {"es",    "es",     "es",    "es",    "es",
                                   "es",    "es-MX",  "es-MX", "es-MX", "es-AR",
                                   "es-CO", "es-419", "es-ES", "",      ""};
inline constexpr sv k_lang_en[] = {"en",    "en",    "en",    "en",    "en", "en-US", "en-US",
                                   "en-US", "en-US", "en-GB", "en-GB", "",   ""};
inline constexpr sv k_lang_pt[] = {"pt-BR", "pt-BR", "pt-BR", "pt-BR", "pt-BR", "pt-BR",
                                   "pt",    "pt",    "pt",    "pt-PT", "",      ""};
inline constexpr std::array<list, k_lang_count> k_lang_fields = {list(k_lang_es), list(k_lang_en),
                                                                 list(k_lang_pt)};

inline constexpr sv k_country_es[] = {"MX", "MX", "MX", "AR", "AR", "CO", "CO",
                                      "CL", "PE", "ES", "ES", "EC", "UY"};
inline constexpr sv k_country_en[] = {"US", "US", "US", "US", "GB", "GB", "CA", "AU"};
inline constexpr sv k_country_pt[] = {"BR", "BR", "BR", "BR", "BR", "PT"};
inline constexpr std::array<list, k_lang_count> k_countries = {
    list(k_country_es), list(k_country_en), list(k_country_pt)};

// --- platforms ----------------------------------------------------------------------------
struct weighted {
    sv text;
    unsigned weight;
};
/// Twitter-heavy, with a few names the contract does not keep (→ `other`) and one upper-case
/// spelling that the parser lower-cases. Weights in per mille.
inline constexpr weighted k_platforms[] = {
    {"twitter", 300}, {"x", 140},      {"instagram", 130}, {"facebook", 120}, {"tiktok", 90},
    {"youtube", 60},  {"reddit", 50},  {"news", 40},       {"blog", 15},      {"forum", 15},
    {"linkedin", 10}, {"Twitter", 10}, {"mastodon", 10},   {"threads", 6},    {"bluesky", 4},
};
inline constexpr unsigned k_platform_total = 1000;

// --- sentiment phrases (sentence-initial; each holds a marker word tests look for) ---------
inline constexpr sv k_pos_es[] = {"Me encanta",    "Excelente", "Genial",      "Increíble",
                                  "Lo recomiendo", "Buenísimo", "Maravilloso", "Qué feliz"};
inline constexpr sv k_pos_en[] = {"Love it", "Great",    "Amazing",  "Excellent",
                                  "Awesome", "So happy", "The best", "Fantastic"};
inline constexpr sv k_pos_pt[] = {"Adorei",   "Ótimo",     "Excelente", "Maravilhoso",
                                  "Incrível", "Recomendo", "Perfeito",  "Que feliz"};
inline constexpr sv k_neg_es[] = {"Pésimo",           "Horrible", "Terrible",      "Odio esto",
                                  "Muy decepcionado", "Malísimo", "Qué vergüenza", "Una estafa"};
inline constexpr sv k_neg_en[] = {"Terrible",    "Awful",           "The worst", "Horrible",
                                  "I hate this", "So disappointed", "Useless",   "So angry"};
inline constexpr sv k_neg_pt[] = {
    "Péssimo",      "Horrível", "Terrível", "Odeio isso", "Muito decepcionado",
    "Que vergonha", "Um lixo",  "Absurdo"};
inline constexpr std::array<list, k_lang_count> k_pos = {list(k_pos_es), list(k_pos_en),
                                                         list(k_pos_pt)};
inline constexpr std::array<list, k_lang_count> k_neg = {list(k_neg_es), list(k_neg_en),
                                                         list(k_neg_pt)};

// --- emoji per sentiment (positive, neutral, negative) ------------------------------------
inline constexpr sv k_emoji_pos[] = {"😍", "❤️", "👏", "🙌", "😊", "🔥", "✨", "💯"};
inline constexpr sv k_emoji_neu[] = {"🤔", "👀", "📦", "📱", "☕", "✈️", "📍"};
inline constexpr sv k_emoji_neg[] = {"😡", "😤", "👎", "😠", "🤬", "😒"};
inline constexpr std::array<list, 3> k_emoji = {list(k_emoji_pos), list(k_emoji_neu),
                                                list(k_emoji_neg)};

inline constexpr sv k_city_es[] = {"CDMX",   "Bogotá",   "Lima",  "Santiago",  "Montevideo",
                                   "Madrid", "Medellín", "Quito", "Monterrey", "Guadalajara"};
inline constexpr sv k_city_en[] = {"Miami", "NYC", "London", "Austin", "Toronto", "Chicago"};
inline constexpr sv k_city_pt[] = {"São Paulo", "Rio",    "Lisboa",
                                   "Curitiba",  "Recife", "Belo Horizonte"};
inline constexpr std::array<list, k_lang_count> k_cities = {list(k_city_es), list(k_city_en),
                                                            list(k_city_pt)};

inline constexpr sv k_filler_es[] = {"Les cuento después.",
                                     "Veremos mañana.",
                                     "Ya es jueves.",
                                     "Estoy en la fila ahora mismo.",
                                     "Mañana vuelvo a intentar.",
                                     "Lo comento en el grupo del trabajo."};
inline constexpr sv k_filler_en[] = {"Will update later.",     "We will see tomorrow.",
                                     "Thursday already.",      "Standing in line right now.",
                                     "Trying again tomorrow.", "Posting this for the group."};
inline constexpr sv k_filler_pt[] = {"Conto depois.",         "Vamos ver amanhã.",
                                     "Já é quinta.",          "Estou na fila agora.",
                                     "Amanhã tento de novo.", "Vou comentar no grupo do trabalho."};
inline constexpr std::array<list, k_lang_count> k_fillers = {list(k_filler_es), list(k_filler_en),
                                                             list(k_filler_pt)};

inline constexpr sv k_tags_es[] = {"#jueves", "#blackfriday", "#futbol", "#musica",
                                   "#clima",  "#noticias",    "#cdmx",   "#tbt"};
inline constexpr sv k_tags_en[] = {"#thanksgiving", "#blackfriday", "#tbt",   "#nfl",
                                   "#deals",        "#travel",      "#coffee"};
inline constexpr sv k_tags_pt[] = {"#quintafeira", "#blackfriday", "#futebol",
                                   "#brasil",      "#sp",          "#tbt"};
inline constexpr std::array<list, k_lang_count> k_topic_tags = {list(k_tags_es), list(k_tags_en),
                                                                list(k_tags_pt)};

inline constexpr sv k_names[] = {
    "lucia", "mateo",   "sofia",  "diego",   "valentina", "camila",   "joao",  "ana",
    "pedro", "maria",   "carlos", "juliana", "rafael",    "emma",     "liam",  "olivia",
    "noah",  "ava",     "ethan",  "isabela", "gabriel",   "fernanda", "lucas", "martina",
    "tomas", "beatriz", "miguel", "laura",   "andres",    "paula",    "bruno", "renata"};
inline constexpr sv k_name_parts[] = {"",    "",         "_",    "_m", "_r",  "g",
                                      "_tv", "_oficial", "_dev", "x",  "_co", "_br"};

// --- templates: brand mentions ------------------------------------------------------------
inline constexpr sv k_brand_pos_es[] = {
    "{+}! {T} de {B} llegó antes de lo esperado {E}", "{+}: probé {T} de {B} hoy en {C} {E}",
    "Tengo que decirlo. {+}, {T} de {B} {E}", "{B} otra vez. {+}, {T} funciona perfecto {E}"};
inline constexpr sv k_brand_neg_es[] = {"{-}. {T} de {B} lleva {N} días sin funcionar {E}",
                                        "{-}: {B} no responde y {T} sigue igual {E}",
                                        "Escribí {N} veces a {B} por {T}. {-} {E}",
                                        "Nunca más {B}. {-}, {T} {E}"};
inline constexpr sv k_brand_neu_es[] = {
    "¿Alguien sabe si {B} tiene {T} en {C}? {E}", "{B} anunció cambios en {T} para esta semana {E}",
    "Hoy en {C} vi {T} de {B} {E}", "Comparando {T} de {B} con otras opciones {E}"};
inline constexpr sv k_brand_pos_en[] = {
    "{+}! {T} from {B} showed up early {E}", "{+}: tried {T} from {B} today in {C} {E}",
    "Have to say it. {+}, {T} by {B} {E}", "{B} again. {+}, {T} works perfectly {E}"};
inline constexpr sv k_brand_neg_en[] = {"{-}. {T} from {B} has been down for {N} days {E}",
                                        "{-}: {B} will not answer and {T} is still broken {E}",
                                        "Wrote to {B} {N} times about {T}. {-} {E}",
                                        "Never again {B}. {-}, {T} {E}"};
inline constexpr sv k_brand_neu_en[] = {
    "Does anyone know if {B} has {T} in {C}? {E}", "{B} announced changes to {T} this week {E}",
    "Saw {T} from {B} in {C} today {E}", "Comparing {T} from {B} with other options {E}"};
inline constexpr sv k_brand_pos_pt[] = {
    "{+}! {T} da {B} chegou antes do previsto {E}", "{+}: testei {T} da {B} hoje em {C} {E}",
    "Preciso dizer. {+}, {T} da {B} {E}", "{B} de novo. {+}, {T} funciona perfeito {E}"};
inline constexpr sv k_brand_neg_pt[] = {"{-}. {T} da {B} está sem funcionar há {N} dias {E}",
                                        "{-}: a {B} não responde e {T} continua igual {E}",
                                        "Escrevi {N} vezes para a {B} sobre {T}. {-} {E}",
                                        "Nunca mais {B}. {-}, {T} {E}"};
inline constexpr sv k_brand_neu_pt[] = {
    "Alguém sabe se a {B} tem {T} em {C}? {E}", "{B} anunciou mudanças em {T} esta semana {E}",
    "Hoje em {C} vi {T} da {B} {E}", "Comparando {T} da {B} com outras opções {E}"};

// --- templates: mentions about no configured brand ----------------------------------------
inline constexpr sv k_none_pos_es[] = {"{+}: {B} hoy en {C} {E}", "{+}! Por fin {B} a tiempo {E}",
                                       "Tengo que decirlo. {+}, {B} {E}"};
inline constexpr sv k_none_neg_es[] = {"{-}: {B} otra vez en {C} {E}",
                                       "{-}. {B} lleva {N} horas igual {E}",
                                       "Ya van {N} días con {B} así. {-} {E}"};
inline constexpr sv k_none_neu_es[] = {"¿Alguien sabe a qué hora empieza {B}? {E}",
                                       "Hablando de {B} en la oficina en {C} {E}",
                                       "{B} hoy en {C}, seguimos en eso {E}"};
inline constexpr sv k_none_pos_en[] = {"{+}: {B} today in {C} {E}", "{+}! Finally {B} on time {E}",
                                       "Have to say it. {+}, {B} {E}"};
inline constexpr sv k_none_neg_en[] = {"{-}: {B} again in {C} {E}",
                                       "{-}. {B} stuck for {N} hours {E}",
                                       "{N} days of {B} like this. {-} {E}"};
inline constexpr sv k_none_neu_en[] = {"Anyone know what time {B} starts? {E}",
                                       "Talking about {B} at the office in {C} {E}",
                                       "{B} today in {C}, keeping an eye on it {E}"};
inline constexpr sv k_none_pos_pt[] = {"{+}: {B} hoje em {C} {E}",
                                       "{+}! Finalmente {B} no horário {E}",
                                       "Preciso dizer. {+}, {B} {E}"};
inline constexpr sv k_none_neg_pt[] = {"{-}: {B} de novo em {C} {E}",
                                       "{-}. {B} parado há {N} horas {E}",
                                       "Já são {N} dias com {B} assim. {-} {E}"};
inline constexpr sv k_none_neu_pt[] = {"Alguém sabe que horas começa {B}? {E}",
                                       "Falando de {B} no escritório em {C} {E}",
                                       "{B} hoje em {C}, de olho {E}"};

inline constexpr sv k_none_subject_es[] = {"el metro",       "el partido de hoy", "mi jefe",
                                           "el clima",       "la serie nueva",    "el tráfico",
                                           "este concierto", "la reunión",        "el aeropuerto"};
inline constexpr sv k_none_subject_en[] = {"the subway",   "the game tonight", "my boss",
                                           "the weather",  "the new show",     "traffic",
                                           "this concert", "the meeting",      "the airport"};
inline constexpr sv k_none_subject_pt[] = {"o metrô",   "o jogo de hoje", "meu chefe",
                                           "o tempo",   "a série nova",   "o trânsito",
                                           "esse show", "a reunião",      "o aeroporto"};
inline constexpr std::array<list, k_lang_count> k_none_subjects = {
    list(k_none_subject_es), list(k_none_subject_en), list(k_none_subject_pt)};

/// Non-brand text that a careless matcher would take for a brand: an exclude phrase of
/// `acme`, and near misses on word boundaries (`cafés andinos` is not `Café Andino`).
/// All neutral.
inline constexpr sv k_near_miss_es[] = {
    "Viendo caricaturas del Coyote y el ACME Road Runner con mi hijo {E}",
    "Los cafés andinos de altura tienen otro aroma {E}",
    "Las telcos del sur del país subieron precios este mes {E}"};
inline constexpr sv k_near_miss_en[] = {
    "Watching old Acme Road Runner cartoons with my kid tonight {E}",
    "Trying Andean coffees from the south this week {E}",
    "Regional telcos in the south raised prices this month {E}"};
inline constexpr sv k_near_miss_pt[] = {"Assistindo desenho do Acme Road Runner com meu filho {E}",
                                        "Os cafés andinos de altitude têm outro aroma {E}",
                                        "As telcos do sul subiram os preços este mês {E}"};
inline constexpr std::array<list, k_lang_count> k_near_miss = {
    list(k_near_miss_es), list(k_near_miss_en), list(k_near_miss_pt)};

/// [lang][sentiment: positive, neutral, negative]
inline constexpr std::array<std::array<list, 3>, k_lang_count> k_brand_templates = {{
    {list(k_brand_pos_es), list(k_brand_neu_es), list(k_brand_neg_es)},
    {list(k_brand_pos_en), list(k_brand_neu_en), list(k_brand_neg_en)},
    {list(k_brand_pos_pt), list(k_brand_neu_pt), list(k_brand_neg_pt)},
}};
inline constexpr std::array<std::array<list, 3>, k_lang_count> k_none_templates = {{
    {list(k_none_pos_es), list(k_none_neu_es), list(k_none_neg_es)},
    {list(k_none_pos_en), list(k_none_neu_en), list(k_none_neg_en)},
    {list(k_none_pos_pt), list(k_none_neu_pt), list(k_none_neg_pt)},
}};

// --- scripted events ----------------------------------------------------------------------
/// negative_spike: complaints about refunds (a concrete topic that shows up in top terms).
inline constexpr sv k_spike_es[] = {
    "{-}: {B} no me devuelve el reembolso de mi pedido, ya van {N} semanas {E}",
    "{B} me cobró dos veces y el reembolso nunca llega. {-} {E}",
    "¿Alguien más esperando el reembolso de {B}? {-} {E}",
    "{-}. Pedí reembolso a {B} hace {N} días y nada {E}"};
inline constexpr sv k_spike_en[] = {"{-}: {B} still has not processed my refund, {N} weeks now {E}",
                                    "{B} charged me twice and the refund never came. {-} {E}",
                                    "Anyone else waiting on a refund from {B}? {-} {E}",
                                    "{-}. Asked {B} for a refund {N} days ago and nothing {E}"};
inline constexpr sv k_spike_pt[] = {
    "{-}: a {B} não devolve o reembolso do meu pedido, já são {N} semanas {E}",
    "{B} me cobrou duas vezes e o reembolso nunca chega. {-} {E}",
    "Mais alguém esperando reembolso da {B}? {-} {E}",
    "{-}. Pedi reembolso para a {B} há {N} dias e nada {E}"};
inline constexpr std::array<list, k_lang_count> k_spike = {list(k_spike_es), list(k_spike_en),
                                                           list(k_spike_pt)};
inline constexpr std::array<sv, k_lang_count> k_spike_tags = {"#reembolso", "#refund",
                                                              "#reembolso"};

/// campaign_surge: a seasonal launch, positive (some neutral announcements).
inline constexpr sv k_campaign_pos_es[] = {"{+}: el nuevo blend de Navidad de {B} {E}",
                                           "{+}! Probé el blend de temporada de {B} en {C} {E}",
                                           "Ya tengo mi taza navideña de {B}. {+} {E}"};
inline constexpr sv k_campaign_pos_en[] = {"{+}: the new holiday blend from {B} {E}",
                                           "{+}! Tried the seasonal blend at {B} in {C} {E}",
                                           "Got my holiday cup from {B}. {+} {E}"};
inline constexpr sv k_campaign_pos_pt[] = {"{+}: o novo blend de Natal da {B} {E}",
                                           "{+}! Provei o blend de temporada da {B} em {C} {E}",
                                           "Já tenho minha caneca de Natal da {B}. {+} {E}"};
inline constexpr sv k_campaign_neu_es[] = {"{B} lanza su blend de Navidad hoy en {C} {E}"};
inline constexpr sv k_campaign_neu_en[] = {"{B} launches its seasonal blend today in {C} {E}"};
inline constexpr sv k_campaign_neu_pt[] = {"{B} lança o blend de Natal hoje em {C} {E}"};
inline constexpr std::array<list, k_lang_count> k_campaign_pos = {
    list(k_campaign_pos_es), list(k_campaign_pos_en), list(k_campaign_pos_pt)};
inline constexpr std::array<list, k_lang_count> k_campaign_neu = {
    list(k_campaign_neu_es), list(k_campaign_neu_en), list(k_campaign_neu_pt)};
inline constexpr std::array<sv, k_lang_count> k_campaign_tags = {"#navidad", "#seasonalblend",
                                                                 "#natal"};

/// trending_hashtag: a blackout; mostly about no brand. Lexicons score the topic itself
/// (`apagón`, `outage`, `sin luz`) as negative, so its mentions are negative, or positive
/// with a clearly positive phrase; none are neutral.
inline constexpr sv k_trend_pos_es[] = {"{+}: cena con velas en {C} esta noche {E}"};
inline constexpr sv k_trend_neg_es[] = {
    "{-}, ya van {N} horas sin luz en {C} {E}", "Otra vez sin luz en {C}. {-} {E}",
    "{-}: se fue la luz en todo {C} {E}", "{-}: sin señal de {B} por el apagón en {C} {E}"};
inline constexpr sv k_trend_pos_en[] = {"{+}: candlelight dinner in {C} tonight {E}"};
inline constexpr sv k_trend_neg_en[] = {"{-}, {N} hours without power in {C} {E}",
                                        "Power out again in {C}. {-} {E}",
                                        "{-}: the power just went out across {C} {E}",
                                        "{-}: no {B} signal during the blackout in {C} {E}"};
inline constexpr sv k_trend_pos_pt[] = {"{+}: jantar à luz de velas em {C} hoje {E}"};
inline constexpr sv k_trend_neg_pt[] = {
    "{-}, já são {N} horas sem luz em {C} {E}", "Sem luz de novo em {C}. {-} {E}",
    "{-}: acabou a luz em {C} inteira {E}", "{-}: sem sinal da {B} com o apagão em {C} {E}"};
inline constexpr std::array<list, k_lang_count> k_trend_pos = {
    list(k_trend_pos_es), list(k_trend_pos_en), list(k_trend_pos_pt)};
/// The last negative template names a brand ({B}), the others do not.
inline constexpr std::array<list, k_lang_count> k_trend_neg = {
    list(k_trend_neg_es), list(k_trend_neg_en), list(k_trend_neg_pt)};

/// influencer_complaint: the one post.
inline constexpr sv k_influencer_text =
    "Pésimo servicio de TelcoSur: 3 días sin internet en casa, 5 llamadas y nadie responde. "
    "Me cambio de compañía 😡 #telcosur";

// --- brands -------------------------------------------------------------------------------
/// Display forms, weighted by repetition: cases, accents, handles and hashtags.
inline constexpr sv k_disp_acme[] = {
    "Acme", "Acme", "Acme", "Acme",      "Acme",      "Acme",  "Acme",  "Acme",  "ACME",  "ACME",
    "acme", "acme", "acme", "Acme Corp", "Acme Corp", "@acme", "@acme", "@acme", "#acme", "#acme"};
inline constexpr sv k_disp_cafe[] = {"Café Andino", "Café Andino", "Café Andino", "Café Andino",
                                     "Café Andino", "Café Andino", "Café Andino", "Café Andino",
                                     "Café Andino", "Cafe Andino", "Cafe Andino", "Cafe Andino",
                                     "Cafe Andino", "café andino", "café andino", "CAFÉ ANDINO",
                                     "@cafeandino", "@cafeandino", "#cafeandino", "#cafeandino"};
inline constexpr sv k_disp_telco[] = {
    "TelcoSur",  "TelcoSur",  "TelcoSur",  "TelcoSur",  "TelcoSur",  "TelcoSur", "TelcoSur",
    "Telco Sur", "Telco Sur", "Telco Sur", "Telco Sur", "Telco Sur", "telcosur", "telcosur",
    "TELCOSUR",  "@telcosur", "@telcosur", "@telcosur", "#telcosur", "#telcosur"};
inline constexpr sv k_disp_banco[] = {
    "Banco Luz", "Banco Luz", "Banco Luz", "Banco Luz", "Banco Luz", "Banco Luz", "Banco Luz",
    "Banco Luz", "Banco Luz", "Banco Luz", "Banco Luz", "banco luz", "banco luz", "BANCO LUZ",
    "@bancoluz", "@bancoluz", "@bancoluz", "@bancoluz", "#bancoluz", "#bancoluz"};
inline constexpr sv k_disp_viva[] = {"VivaAir",  "VivaAir",  "VivaAir",  "VivaAir",  "VivaAir",
                                     "VivaAir",  "VivaAir",  "VivaAir",  "VivaAir",  "Viva Air",
                                     "Viva Air", "Viva Air", "Viva Air", "vivaair",  "vivaair",
                                     "@vivaair", "@vivaair", "@vivaair", "#vivaair", "#vivaair"};
inline constexpr sv k_disp_mercado[] = {"Mercado Rio", "Mercado Rio", "Mercado Rio", "Mercado Rio",
                                        "Mercado Rio", "Mercado Rio", "Mercado Rio", "Mercado Rio",
                                        "Mercado Río", "Mercado Río", "Mercado Río", "Mercado Río",
                                        "Mercado Río", "mercado rio", "mercado rio", "@mercadorio",
                                        "@mercadorio", "@mercadorio", "#mercadorio", "#mercadorio"};

inline constexpr sv k_topic_acme_es[] = {"la app",     "el envío",   "mi pedido",
                                         "la entrega", "el soporte", "la tienda online"};
inline constexpr sv k_topic_acme_en[] = {"the app",      "shipping",         "my order",
                                         "the delivery", "customer support", "the online store"};
inline constexpr sv k_topic_acme_pt[] = {"o app",     "o frete",   "meu pedido",
                                         "a entrega", "o suporte", "a loja online"};
inline constexpr sv k_topic_cafe_es[] = {"el espresso", "el latte", "el capuchino",
                                         "el café de olla", "la tarjeta de puntos"};
inline constexpr sv k_topic_cafe_en[] = {"the espresso", "the latte", "the cappuccino",
                                         "the cold brew", "the points card"};
inline constexpr sv k_topic_cafe_pt[] = {"o espresso", "o latte", "o cappuccino", "o pão de queijo",
                                         "o cartão de pontos"};
inline constexpr sv k_topic_telco_es[] = {"la señal",   "la fibra",        "el 5G",
                                          "la factura", "el plan prepago", "el roaming"};
inline constexpr sv k_topic_telco_en[] = {"the signal", "the fiber",       "5G",
                                          "the bill",   "my prepaid plan", "roaming"};
inline constexpr sv k_topic_telco_pt[] = {"o sinal",  "a fibra",          "o 5G",
                                          "a fatura", "o plano pré-pago", "o roaming"};
inline constexpr sv k_topic_banco_es[] = {"la tarjeta",     "la transferencia", "el cajero",
                                          "la banca móvil", "el préstamo",      "la cuenta"};
inline constexpr sv k_topic_banco_en[] = {"the card",       "the transfer", "the ATM",
                                          "mobile banking", "the loan",     "my account"};
inline constexpr sv k_topic_banco_pt[] = {"o cartão", "a transferência", "o caixa eletrônico",
                                          "o pix",    "o empréstimo",    "a conta"};
inline constexpr sv k_topic_viva_es[] = {"el vuelo",  "el equipaje", "el check-in",
                                         "la tarifa", "el asiento",  "la puerta de embarque"};
inline constexpr sv k_topic_viva_en[] = {"the flight", "baggage", "check-in",
                                         "the fare",   "my seat", "the boarding gate"};
inline constexpr sv k_topic_viva_pt[] = {"o voo",    "a bagagem", "o check-in",
                                         "a tarifa", "o assento", "o portão de embarque"};
inline constexpr sv k_topic_mercado_es[] = {"el catálogo",    "el carrito", "el despacho",
                                            "el seguimiento", "el cupón",   "la entrega"};
inline constexpr sv k_topic_mercado_en[] = {"the deals",  "the cart",   "the shipping",
                                            "the return", "the coupon", "the delivery"};
inline constexpr sv k_topic_mercado_pt[] = {"as ofertas",  "o carrinho", "o frete",
                                            "a devolução", "o cupom",    "a entrega"};

struct brand_def {
    sv name; ///< config name
    sv tag;  ///< hashtag and handle body: `#acme`, `@acme`
    list display;
    double ref_per_min;     ///< relative volume; = mentions/min at k_reference_rate
    unsigned pos, neu, neg; ///< sentiment mix, percent
    std::array<list, k_lang_count> topics;
};

inline constexpr std::size_t k_brand_count = 6;
/// Sentiment mix of mentions about no brand, percent.
inline constexpr unsigned k_none_pos = 31, k_none_neu = 51, k_none_neg = 18;
inline constexpr std::array<brand_def, k_brand_count> k_brands = {{
    {"acme",
     "acme",
     list(k_disp_acme),
     40,
     30,
     50,
     20,
     {list(k_topic_acme_es), list(k_topic_acme_en), list(k_topic_acme_pt)}},
    {"cafe_andino",
     "cafeandino",
     list(k_disp_cafe),
     20,
     40,
     48,
     12,
     {list(k_topic_cafe_es), list(k_topic_cafe_en), list(k_topic_cafe_pt)}},
    {"telco_sur",
     "telcosur",
     list(k_disp_telco),
     60,
     22,
     48,
     30,
     {list(k_topic_telco_es), list(k_topic_telco_en), list(k_topic_telco_pt)}},
    {"banco_luz",
     "bancoluz",
     list(k_disp_banco),
     12,
     27,
     52,
     21,
     {list(k_topic_banco_es), list(k_topic_banco_en), list(k_topic_banco_pt)}},
    {"viva_air",
     "vivaair",
     list(k_disp_viva),
     25,
     30,
     45,
     25,
     {list(k_topic_viva_es), list(k_topic_viva_en), list(k_topic_viva_pt)}},
    {"mercado_rio",
     "mercadorio",
     list(k_disp_mercado),
     5,
     36,
     50,
     14,
     {list(k_topic_mercado_es), list(k_topic_mercado_en), list(k_topic_mercado_pt)}},
}};

/// Share of the steady stream that is about at least one brand.
inline constexpr double k_brand_share = 0.60;
/// The total rate (mentions/s) at which each brand gets `ref_per_min` mentions a minute.
inline constexpr double k_reference_rate = 162.0 / k_brand_share / 60.0; // = 4.5

inline constexpr sv k_brands_yaml = R"(brands:
  - name: acme
    keywords: ["acme", "acme corp"]
    handles: ["@acme"]
    hashtags: ["#acme"]
    exclude: ["acme road runner"]
  - name: cafe_andino
    keywords: ["Café Andino"]
    handles: ["@cafeandino"]
    hashtags: ["#cafeandino"]
  - name: telco_sur
    keywords: ["TelcoSur", "Telco Sur"]
    handles: ["@telcosur"]
    hashtags: ["#telcosur"]
  - name: banco_luz
    keywords: ["Banco Luz"]
    handles: ["@bancoluz"]
    hashtags: ["#bancoluz"]
  - name: viva_air
    keywords: ["VivaAir", "Viva Air"]
    handles: ["@vivaair"]
    hashtags: ["#vivaair"]
  - name: mercado_rio
    keywords: ["Mercado Rio"]
    handles: ["@mercadorio"]
    hashtags: ["#mercadorio"]
)";

} // namespace pulso::gen
