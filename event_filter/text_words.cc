#include "event_filter/text_words.h"

#include <sqlite3.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/logging.h"

namespace lookout::event_filter {
namespace {

[[noreturn]] void Fail(absl::string_view what) {
  // Without FTS5's tokenizer the event service cannot search either: a broken build.
  LogError("full-text tokenizer unavailable",
           {{"error", std::string(what)}, {"tokenizer", kTextTokenizer}});
  std::abort();
}

// kTextTokenizer's name and then its arguments.
std::vector<std::string> TokenizerSpec() {
  return absl::StrSplit(kTextTokenizer, ' ', absl::SkipEmpty());
}

// The tokenizer module, found once. FTS5 hands its API out only through a statement on some
// connection, and registers its modules per connection: this one is private, in memory, and
// stays open for the life of the process.
struct Module {
  fts5_tokenizer methods{};
  void* user_data = nullptr;
};

const Module& TokenizerModule() {
  static const Module* const module = [] {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      Fail("cannot open an in-memory SQLite database");
    }
    fts5_api* api = nullptr;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) == SQLITE_OK) {
      sqlite3_bind_pointer(statement, 1, &api, "fts5_api_ptr", nullptr);
      sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    if (api == nullptr) Fail("SQLite has no FTS5");
    auto* found = new Module;
    if (api->xFindTokenizer(api, TokenizerSpec()[0].c_str(), &found->user_data, &found->methods) !=
        SQLITE_OK) {
      Fail("no such FTS5 tokenizer");
    }
    return found;
  }();
  return *module;
}

// One tokenizer per thread: unicode61 folds into a buffer of its own while it tokenizes.
class Tokenizer {
 public:
  Tokenizer() : module_(TokenizerModule()) {
    const std::vector<std::string> spec = TokenizerSpec();
    std::vector<const char*> args;
    for (size_t i = 1; i < spec.size(); ++i) args.push_back(spec[i].c_str());
    if (module_.methods.xCreate(module_.user_data, args.data(), static_cast<int>(args.size()),
                                &tokenizer_) != SQLITE_OK) {
      Fail("cannot create the FTS5 tokenizer");
    }
  }
  ~Tokenizer() { module_.methods.xDelete(tokenizer_); }
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Calls on_token(folded, start, end) for each word, `start` and `end` its bytes in `text`.
  template <typename OnToken>
  void Tokenize(absl::string_view text, int flags, OnToken on_token) {
    auto callback = [](void* context, int /*tflags*/, const char* token, int token_size, int start,
                       int end) {
      (*static_cast<OnToken*>(context))(absl::string_view(token, token_size), start, end);
      return SQLITE_OK;
    };
    // unicode61 fails only when it cannot allocate.
    if (module_.methods.xTokenize(tokenizer_, &on_token, flags, text.data(),
                                  static_cast<int>(text.size()), callback) != SQLITE_OK) {
      Fail("out of memory while tokenizing");
    }
  }

 private:
  const Module& module_;
  Fts5Tokenizer* tokenizer_ = nullptr;
};

Tokenizer& ThreadTokenizer() {
  thread_local Tokenizer tokenizer;
  return tokenizer;
}

}  // namespace

std::vector<std::string> TextWords(absl::string_view text) {
  std::vector<std::string> words;
  ThreadTokenizer().Tokenize(text, FTS5_TOKENIZE_DOCUMENT, [&](absl::string_view folded, int, int) {
    if (!folded.empty()) words.emplace_back(folded);
  });
  return words;
}

std::vector<QueryWord> QueryWords(absl::string_view text) {
  std::vector<QueryWord> words;
  ThreadTokenizer().Tokenize(
      text, FTS5_TOKENIZE_QUERY, [&](absl::string_view folded, int start, int end) {
        if (folded.empty()) return;
        QueryWord& word = words.emplace_back();
        word.as_written = std::string(text.substr(start, end - start));
        word.folded = std::string(folded);
        word.prefix = static_cast<size_t>(end) < text.size() && text[end] == '*';
      });
  return words;
}

}  // namespace lookout::event_filter
