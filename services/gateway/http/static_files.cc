#include "services/gateway/http/static_files.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "services/gateway/http/http_router.h"

namespace lookout::gateway {

std::string ContentTypeFor(absl::string_view file_name) {
  size_t dot = file_name.rfind('.');
  std::string ext =
      dot == absl::string_view::npos ? "" : absl::AsciiStrToLower(file_name.substr(dot + 1));
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map" || ext == "topojson") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "ico") return "image/x-icon";
  if (ext == "webp") return "image/webp";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "wasm") return "application/wasm";
  return "application/octet-stream";
}

StaticFile ResolveStaticFile(const std::string& dir, absl::string_view target_path) {
  StaticFile out;
  if (dir.empty()) {
    out.error =
        "no dashboard here: the gateway was started without --dashboard_dir "
        "(LOOKOUT_DASHBOARD_DIR); the HTTP/JSON API is under /v1/";
    return out;
  }
  std::string decoded;
  if (!PercentDecode(target_path, false, &decoded)) {
    out.status = 400;
    out.error = "bad percent-encoding in the path";
    return out;
  }
  if (decoded.empty() || decoded == "/") decoded = "/index.html";
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) {
    out.status = 400;
    out.error = "the path holds a character files here never have";
    return out;
  }
  std::filesystem::path relative;
  for (absl::string_view part : absl::StrSplit(decoded.substr(1), '/')) {
    if (part == ".." || part == ".") {
      out.status = 400;
      out.error = "the path may not contain . or .. segments";
      return out;
    }
    if (part.empty() || absl::StartsWith(part, ".")) {  // no dotfiles, no empty segments
      out.error = "not found";
      return out;
    }
    relative /= std::string(part);
  }
  std::error_code ec;
  std::filesystem::path root = std::filesystem::canonical(dir, ec);
  if (ec) {
    out.error = "the dashboard directory does not exist";
    return out;
  }
  std::filesystem::path file = std::filesystem::canonical(root / relative, ec);
  if (ec || !std::filesystem::is_regular_file(file, ec)) {
    out.error = "not found";
    return out;
  }
  // A symlink inside the directory may not lead out of it.
  std::string root_str = root.string() + "/";
  if (!absl::StartsWith(file.string(), root_str)) {
    out.error = "not found";
    return out;
  }
  out.status = 200;
  out.path = file.string();
  out.content_type = ContentTypeFor(out.path);
  return out;
}

}  // namespace lookout::gateway
