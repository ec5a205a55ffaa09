// The words `text` compares: what SQLite FTS5's unicode61 tokenizer, configured as the event
// service's full-text index is (kTextTokenizer), makes of notes and of a query. ListEvents
// matches in that index; the matcher (WatchEvents) and ValidateFilter read words through the
// same tokenizer, so splitting and folding (case of every script, Latin accents) agree by
// construction rather than by a second table of letters.
#ifndef LOOKOUT_EVENT_FILTER_TEXT_WORDS_H_
#define LOOKOUT_EVENT_FILTER_TEXT_WORDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lookout::event_filter {

// The tokenizer of the event service's events_fts table (services/event/event_schema.cc). The
// index keeps what it tokenized: changing this needs a migration that rebuilds it, and
// EventFilterTextWordsTest.AreTheEventIndexWords fails until both agree.
inline constexpr char kTextTokenizer[] = "unicode61 remove_diacritics 2";

// The words of `text`: runs of letters and digits (FTS5's unicode61 token characters), case
// folded and with Latin diacritics removed ("Cité" and "CITÉ" are "cite"). Everything else
// (spaces, punctuation, '-', quotes, '*') separates words.
std::vector<std::string> TextWords(absl::string_view text);

// One word of a `text` query.
struct QueryWord {
  std::string as_written;  // the bytes of the query the word was read from
  std::string folded;      // as TextWords folds it
  bool prefix = false;     // written with '*' right after it: matches words starting with it
};

// The words of a `text` query, in order: TextWords plus the prefix marks. No word is an
// operator: AND, OR, NOT and NEAR are words like any other.
std::vector<QueryWord> QueryWords(absl::string_view text);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_TEXT_WORDS_H_
