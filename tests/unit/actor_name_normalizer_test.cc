#include <string>

#include "gtest/gtest.h"
#include "services/actor/name_normalizer.h"

namespace lookout::actor {
namespace {

// UTF-8 of one code point, so tests can walk whole Unicode ranges.
std::string Utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

TEST(ActorNameNormalizerTest, TheContractExample) {
  EXPECT_EQ(NormalizeName("  Gouvernement d'HAÏTI "), "gouvernement d'haiti");
  EXPECT_EQ(NormalizeName("  Gouvernement d'HAÏTI "), NormalizeName("gouvernement d'haiti"));
}

TEST(ActorNameNormalizerTest, LowercasesAscii) {
  EXPECT_EQ(NormalizeName("POLICE NATIONALE"), "police nationale");
  EXPECT_EQ(NormalizeName("MiXeD CaSe 123"), "mixed case 123");
}

TEST(ActorNameNormalizerTest, KeepsDigitsAndPunctuation) {
  EXPECT_EQ(NormalizeName("M23 / RDF-12 (2021-)"), "m23 / rdf-12 (2021-)");
  EXPECT_EQ(NormalizeName("Al-Shabaab"), "al-shabaab");
}

TEST(ActorNameNormalizerTest, FoldsLatin1Letters) {
  EXPECT_EQ(NormalizeName("ÀÁÂÃÄÅàáâãäå"), "aaaaaaaaaaaa");
  EXPECT_EQ(NormalizeName("ÈÉÊËèéêë"), "eeeeeeee");
  EXPECT_EQ(NormalizeName("ÌÍÎÏìíîï"), "iiiiiiii");
  EXPECT_EQ(NormalizeName("ÒÓÔÕÖØòóôõöø"), "oooooooooooo");
  EXPECT_EQ(NormalizeName("ÙÚÛÜùúûü"), "uuuuuuuu");
  EXPECT_EQ(NormalizeName("ÝýÿŸ"), "yyyy");
  EXPECT_EQ(NormalizeName("Çç"), "cc");
  EXPECT_EQ(NormalizeName("Ññ"), "nn");
  EXPECT_EQ(NormalizeName("Ðð"), "dd");
}

TEST(ActorNameNormalizerTest, ExpandsLigaturesAndSharpS) {
  EXPECT_EQ(NormalizeName("Straße"), "strasse");
  EXPECT_EQ(NormalizeName("Æsir æther"), "aesir aether");
  EXPECT_EQ(NormalizeName("Œuvre cœur"), "oeuvre coeur");
  EXPECT_EQ(NormalizeName("Þórr"), "thorr");
  EXPECT_EQ(NormalizeName("Ĳssel"), "ijssel");
}

TEST(ActorNameNormalizerTest, FoldsLatinExtendedA) {
  EXPECT_EQ(NormalizeName("Łódź"), "lodz");
  EXPECT_EQ(NormalizeName("Dvořák"), "dvorak");
  EXPECT_EQ(NormalizeName("Šťastný"), "stastny");
  EXPECT_EQ(NormalizeName("İstanbul ılık"), "istanbul ilik");
  EXPECT_EQ(NormalizeName("Ğüneş"), "gunes");
  EXPECT_EQ(NormalizeName("Ærøskøbing"), "aeroskobing");
  EXPECT_EQ(NormalizeName("Żółć"), "zolc");
  EXPECT_EQ(NormalizeName("Đorđe"), "dorde");
  EXPECT_EQ(NormalizeName("Ővő Űrű"), "ovo uru");
}

// Every letter of U+00C0..U+017F becomes lower-case ASCII letters; only × and ÷ (symbols, not
// letters) pass through.
TEST(ActorNameNormalizerTest, EveryLetterOfBothBlocksFoldsToAsciiLetters) {
  for (char32_t cp = 0x00C0; cp <= 0x017F; ++cp) {
    std::string key = NormalizeName(Utf8(cp));
    if (cp == 0x00D7 || cp == 0x00F7) {
      EXPECT_EQ(key, Utf8(cp)) << "U+" << std::hex << static_cast<int>(cp);
      continue;
    }
    ASSERT_FALSE(key.empty()) << "U+" << std::hex << static_cast<int>(cp);
    EXPECT_LE(key.size(), 2u) << "U+" << std::hex << static_cast<int>(cp);
    for (char c : key) {
      EXPECT_TRUE(c >= 'a' && c <= 'z')
          << "U+" << std::hex << static_cast<int>(cp) << " -> " << key;
    }
  }
}

TEST(ActorNameNormalizerTest, UpperAndLowerCaseLettersFoldAlike) {
  // In both blocks a capital and its small letter fold to the same key.
  for (char32_t cp = 0x00C0; cp <= 0x00DE; ++cp) {
    if (cp == 0x00D7) continue;
    EXPECT_EQ(NormalizeName(Utf8(cp)), NormalizeName(Utf8(cp + 0x20)))
        << "U+" << std::hex << static_cast<int>(cp);
  }
  for (char32_t cp = 0x0100; cp <= 0x0137; cp += 2) {
    EXPECT_EQ(NormalizeName(Utf8(cp)), NormalizeName(Utf8(cp + 1)))
        << "U+" << std::hex << static_cast<int>(cp);
  }
}

TEST(ActorNameNormalizerTest, TrimsAndCollapsesWhitespace) {
  EXPECT_EQ(NormalizeName("   a   b  "), "a b");
  EXPECT_EQ(NormalizeName("\ta\n\r\v\fb\t"), "a b");
  EXPECT_EQ(NormalizeName("a\u00A0\u00A0b"), "a b");        // no-break spaces
  EXPECT_EQ(NormalizeName("\u2003a\u3000b\u202F"), "a b");  // em, ideographic, narrow
  EXPECT_EQ(NormalizeName("a \t \u00A0 b"), "a b");
}

TEST(ActorNameNormalizerTest, BlankAndEmptyBecomeEmpty) {
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("    "), "");
  EXPECT_EQ(NormalizeName(" \t\n\u00A0 "), "");
  EXPECT_EQ(NormalizeName("\u200B\uFEFF"), "");
}

TEST(ActorNameNormalizerTest, DropsCombiningAccentsSoDecomposedMatchesPrecomposed) {
  EXPECT_EQ(NormalizeName("Hai\u0308ti"), "haiti");  // i + combining diaeresis
  EXPECT_EQ(NormalizeName("Hai\u0308ti"), NormalizeName("Haïti"));
  EXPECT_EQ(NormalizeName("Cafe\u0301"), NormalizeName("Café"));
}

TEST(ActorNameNormalizerTest, DropsInvisibleCharacters) {
  EXPECT_EQ(NormalizeName("Ha\u200Biti"), "haiti");  // zero-width space
  EXPECT_EQ(NormalizeName("\uFEFFHaiti"), "haiti");  // byte order mark
  EXPECT_EQ(NormalizeName("Hai\u00ADti"), "haiti");  // soft hyphen
}

TEST(ActorNameNormalizerTest, TypographicPunctuationMatchesAscii) {
  EXPECT_EQ(NormalizeName("Gouvernement d\u2019Haïti"), "gouvernement d'haiti");
  EXPECT_EQ(NormalizeName("\u201CViv Ansanm\u201D"), "\"viv ansanm\"");
  EXPECT_EQ(NormalizeName("Croix\u2013des\u2014Bouquets"), "croix-des-bouquets");
}

TEST(ActorNameNormalizerTest, OtherScriptsPassThroughUnchanged) {
  EXPECT_EQ(NormalizeName("Хамас"), "Хамас");
  EXPECT_EQ(NormalizeName("  حزب الله  "), "حزب الله");
  EXPECT_EQ(NormalizeName("東京 警察"), "東京 警察");
  EXPECT_EQ(NormalizeName("emoji \U0001F600"), "emoji \U0001F600");
}

TEST(ActorNameNormalizerTest, InvalidUtf8BytesPassThroughWithoutHarm) {
  EXPECT_EQ(NormalizeName("A\xFF"
                          "B"),
            "a\xFF"
            "b");
  EXPECT_EQ(NormalizeName("ab\xC3"), "ab\xC3");              // truncated sequence at the end
  EXPECT_EQ(NormalizeName("\xC3\x28X"), "\xC3(x");           // bad continuation byte
  EXPECT_EQ(NormalizeName("\xC0\x80"), "\xC0\x80");          // overlong NUL
  EXPECT_EQ(NormalizeName("\xED\xA0\x80"), "\xED\xA0\x80");  // encoded surrogate
}

TEST(ActorNameNormalizerTest, IsIdempotent) {
  for (const char* name :
       {"  Gouvernement d'HAÏTI ", "Straße  Œuvre", "Łódź\u00A0\u00A0City", "Hai\u0308ti", "Хамас",
        "A\xFF"
        "B",
        ""}) {
    std::string once = NormalizeName(name);
    EXPECT_EQ(NormalizeName(once), once) << name;
  }
}

TEST(ActorNameNormalizerTest, DistinctNamesStayDistinct) {
  EXPECT_NE(NormalizeName("Police"), NormalizeName("Polices"));
  EXPECT_NE(NormalizeName("a b"), NormalizeName("ab"));
  EXPECT_NE(NormalizeName("d'Haiti"), NormalizeName("d Haiti"));
}

}  // namespace
}  // namespace lookout::actor
