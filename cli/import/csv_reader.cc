#include "cli/import/csv_reader.h"

#include "absl/strings/str_cat.h"

namespace lookout::cli {
namespace {

constexpr size_t kBufferBytes = 1 << 16;

}  // namespace

CsvReader::CsvReader(std::istream* in, Options options)
    : in_(in), options_(options), buffer_(kBufferBytes) {}

bool CsvReader::Fill() {
  if (eof_) return false;
  in_->read(buffer_.data(), buffer_.size());
  end_ = static_cast<size_t>(in_->gcount());
  pos_ = 0;
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

int CsvReader::Peek() {
  if (pos_ == end_ && !Fill()) return -1;
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::Get() {
  const int c = Peek();
  if (c >= 0) ++pos_;
  if (c == '\n') ++line_;
  return c;
}

CsvReader::Result CsvReader::Next(CsvRecord* record, std::string* error) {
  if (!started_) {
    started_ = true;
    // A UTF-8 byte order mark is not part of the first field.
    if (Peek() == 0xEF) {
      ++pos_;
      if (Peek() == 0xBB) {
        ++pos_;
        if (Peek() == 0xBF) ++pos_;
      }
    }
  }
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  for (;;) {
    record->fields.clear();
    record->line = line_;
    if (Peek() < 0) return Result::kEnd;

    std::string field;
    State state = State::kFieldStart;
    size_t bytes = 0;
    std::string problem;  // the first thing wrong with this record
    bool done = false;
    auto end_field = [&] {
      if (record->fields.size() < options_.max_fields) {
        record->fields.push_back(std::move(field));
      } else if (problem.empty()) {
        problem = absl::StrCat("the record has more than ", options_.max_fields, " fields");
      }
      field.clear();
    };
    auto append = [&](int c) {
      if (++bytes > options_.max_record_bytes) {
        if (problem.empty()) {
          problem = absl::StrCat("the record is longer than ", options_.max_record_bytes, " bytes");
        }
        return;
      }
      field.push_back(static_cast<char>(c));
    };

    while (!done) {
      const int c = Get();
      switch (state) {
        case State::kFieldStart:
        case State::kUnquoted:
          if (c < 0 || c == '\n') {
            end_field();
            done = true;
          } else if (c == '\r' && Peek() == '\n') {
            // CR LF line end: the LF ends the record on the next turn.
          } else if (c == options_.delimiter) {
            end_field();
            state = State::kFieldStart;
          } else if (c == '"' && options_.quoting && state == State::kFieldStart) {
            state = State::kQuoted;
          } else {
            append(c);
            state = State::kUnquoted;
          }
          break;
        case State::kQuoted:
          if (c < 0) {
            if (problem.empty()) {
              problem = absl::StrCat("a quoted field opens on line ", record->line,
                                     " and is never closed");
            }
            end_field();
            done = true;
          } else if (c == '"') {
            if (Peek() == '"') {
              Get();
              append('"');
            } else {
              state = State::kAfterQuote;
            }
          } else {
            append(c);
          }
          break;
        case State::kAfterQuote:
          if (c < 0 || c == '\n') {
            end_field();
            done = true;
          } else if (c == '\r' && Peek() == '\n') {
          } else if (c == options_.delimiter) {
            end_field();
            state = State::kFieldStart;
          } else {
            if (problem.empty()) {
              problem = absl::StrCat("field ", record->fields.size() + 1,
                                     " has text after its closing quote");
            }
            // Keep the text so the rest of the record still splits where the writer meant.
            append(c);
            state = State::kUnquoted;
          }
          break;
      }
    }
    if (!problem.empty()) {
      *error = problem;
      return Result::kMalformed;
    }
    // Blank lines separate nothing; skip them.
    if (record->fields.size() == 1 && record->fields[0].empty()) continue;
    return Result::kRecord;
  }
}

}  // namespace lookout::cli
