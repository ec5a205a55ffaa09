#include "services/actor/name_normalizer.h"

#include <cstdint>

namespace lookout::actor {
namespace {

// ASCII spellings of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), eight per
// row. nullptr marks the two symbols in that range that are not letters (× and ÷): they pass
// through.
constexpr char32_t kFoldFirst = 0x00C0;
constexpr char32_t kFoldLast = 0x017F;
// clang-format off
constexpr const char* kFold[kFoldLast - kFoldFirst + 1] = {
    // U+00C0 À Á Â Ã Ä Å Æ Ç
    "a", "a", "a", "a", "a", "a", "ae", "c",
    // U+00C8 È É Ê Ë Ì Í Î Ï
    "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00D0 Ð Ñ Ò Ó Ô Õ Ö ×
    "d", "n", "o", "o", "o", "o", "o", nullptr,
    // U+00D8 Ø Ù Ú Û Ü Ý Þ ß
    "o", "u", "u", "u", "u", "y", "th", "ss",
    // U+00E0 à á â ã ä å æ ç
    "a", "a", "a", "a", "a", "a", "ae", "c",
    // U+00E8 è é ê ë ì í î ï
    "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00F0 ð ñ ò ó ô õ ö ÷
    "d", "n", "o", "o", "o", "o", "o", nullptr,
    // U+00F8 ø ù ú û ü ý þ ÿ
    "o", "u", "u", "u", "u", "y", "th", "y",
    // U+0100 Ā ā Ă ă Ą ą Ć ć
    "a", "a", "a", "a", "a", "a", "c", "c",
    // U+0108 Ĉ ĉ Ċ ċ Č č Ď ď
    "c", "c", "c", "c", "c", "c", "d", "d",
    // U+0110 Đ đ Ē ē Ĕ ĕ Ė ė
    "d", "d", "e", "e", "e", "e", "e", "e",
    // U+0118 Ę ę Ě ě Ĝ ĝ Ğ ğ
    "e", "e", "e", "e", "g", "g", "g", "g",
    // U+0120 Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ
    "g", "g", "g", "g", "h", "h", "h", "h",
    // U+0128 Ĩ ĩ Ī ī Ĭ ĭ Į į
    "i", "i", "i", "i", "i", "i", "i", "i",
    // U+0130 İ ı Ĳ ĳ Ĵ ĵ Ķ ķ
    "i", "i", "ij", "ij", "j", "j", "k", "k",
    // U+0138 ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ
    "k", "l", "l", "l", "l", "l", "l", "l",
    // U+0140 ŀ Ł ł Ń ń Ņ ņ Ň
    "l", "l", "l", "n", "n", "n", "n", "n",
    // U+0148 ň ŉ Ŋ ŋ Ō ō Ŏ ŏ
    "n", "n", "n", "n", "o", "o", "o", "o",
    // U+0150 Ő ő Œ œ Ŕ ŕ Ŗ ŗ
    "o", "o", "oe", "oe", "r", "r", "r", "r",
    // U+0158 Ř ř Ś ś Ŝ ŝ Ş ş
    "r", "r", "s", "s", "s", "s", "s", "s",
    // U+0160 Š š Ţ ţ Ť ť Ŧ ŧ
    "s", "s", "t", "t", "t", "t", "t", "t",
    // U+0168 Ũ ũ Ū ū Ŭ ŭ Ů ů
    "u", "u", "u", "u", "u", "u", "u", "u",
    // U+0170 Ű ű Ų ų Ŵ ŵ Ŷ ŷ
    "u", "u", "u", "u", "w", "w", "y", "y",
    // U+0178 Ÿ Ź ź Ż ż Ž ž ſ
    "y", "z", "z", "z", "z", "z", "z", "s",
};
// clang-format on

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one UTF-8 sequence at the front of `s`; sets `length` to the bytes it used. Malformed,
// overlong or surrogate sequences decode as kInvalid with length 1, so the caller copies the
// byte and resynchronises on the next one.
char32_t DecodeUtf8(absl::string_view s, size_t* length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(0);
  *length = 1;
  if (lead < 0x80) return lead;
  size_t extra;
  char32_t cp;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return kInvalid;
  }
  if (s.size() < extra + 1) return kInvalid;
  for (size_t i = 1; i <= extra; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kInvalid;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalid;
  *length = extra + 1;
  return cp;
}

// clang-format off
bool IsSpace(char32_t cp) {
  switch (cp) {
    case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
    case 0x0085: case 0x00A0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Characters that are invisible in a rendered name (combining accents, soft hyphen, zero-width
// spaces and joiners, byte order mark): copy-pasted names carry them without anyone seeing.
bool IsIgnorable(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x00AD || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2060 || cp == 0xFEFF;
}

// Typographic punctuation that news sources and ACLED exports use interchangeably with ASCII
// ("d’Haïti" and "d'Haiti" are the same government). Returns 0 for anything else.
char AsciiPunctuation(char32_t cp) {
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: case 0x02BC:
      return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033:
      return '"';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212:
      return '-';
    default:
      return 0;
  }
}
// clang-format on

}  // namespace

std::string NormalizeName(absl::string_view name) {
  std::string key;
  key.reserve(name.size());
  // A space is written only once something follows it, which trims the end and collapses runs.
  bool space_pending = false;
  const auto emit = [&](absl::string_view text) {
    if (space_pending && !key.empty()) key.push_back(' ');
    space_pending = false;
    key.append(text.data(), text.size());
  };

  size_t i = 0;
  while (i < name.size()) {
    size_t length = 1;
    char32_t cp = DecodeUtf8(name.substr(i), &length);
    absl::string_view original = name.substr(i, length);
    i += length;

    if (cp == kInvalid) {
      emit(original);
    } else if (IsSpace(cp)) {
      space_pending = true;
    } else if (IsIgnorable(cp)) {
      continue;
    } else if (cp < 0x80) {
      char c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      emit(absl::string_view(&c, 1));
    } else if (cp >= kFoldFirst && cp <= kFoldLast && kFold[cp - kFoldFirst] != nullptr) {
      emit(kFold[cp - kFoldFirst]);
    } else if (char ascii = AsciiPunctuation(cp); ascii != 0) {
      emit(absl::string_view(&ascii, 1));
    } else {
      emit(original);
    }
  }
  return key;
}

}  // namespace lookout::actor
