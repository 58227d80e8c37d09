// tokenizer: the split steps of every tokenizer.ggml.pre value llama.cpp (b10573) knows.
//
// The regexes are the ones llama.cpp runs (its "adapted" forms of the tokenizer.json regexes),
// rewritten where needed so that PCRE2 gives llama.cpp's splits:
//  - llama.cpp matches most regexes on a "collapsed" text in which every non-ASCII codepoint is
//    one byte naming its category, so \p{Lu}, \p{Ll}, \p{Lt}, \p{Lm} and \p{Lo} all mean \p{L}
//    there. The patterns below say \p{L} (and then merge alternatives that became identical).
//  - "a letter that is not a-z", written by llama.cpp as ((?=[\p{L}])([^a-z])), is the class
//    [^\P{L}a-z] here: same set, no capture groups (cheaper, no JIT stack per letter).
//  - (?i:'s|...) is spelled out as '[sS]|..., as llama.cpp does: with a caseless match PCRE2
//    would also fold U+017F and U+212A.
// \s, \S and \d keep their ASCII meaning (PCRE2_UCP is not set) and pretokenize.cpp maps every
// non-ASCII whitespace codepoint to \v before matching, which is how llama.cpp classifies them.
// Non-ASCII literals are written as \x{...} so that this file stays ASCII.
#include "tokenizer/pretokenize_patterns.h"

#include <algorithm>
#include <array>

namespace hearth::pretok {
namespace {

using Kind = SplitStep::Kind;

#define CONTRACTIONS R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))re"
// The whitespace tail shared by the Llama-3 style regexes.
#define WS_TAIL R"re(|\s*[\r\n]+|\s+(?!\S)|\s+)re"

// GPT-2's regex. Unlike the tokenizer.json original it has no trailing |\s+: a lone whitespace
// before a non-space is then unmatched, which keeps it a piece of its own all the same.
constexpr std::string_view kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";

constexpr std::string_view kLlama3 =
    CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*)re" WS_TAIL;

constexpr std::string_view kQwen2 =
    CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*)re" WS_TAIL;

// Qwen3.5: letter runs also take combining marks.
constexpr std::string_view kQwen35 =
    CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*)re"
    WS_TAIL;

// Jais-2: Llama-3 with whitespace runs cut into power-of-two lengths.
constexpr std::string_view kJais2 =
    CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*)re"
    R"re(|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S))re"
    R"re(|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})re";

// GPT-4o / Llama 4: a word is optional upper-case letters then lower-case ones, or the reverse;
// non-ASCII letters count as both (llama.cpp only tells a-z from A-Z).
constexpr std::string_view kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?[^\P{L}a-z]*[^\P{L}A-Z]+)re" CONTRACTIONS
    R"re(?|[^\r\n\p{L}\p{N}]?[^\P{L}a-z]+[^\P{L}A-Z]*)re" CONTRACTIONS
    R"re(?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*)re" WS_TAIL;

// Tekken (Mistral): GPT-4o without contractions, one digit per piece.
constexpr std::string_view kTekken =
    R"re([^\r\n\p{L}\p{N}]?[^\P{L}a-z]*[^\P{L}A-Z]+|[^\r\n\p{L}\p{N}]?[^\P{L}a-z]+[^\P{L}A-Z]*)re"
    R"re(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*)re" WS_TAIL;

// GPT-4o with combining marks joined to the letters around them.
constexpr std::string_view kGraniteEmbMulti =
    R"re([^\r\n\p{L}\p{N}]?(?:[^\P{L}a-z]|\p{M})*(?:[^\P{L}A-Z]|\p{M})+)re" CONTRACTIONS
    R"re(?|[^\r\n\p{L}\p{N}]?(?:[^\P{L}a-z]|\p{M})+(?:[^\P{L}A-Z]|\p{M})*)re" CONTRACTIONS
    R"re(?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*)re" WS_TAIL;

// Youtu's and Tiny Aya's case-split words; with \p{Lu} == \p{Ll} == \p{L} (see the top) both
// alternatives are one run of letters and marks.
#define LETTER_MARK_WORD R"re([^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+)re" CONTRACTIONS "?"

// The regex shared by DeepSeek-V3 and AFMoE: punctuation glued to a following ASCII word.
constexpr std::string_view kPunctWord =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+)re"
    R"re(| ?[\p{P}\p{S}]+[\r\n]*)re" WS_TAIL;

// CJK runs of DeepSeek LLM/Coder: U+0800..U+4E00 really is one range upstream.
constexpr std::string_view kDeepseekCjk = R"re([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re";
constexpr std::string_view kHanKana = R"re([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re";

// Letters DeepSeek LLM's tokenizer.json lists (cased scripts), as codepoint ranges.
constexpr std::string_view kDeepseekLetters =
    R"re(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})re"
    R"re(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})re"
    R"re(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})re"
    R"re(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})re"
    R"re(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})re"
    R"re(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D})re"
    R"re(\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3})re"
    R"re(\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107})re"
    R"re(\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D})re"
    R"re(\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184})re"
    R"re(\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D})re"
    R"re(\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF})re"
    R"re(\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F})re"
    R"re(\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2})re"
    R"re(\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)re";

// Kimi K2: llama.cpp runs a hand-written splitter whose Han set is these ranges (not the Unicode
// Han script) and whose words are letters other than Han, without marks or case rules.
#define KIMI_HAN                                                                             \
  R"re(\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}\x{2A700}-\x{2B73F}\x{2B740}-)re" \
  R"re(\x{2B81F}\x{2B820}-\x{2CEAF}\x{2CEB0}-\x{2EBEF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F})re"
constexpr std::string_view kKimiK2 =
    "[" KIMI_HAN R"re(]+|[^\r\n\p{L}\p{N}]?[^\P{L})re" KIMI_HAN "]+" CONTRACTIONS
    R"re(?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*)re" WS_TAIL;

// Pieces without whitespace or the listed punctuation (BLOOM, Poro, GPT-3 Finnish, Viking).
constexpr std::string_view kBloom =
    R"re( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)re";

constexpr std::string_view kNewlineRuns = R"re([^\n]+|[\n]+)re";

constexpr SplitStep re(std::string_view p) { return {Kind::kRegex, p}; }

// The split steps of each llama.cpp pre-type, in order.
constexpr std::array kDefault = {re(R"re([\p{P}\$\+<=>\^~\|]+)re"), re(kGpt2),
                                 re(R"re(\p{N}+)re"), re(R"re([0-9][0-9][0-9])re")};
constexpr std::array kLlama3Steps = {re(kLlama3)};
constexpr std::array kJais2Steps = {re(kJais2)};
constexpr std::array kQwen2Steps = {re(kQwen2)};
constexpr std::array kQwen35Steps = {re(kQwen35)};
constexpr std::array kGpt2Steps = {re(kGpt2)};
constexpr std::array kDeepseekLlm = {
    re(R"re([\r\n])re"), re(kDeepseekLetters),
    re(R"re(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)re"),
    re(R"re(\s+$)re"), re(kDeepseekCjk), re(R"re(\p{N}+)re")};
constexpr std::array kDeepseekCoder = {re(R"re([\r\n])re"), re(R"re(\s?\p{L}+)re"),
                                       re(R"re(\s?\p{P}+)re"), re(kDeepseekCjk),
                                       re(R"re(\p{N})re")};
constexpr std::array kDeepseek3 = {re(R"re(\p{N}{1,3})re"), re(kHanKana), re(kPunctWord)};
constexpr std::array kYoutu = {
    re(R"re([\x{AC00}-\x{D7A3}\x{3131}-\x{318E}]+)re"
       R"re(|[\x{FF01}\x{2026}\x{201C}\x{201D}\x{2018}\x{2019}\x{2014}\x{FF1A}\x{FF1B}\x{FF0C})re"
       R"re(\x{3001}-\x{303F}\x{FE30}-\x{FE4F}]+|[\x{3105}-\x{312F}]+)re"
       R"re(|[\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re"),
    re(LETTER_MARK_WORD R"re(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*)re" WS_TAIL)};
constexpr std::array kFalcon = {re(R"re([\p{P}\$\+<=>\^~\|`]+)re"), re(kGpt2),
                                re(R"re([0-9][0-9][0-9])re")};
constexpr std::array kStarcoder = {re(R"re(\p{N})re"), re(kGpt2)};
constexpr std::array kBloomSteps = {re(kBloom)};
constexpr std::array kViking = {re(kBloom), re(R"re(\p{N})re")};
constexpr std::array kTekkenSteps = {re(kTekken)};
constexpr std::array kChameleon = {re(R"re(<sentinel:[0-9]+>)re"),
                                   re(R"re((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)re"),
                                   re(R"re(([\t\n]|    |  ))re"), re(R"re(\p{N})re"),
                                   re(R"re([\p{P}!-/:-@\[-`{-~])re"), re(kGpt2)};
constexpr std::array kGpt4oSteps = {re(kGpt4o)};
constexpr std::array kGraniteEmbMultiSteps = {re(kGraniteEmbMulti)};
constexpr std::array kTinyAya = {
    SplitStep{Kind::kDigitGroups, {}},
    re(LETTER_MARK_WORD R"re(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*)re" WS_TAIL)};
constexpr std::array kKimiK2Steps = {re(kKimiK2)};
// llama.cpp's second regex, (?=(\d{3})+(?!\d)), only cuts (its matches are empty): before
// every 0-9 digit followed by a multiple of three digits. As a regex that costs O(n^2) on a
// long number, so it is a step of its own.
constexpr std::array kSuperBpe = {re(R"re(\p{N}+)re"), SplitStep{Kind::kCutThousands, {}}};
constexpr std::array kBailingMoe = {
    re(R"re('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N})re"
       R"re(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)re")};
constexpr std::array kSeedCoder = {
    re(CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+)re" WS_TAIL)};
constexpr std::array kAfmoe = {
    SplitStep{Kind::kDigitGroups, {}},
    re(R"re([\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{8C48}-\x{FAFF}\x{3040}-\x{309F}\x{30A0}-\x{30FF})re"
       R"re(\x{FF65}-\x{FF9F}\x{2F00}-\x{2FDF}\x{E40}-\x{E7F}\x{E80}-\x{EFF}\x{1780}-\x{17FF})re"
       R"re(\x{1000}-\x{109F}\x{AA60}-\x{AA7F}\x{A9E0}-\x{A9FF}\x{AC00}-\x{D7AF}\x{1100}-\x{11FF}]+)re"),
    re(kPunctWord)};
constexpr std::array kLaguna = {re(kNewlineRuns), re(kQwen2)};
constexpr std::array kExaoneMoe = {
    re(CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N})re"
       R"re(| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)re")};
constexpr std::array kNewlines = {re(kNewlineRuns)};
constexpr std::array kMiniCpm5 = {
    re(R"re(\p{N}{1,3})re"),
    re(CONTRACTIONS R"re(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*)re" WS_TAIL)};
constexpr std::array kWhitespace = {re(R"re(\S+)re")};

#undef CONTRACTIONS
#undef WS_TAIL
#undef LETTER_MARK_WORD
#undef KIMI_HAN

const PreTokenizerSpec kSpecs[] = {
    {"default", kDefault},
    {"minicpm5", kMiniCpm5},
    {"llama3", kLlama3Steps},
    {"llama-v3", kLlama3Steps},
    {"llama-bpe", kLlama3Steps},
    {"falcon3", kLlama3Steps},
    {"falcon-h1", kLlama3Steps},
    {"pixtral", kLlama3Steps},
    {"midm-2.0", kLlama3Steps},
    {"lfm2", kLlama3Steps},
    {"jina-v5-nano", kLlama3Steps},
    {"deepseek-llm", kDeepseekLlm},
    {"deepseek-coder", kDeepseekCoder},
    {"deepseek-v3", kDeepseek3},
    {"youtu", kYoutu},
    {"falcon", kFalcon},
    {"mpt", kGpt2Steps},
    {"starcoder", kStarcoder},
    {"gpt-2", kGpt2Steps},
    {"phi-2", kGpt2Steps},
    {"jina-es", kGpt2Steps},
    {"jina-de", kGpt2Steps},
    {"gigachat", kGpt2Steps},
    {"jina-v2-es", kGpt2Steps},
    {"jina-v2-de", kGpt2Steps},
    {"a.x-4.0", kGpt2Steps},
    {"mellum", kGpt2Steps},
    {"modern-bert", kGpt2Steps},
    {"jais-2", kJais2Steps},
    {"gemma4", kNewlines},
    {"granite-embed-multi-311m", kNewlines},
    {"sarvam-moe", kNewlines},
    {"jina-v1-en", kGpt2Steps},
    {"jina-v2-code", kGpt2Steps},
    {"roberta-bpe", kGpt2Steps},
    {"whitespace", kWhitespace},
    {"refact", kStarcoder},
    {"command-r", kStarcoder},
    {"qwen2", kQwen2Steps},
    {"deepseek-r1-qwen", kQwen2Steps},
    {"kormo", kQwen2Steps},
    {"f2llmv2", kQwen2Steps},
    {"qwen35", kQwen35Steps},
    {"stablelm2", kQwen2Steps},
    {"olmo", kGpt2Steps},
    {"dbrx", kLlama3Steps},
    {"smaug-bpe", kLlama3Steps},
    {"poro-chat", kBloomSteps},
    {"glm4", kLlama3Steps},
    {"chatglm-bpe", kLlama3Steps},
    {"viking", kViking},
    {"jais", kGpt2Steps},
    {"tekken", kTekkenSteps},
    {"smollm", kStarcoder},
    {"codeshell", kStarcoder},
    {"bloom", kBloomSteps},
    {"gpt3-finnish", kBloomSteps},
    {"exaone", kStarcoder},
    {"exaone4", kGpt2Steps},
    {"exaone-moe", kExaoneMoe},
    {"chameleon", kChameleon},
    {"minerva-7b", kStarcoder},
    {"megrez", kQwen2Steps},
    {"gpt-4o", kGpt4oSteps},
    {"llama4", kGpt4oSteps},
    {"kanana2", kGpt4oSteps},
    {"talkie", kGpt4oSteps},
    {"granite-embed-multi-97m", kGraniteEmbMultiSteps},
    {"tiny_aya", kTinyAya},
    {"cohere2moe", kTinyAya},
    {"superbpe", kSuperBpe},
    {"trillion", kGpt2Steps},
    {"granite-docling", kGpt2Steps},
    {"bailingmoe", kBailingMoe},
    {"bailingmoe2", kBailingMoe},
    {"llada-moe", kBailingMoe},
    {"seed-coder", kSeedCoder},
    {"hunyuan", kQwen2Steps},
    {"hunyuan-dense", kDeepseek3},
    {"joyai-llm", kDeepseek3},
    {"kimi-k2", kKimiK2Steps},
    {"grok-2", kQwen2Steps},
    {"afmoe", kAfmoe},
    {"laguna", kLaguna},
    {"minimax-m2", kGpt4oSteps},
    {"solar-open", kQwen2Steps},
    {"mellum2", kStarcoder},
};

}  // namespace

const PreTokenizerSpec* find_spec(std::string_view name) {
  for (const PreTokenizerSpec& spec : kSpecs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> spec_names() {
  std::vector<std::string_view> names;
  for (const PreTokenizerSpec& spec : kSpecs) names.push_back(spec.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace hearth::pretok
