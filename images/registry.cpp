// Pulling from a registry that speaks the OCI distribution API; see
// registry.hpp. libcurl carries the HTTP (HTTP/2 over TLS where the server
// has it, proxies from the environment, redirects to blob storage without
// the credentials); this file does the protocol:
//   - a manifest is asked for with every manifest type in Accept (without
//     them a registry answers 404 for an OCI index, or converts a schema 2
//     manifest to schema 1), its digest computed from the bytes, and checked
//     when the reference named one;
//   - a 401 is answered once per challenge: Bearer (a token from the realm,
//     with the credentials when there are some, anonymous otherwise) or
//     Basic; an expired token is fetched again;
//   - blobs come in parallel (kParallel at a time), each into its ingest
//     (store.hpp): a cut-off one resumes with a Range request, a server that
//     ignores the range sends it all again, and every blob is verified
//     before it is visible;
//   - progress: a bar on a terminal, a JSON line per blob otherwise, none
//     with --quiet.
#include "images/registry.hpp"

#include <curl/curl.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::images {
namespace {

constexpr int kParallel = 3;
constexpr size_t kMaxManifest = 4 << 20;
constexpr const char* kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct Ref {
  std::string host, repo, tag, digest;
  std::string name() const { return host + "/" + repo + (digest.empty() ? ":" + tag : "@" + digest); }
  std::string reference() const { return digest.empty() ? tag : digest; }
};

// HOST[:PORT]/NAME[:TAG][@DIGEST]; a first component without '.', ':' and
// not localhost is Docker Hub's (docker.io, library/ for one component).
Result<Ref> parse_ref(const std::string& s) {
  Ref r;
  std::string rest = s;
  if (size_t at = rest.find('@'); at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    BERTH_TRY(parse_digest(r.digest).context("docker://" + s));
    rest = rest.substr(0, at);
  }
  size_t slash = rest.find('/');
  std::string first = slash == std::string::npos ? "" : rest.substr(0, slash);
  if (!first.empty() &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost")) {
    r.host = first;
    rest = rest.substr(slash + 1);
  } else {
    r.host = "docker.io";
    if (rest.find('/') == std::string::npos) rest = "library/" + rest;
  }
  if (size_t colon = rest.rfind(':'); colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    r.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  r.repo = rest;
  bool ok = !r.repo.empty();
  for (char c : r.repo)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/');
  for (char c : r.tag) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok || r.tag.size() > 128)
    return Error(Code::Config, "docker://" + s + ": not HOST/NAME[:TAG|@DIGEST] (names are lower case)");
  return r;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  out.resize(size_t(std::max(n, 0)));
  return out;
}

std::string unbase64(const std::string& in) {
  std::string out(3 * (in.size() / 4) + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  if (n < 0) return "";
  out.resize(size_t(n));
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; i--) pad++;
  out.resize(out.size() - std::min(pad, out.size()));
  return out;
}

// "user:password" for host: --creds, else the first auth file that has it
// (--authfile, $REGISTRY_AUTH_FILE, the containers' and Docker's own).
Result<std::string> credentials(const PullOptions& o, const std::string& host) {
  if (!o.creds.empty()) {
    if (o.creds.find(':') == std::string::npos) return Error(Code::Config, "--creds: USER:PASSWORD");
    return o.creds;
  }
  std::vector<std::string> files;
  if (!o.auth_file.empty())
    files.push_back(o.auth_file);
  else {
    if (const char* f = getenv("REGISTRY_AUTH_FILE")) files.push_back(f);
    if (const char* x = getenv("XDG_RUNTIME_DIR")) files.push_back(std::string(x) + "/containers/auth.json");
    files.push_back("/run/containers/" + std::to_string(getuid()) + "/auth.json");
    if (const char* h = getenv("HOME")) files.push_back(std::string(h) + "/.docker/config.json");
  }
  for (const auto& f : files) {
    auto text = state::read_file(f);
    if (!text) {
      if (f == o.auth_file) return std::move(text).error().context("--authfile");
      continue;
    }
    auto doc = BERTH_TRY(json::Document::parse(*text).context(f));
    json::Value auths = doc.root().get("auths");
    for (size_t i = 0; i < auths.size(); i++) {
      std::string key(auths.key_at(i));
      for (const char* scheme : {"https://", "http://"})
        if (key.rfind(scheme, 0) == 0) key = key.substr(strlen(scheme));
      key = key.substr(0, key.find('/'));
      if (key != host && !(host == "docker.io" && key == "index.docker.io")) continue;
      std::string pair = unbase64(std::string(auths.value_at(i).get("auth").as_string()));
      if (pair.find(':') == std::string::npos)
        return Error(Code::Config, f + ": the auth of " + host + " is not USER:PASSWORD");
      return pair;
    }
  }
  return std::string();
}

// The CAs to trust: the system's, and HOST's own directory of certificates
// (--cert-dir, else /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST).
std::string ca_bundle(const PullOptions& o, const std::string& host) {
  std::vector<std::string> dirs;
  if (!o.cert_dir.empty())
    dirs.push_back(o.cert_dir);
  else
    dirs = {"/etc/containers/certs.d/" + host, "/etc/docker/certs.d/" + host};
  std::string extra;
  for (const auto& d : dirs)
    if (DIR* dir = opendir(d.c_str())) {
      while (dirent* e = readdir(dir)) {
        std::string n = e->d_name;
        if (n.size() > 4 && n.compare(n.size() - 4, 4, ".crt") == 0)
          extra += state::read_file(d + "/" + n).value_or("") + "\n";
      }
      closedir(dir);
    }
  if (extra.empty()) return "";
  return state::read_file("/etc/ssl/certs/ca-certificates.crt").value_or("") + "\n" + extra;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(tolower(static_cast<unsigned char>(c)));
  return s;
}

// key="value", key=value, ... of a WWW-Authenticate challenge.
std::map<std::string, std::string> challenge_params(const std::string& s) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) i++;
    size_t eq = s.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = lower(s.substr(i, eq - i));
    std::string val;
    i = eq + 1;
    if (i < s.size() && s[i] == '"') {
      for (i++; i < s.size() && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < s.size()) i++;
        val += s[i];
      }
      i++;
    } else {
      size_t end = std::min(s.find(',', i), s.size());
      val = s.substr(i, end - i);
      i = end;
    }
    out[key] = val;
  }
  return out;
}

std::string url_escape(const std::string& s) {
  std::string out;
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += char(c);
    else
      out += '%', out += kHex[c >> 4], out += kHex[c & 15];
  }
  return out;
}

// What a registry says when it refuses: its errors' messages.
std::string registry_errors(const std::string& body) {
  auto doc = json::Document::parse(body);
  std::string out;
  if (doc) {
    json::Value e = doc->root().get("errors");
    for (size_t i = 0; i < e.size(); i++)
      out += (out.empty() ? "" : "; ") + std::string(e.at(i).get("code").as_string()) + ": " +
             std::string(e.at(i).get("message").as_string());
  }
  if (out.empty()) out = body.substr(0, 200);
  return out;
}

struct Response {
  long code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// One transfer: its handle, its headers and where its body goes.
struct Transfer {
  CURL* h = nullptr;
  curl_slist* list = nullptr;
  Response r;
  size_t limit = kMaxManifest;
  Ingest* in = nullptr;  // a blob's body goes here (2xx only)
  bool restart_checked = false;
  Status failure;
  std::string url;
  ~Transfer() {
    if (list) curl_slist_free_all(list);
    if (h) curl_easy_cleanup(h);
  }
};

size_t on_header(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) t->r.headers.clear();  // a new response (after a redirect)
  if (size_t colon = line.find(':'); colon != std::string::npos) {
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    t->r.headers[lower(line.substr(0, colon))] = v;
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &code);
  if (t->in && code >= 200 && code < 300) {
    if (!t->restart_checked) {
      t->restart_checked = true;
      // asked for a range and sent the whole blob: start again
      if (code == 200 && t->in->offset() > 0) {
        t->failure = t->in->restart();
        if (!t->failure.ok()) return 0;
      }
    }
    t->failure = t->in->write(data, len);
    return t->failure.ok() ? len : 0;
  }
  if (t->r.body.size() + len > t->limit) {
    t->failure = Error(Code::Config, t->url + ": an answer of more than " + std::to_string(t->limit) + " bytes");
    return 0;
  }
  t->r.body.append(data, len);
  return len;
}

class Client {
 public:
  Client(const Ref& ref, const PullOptions& o) : ref_(ref), o_(o) {}

  Status init() {
    creds_ = BERTH_TRY(credentials(o_, ref_.host));
    ca_ = ca_bundle(o_, ref_.host);
    std::string host = ref_.host == "docker.io" ? "registry-1.docker.io" : ref_.host;
    base_ = std::string(o_.insecure ? "http://" : "https://") + host + "/v2/" + ref_.repo;
    return {};
  }

  // A manifest (or index) by tag or digest: its bytes and media type.
  Result<Response> manifest(const std::string& reference) {
    return get(base_ + "/manifests/" + reference, {kManifestAccept});
  }

  // Blobs into the store, kParallel at a time.
  Status blobs(const Store& store, const std::vector<Descriptor>& all);

 private:
  std::unique_ptr<Transfer> make(const std::string& url, const std::vector<std::string>& headers) {
    auto t = std::make_unique<Transfer>();
    t->h = curl_easy_init();
    t->url = url;
    CURL* h = t->h;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 8L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, o_.insecure ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a transfer stalled for a minute fails
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
    if (!ca_.empty()) {
      curl_blob b{ca_.data(), ca_.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    for (const auto& x : headers) t->list = curl_slist_append(t->list, x.c_str());
    // sent to the registry's host only: libcurl drops it on a redirect elsewhere
    if (!authorization_.empty()) t->list = curl_slist_append(t->list, ("Authorization: " + authorization_).c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->list);
    return t;
  }

  Status check(Transfer& t, CURLcode rc) {
    if (!t.failure.ok()) return std::move(t.failure);
    if (rc != CURLE_OK) return Error(Code::System, t.url + ": " + curl_easy_strerror(rc));
    curl_easy_getinfo(t.h, CURLINFO_RESPONSE_CODE, &t.r.code);
    return {};
  }

  Result<Response> get(const std::string& url, const std::vector<std::string>& headers) {
    for (int attempt = 0;; attempt++) {
      auto t = make(url, headers);
      BERTH_CHECK(check(*t, curl_easy_perform(t->h)));
      if (t->r.code == 401 && attempt == 0) {
        BERTH_CHECK(authenticate(t->r));
        continue;
      }
      if (t->r.code != 200)
        return Error(t->r.code == 404 ? Code::NotFound : Code::System,
                     url + ": HTTP " + std::to_string(t->r.code) + ": " + registry_errors(t->r.body));
      return std::move(t->r);
    }
  }

  // Answers a 401's challenge: the Authorization the next requests carry.
  Status authenticate(const Response& r) {
    auto it = r.headers.find("www-authenticate");
    std::string ch = it == r.headers.end() ? "" : it->second;
    std::string scheme = lower(ch.substr(0, ch.find(' ')));
    auto params = challenge_params(ch.find(' ') == std::string::npos ? "" : ch.substr(ch.find(' ') + 1));
    std::string who = "the registry " + ref_.host;
    if (scheme == "basic") {
      if (creds_.empty()) return Error(Code::Permission, who + " asks for credentials: give --creds or --authfile");
      authorization_ = "Basic " + base64(creds_);
      return {};
    }
    if (scheme != "bearer" || params["realm"].empty())
      return Error(Code::Permission, who + " refused the request (HTTP 401) with no challenge berth can answer: " + ch);
    std::string url = params["realm"] + (params["realm"].find('?') == std::string::npos ? "?" : "&");
    url += "service=" + url_escape(params["service"]);
    url += "&scope=" + url_escape(params["scope"].empty() ? "repository:" + ref_.repo + ":pull" : params["scope"]);
    if (!o_.insecure && url.rfind("https://", 0) != 0 && !creds_.empty())
      return Error(Code::Permission, who + "'s token realm " + params["realm"] +
                                         " is not HTTPS: berth sends no credentials there (--insecure to allow)");
    std::vector<std::string> headers;
    authorization_.clear();
    auto t = make(url, headers);
    if (!creds_.empty()) {
      t->list = curl_slist_append(t->list, ("Authorization: Basic " + base64(creds_)).c_str());
      curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, t->list);
    }
    BERTH_CHECK(check(*t, curl_easy_perform(t->h)));
    if (t->r.code != 200)
      return Error(Code::Permission, who + ": its token service " + params["realm"] + " refused (HTTP " +
                                         std::to_string(t->r.code) + ")" +
                                         (creds_.empty() ? ": no credentials given (--creds, --authfile)" : ""));
    auto doc = BERTH_TRY(json::Document::parse(t->r.body).context(params["realm"]));
    std::string token(doc.root().get("token").as_string());
    if (token.empty()) token = std::string(doc.root().get("access_token").as_string());
    if (token.empty()) return Error(Code::Permission, params["realm"] + ": no token in its answer");
    authorization_ = "Bearer " + token;
    return {};
  }

  Ref ref_;
  PullOptions o_;
  std::string creds_, ca_, base_, authorization_;
};

// Progress of the blobs: a bar on a terminal, a JSON line per blob else.
class Progress {
 public:
  Progress(bool quiet, int64_t total) : quiet_(quiet), tty_(isatty(2)), total_(total) {}
  void blob(const Descriptor& d, const char* status, int64_t resumed = 0) {
    if (quiet_) return;
    if (tty_) return;
    json::Writer w;
    w.begin_object().field("blob", d.digest.str()).field_int("size", d.size).field("status", status);
    if (resumed) w.field_int("resumedFrom", resumed);
    std::string line = w.end_object().take() + "\n";
    fwrite(line.data(), 1, line.size(), stderr);
  }
  void bytes(int64_t done, bool last = false) {
    if (quiet_ || !tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (!last && now - shown_ < std::chrono::milliseconds(100)) return;
    shown_ = now;
    int pct = total_ > 0 ? int(100 * done / total_) : 100;
    std::string bar(size_t(pct / 4), '=');
    bar.resize(25, ' ');
    fprintf(stderr, "\rCopying blobs [%s] %3d%% %.1f/%.1f MB%s", bar.c_str(), pct, double(done) / 1e6,
            double(total_) / 1e6, last ? "\n" : "");
  }

 private:
  bool quiet_, tty_;
  int64_t total_;
  std::chrono::steady_clock::time_point shown_{};
};

Status Client::blobs(const Store& store, const std::vector<Descriptor>& all) {
  int64_t total = 0;
  for (const auto& d : all) total += d.size;
  Progress progress(o_.quiet, total);
  struct Job {
    Descriptor d;
    std::optional<Ingest> in;
    std::unique_ptr<Transfer> t;
    int tries = 0;
  };
  std::vector<Job> todo;
  int64_t done_bytes = 0;
  for (const auto& d : all) {
    if (store.has_blob(d.digest)) {
      done_bytes += d.size;
      progress.blob(d, "exists");
      continue;
    }
    todo.push_back({d, std::nullopt, nullptr, 0});
  }
  // Ingest locks are taken in one order, the digests', by every pull: two
  // pulls of images sharing blobs in other orders never wait on each other
  // in a circle.
  std::sort(todo.begin(), todo.end(), [](const Job& a, const Job& b) { return a.d.digest.str() < b.d.digest.str(); });
  CURLM* m = curl_multi_init();
  struct MultiGuard {
    CURLM* m;
    ~MultiGuard() { curl_multi_cleanup(m); }
  } guard{m};
  size_t next = 0;
  int running = 0;
  std::map<CURL*, Job*> active;
  auto start = [&](Job& j) -> Status {
    if (!j.in) {
      auto in = BERTH_TRY(store.ingest(j.d.digest, j.d.size));
      if (!in) {  // another pull brought it meanwhile
        done_bytes += j.d.size;
        progress.blob(j.d, "exists");
        return {};
      }
      j.in = std::move(in);
    }
    int64_t from = j.in->offset();
    std::vector<std::string> headers;
    if (from > 0) headers.push_back("Range: bytes=" + std::to_string(from) + "-");
    j.t = make(base_ + "/blobs/" + j.d.digest.str(), headers);
    j.t->in = &*j.in;
    j.t->limit = 1 << 16;  // an error's body
    if (from > 0) progress.blob(j.d, "resuming", from);
    curl_multi_add_handle(m, j.t->h);
    active[j.t->h] = &j;
    return {};
  };
  Status failed;
  while (failed.ok() && (next < todo.size() || !active.empty())) {
    while (failed.ok() && active.size() < kParallel && next < todo.size()) failed = start(todo[next++]);
    if (!failed.ok()) break;
    curl_multi_perform(m, &running);
    int64_t partial = done_bytes;
    for (auto& [h, j] : active) partial += j->in ? j->in->offset() : 0;
    progress.bytes(std::min(partial, total));
    int left;
    while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Job& j = *active[msg->easy_handle];
      active.erase(msg->easy_handle);
      curl_multi_remove_handle(m, j.t->h);
      Status s = check(*j.t, msg->data.result);
      long code = j.t->r.code;
      if (s.ok() && (code == 401 || code == 416) && j.tries++ < 2) {
        // a token that expired; a range past what the server has
        s = code == 401 ? authenticate(j.t->r) : j.in->restart();
        if (s.ok()) s = start(j);
        if (!s.ok()) failed = std::move(s);
        continue;
      }
      if (s.ok() && (code < 200 || code >= 300))
        s = Error(code == 404 ? Code::NotFound : Code::System,
                  "blob " + j.d.digest.str() + ": HTTP " + std::to_string(code) + ": " + registry_errors(j.t->r.body));
      if (s.ok()) s = j.in->commit();
      if (!s.ok()) {
        failed = std::move(s);
        break;
      }
      done_bytes += j.d.size;
      progress.blob(j.d, "done");
      j.in.reset();
      j.t.reset();
    }
    if (failed.ok() && !active.empty()) curl_multi_poll(m, nullptr, 0, 1000, nullptr);
  }
  for (auto& [h, j] : active) curl_multi_remove_handle(m, h);
  active.clear();
  if (failed.ok()) progress.bytes(total, true);
  return failed;
}

}  // namespace

Result<ImageRecord> pull_registry(const Store& store, const std::string& reference, const PullOptions& o) {
  static const bool inited = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!inited) return Error(Code::Internal, "libcurl did not initialise");
  auto ref = BERTH_TRY(parse_ref(reference));
  std::string what = "docker://" + ref.name();
  Client c(ref, o);
  BERTH_CHECK(c.init().context(what));
  auto r = BERTH_TRY(c.manifest(ref.reference()).context(what));
  Digest d = digest_of(r.body, ref.digest.empty() ? "sha256" : BERTH_TRY(parse_digest(ref.digest)).algorithm);
  if (!ref.digest.empty() && d.str() != ref.digest)
    return Error(Code::Config, what + ": the registry's manifest is " + d.str() + ", not the digest asked for");
  BERTH_CHECK(store.put_blob(d, r.body));
  std::string mt =
      r.headers.count("content-type") ? r.headers["content-type"].substr(0, r.headers["content-type"].find(';')) : "";
  if (is_index(r.body, mt == media::kOciIndex || mt == media::kDockerList ? mt : "")) {
    auto entries = BERTH_TRY(parse_index(r.body).context(what));
    auto chosen = BERTH_TRY(select_platform(entries, o.platform).context(what));
    auto m = BERTH_TRY(c.manifest(chosen.digest.str()).context(what));
    if (digest_of(m.body, chosen.digest.algorithm) != chosen.digest)
      return Error(Code::Config, what + ": the manifest for " + chosen.platform.architecture + " is not its digest " +
                                     chosen.digest.str());
    BERTH_CHECK(store.put_blob(chosen.digest, m.body));
    d = chosen.digest;
  }
  auto manifest = BERTH_TRY(parse_manifest(BERTH_TRY(store.read_blob(d))).context(what));
  // Each blob once: a manifest may name one layer twice (empty layers), and
  // two transfers of one blob would wait for each other's ingest lock.
  std::vector<Descriptor> all = {manifest.config}, blobs;
  all.insert(all.end(), manifest.layers.begin(), manifest.layers.end());
  for (const auto& d : all)
    if (std::none_of(blobs.begin(), blobs.end(), [&](const Descriptor& b) { return b.digest == d.digest; }))
      blobs.push_back(d);
  BERTH_CHECK(c.blobs(store, blobs).context(what));
  return finish_pull(store, o.name.empty() ? ref.name() : o.name, what, d);
}

}  // namespace berth::images
