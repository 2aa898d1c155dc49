#include "scan/sweep.h"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "content/sha256.h"
#include "content/text_escape.h"
#include "source/git/remote_mirror.h"

namespace trawl {
namespace {

[[noreturn]] void manifest_error(const std::string& path, std::size_t line, const std::string& what) {
  throw UsageError("manifest " + escape_text(path, true) + " line " + std::to_string(line) + ": " + what);
}

SweepEntry parse_entry(const std::string& path, std::size_t line, const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) manifest_error(path, line, "not valid JSON");
  if (!doc.is_object()) manifest_error(path, line, "not a JSON object");
  SweepEntry entry;
  entry.line = line;
  for (const auto& [key, value] : doc.items()) {
    if (key == "size") {
      if (!value.is_number_unsigned()) manifest_error(path, line, "\"size\" must be a non-negative integer");
      entry.size = value.get<std::uint64_t>();
      continue;
    }
    std::string* field = key == "name"      ? &entry.name
                         : key == "url"     ? &entry.url
                         : key == "path"    ? &entry.path
                         : key == "fork_of" ? &entry.fork_of
                                            : nullptr;
    if (field == nullptr) {
      manifest_error(path, line,
                     "unknown key " + escape_text(key, true) + " (expected name, url, path, fork_of, size)");
    }
    if (!value.is_string() || value.get<std::string>().empty()) {
      manifest_error(path, line, "\"" + key + "\" must be a non-empty string");
    }
    *field = value.get<std::string>();
  }
  if (entry.url.empty() == entry.path.empty()) manifest_error(path, line, "give one of \"url\" or \"path\"");
  if (!entry.url.empty()) {
    if (entry.name.empty()) manifest_error(path, line, "a \"url\" entry needs a \"name\"");
    if (!is_repository_url(entry.url)) {
      manifest_error(path, line, "'" + url_for_log(entry.url) + "' is not a URL (scheme://...)");
    }
  }
  if (entry.name.empty()) entry.name = entry.path;
  return entry;
}

std::uint64_t parse_count(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw UsageError(what + " must be a non-negative integer, not '" + escape_text(text, true) + "'");
  }
  return std::stoull(text);
}

Shard checked_shard(std::uint64_t index, std::uint64_t count, const std::string& what) {
  if (count == 0) throw UsageError(what + ": the shard count must be at least 1");
  if (index >= count) {
    throw UsageError(what + ": shard index " + std::to_string(index) + " is not below the count " +
                     std::to_string(count) + " (indices count from 0)");
  }
  return {index, count};
}

// The root of each entry's fork network and how many forks down it is.
struct Network {
  std::string root;
  std::size_t depth = 0;
};

Network network_of(const SweepEntry& entry, const std::unordered_map<std::string, const SweepEntry*>& by_name) {
  Network network{entry.name, 0};
  const SweepEntry* at = &entry;
  while (!at->fork_of.empty()) {
    network.root = at->fork_of;
    ++network.depth;
    auto parent = by_name.find(at->fork_of);
    if (parent == by_name.end()) break;
    at = parent->second;
  }
  return network;
}

std::uint64_t shard_of(const std::string& root, std::uint64_t count) {
  const Sha256Digest digest = sha256(root);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  return value % count;
}

// A mirror's directory in the clone cache: the name made safe, and a digest
// of the name so that two entries never share one. A repository keeps its
// mirror when its URL changes (the next fetch follows the new remote).
std::string mirror_directory(const std::string& clone_dir, const SweepEntry& entry) {
  std::string safe;
  for (const char c : entry.name.substr(0, 64)) {
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    safe += plain ? c : '_';
  }
  return (std::filesystem::path(clone_dir) / (safe + "-" + sha256_hex(entry.name).substr(0, 16) + ".git")).string();
}

// A repository made ready to scan: its mirror brought up to date, or why not.
struct Prepared {
  bool ready = false;
  std::string repository;  // what to scan
  std::string error;       // non-empty: it cannot be scanned
};

// Prepares entries in order on `jobs` threads, never more than `jobs` ahead
// of the one taking them, so the clone cache grows only as scans proceed.
class Preparation {
 public:
  Preparation(std::size_t count, unsigned jobs, std::function<Prepared(std::size_t)> prepare)
      : prepared_(count), jobs_(std::max(1U, jobs)), prepare_(std::move(prepare)) {
    const std::size_t threads = std::min<std::size_t>(jobs_, count);
    for (std::size_t t = 0; t < threads; ++t) threads_.emplace_back([this] { work(); });
  }
  ~Preparation() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  Preparation(const Preparation&) = delete;
  Preparation& operator=(const Preparation&) = delete;

  // Waits for entry `i` (taken in order, each once).
  Prepared take(std::size_t i) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return prepared_[i].ready; });
    taken_ = i + 1;
    changed_.notify_all();
    return std::move(prepared_[i]);
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stop_ || next_ >= prepared_.size() || next_ < taken_ + jobs_; });
      if (stop_ || next_ >= prepared_.size()) return;
      const std::size_t i = next_++;
      lock.unlock();
      Prepared done = prepare_(i);
      lock.lock();
      done.ready = true;
      prepared_[i] = std::move(done);
      changed_.notify_all();
    }
  }

  std::vector<Prepared> prepared_;
  std::size_t jobs_;
  std::function<Prepared(std::size_t)> prepare_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t next_ = 0;
  std::size_t taken_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

SweepManifest read_sweep_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("manifest " + escape_text(path, true) + ": cannot read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  SweepManifest manifest;
  manifest.digest = sha256_hex(text);
  std::unordered_map<std::string, std::size_t> lines;
  std::size_t start = 0;
  for (std::size_t line = 1; start < text.size(); ++line) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string content = text.substr(start, end - start);
    start = end + 1;
    if (content.find_first_not_of(" \t\r") == std::string::npos) continue;
    SweepEntry entry = parse_entry(path, line, content);
    auto [at, added] = lines.emplace(entry.name, line);
    if (!added) {
      manifest_error(
          path, line,
          "the name " + escape_text(entry.name, true) + " is given on line " + std::to_string(at->second) + " too");
    }
    manifest.entries.push_back(std::move(entry));
  }
  std::unordered_map<std::string, const SweepEntry*> by_name;
  for (const SweepEntry& e : manifest.entries) by_name.emplace(e.name, &e);
  for (const SweepEntry& e : manifest.entries) {
    std::set<std::string> seen{e.name};
    for (const SweepEntry* at = &e; !at->fork_of.empty();) {
      if (!seen.insert(at->fork_of).second) manifest_error(path, e.line, "its fork_of chain loops");
      auto parent = by_name.find(at->fork_of);
      if (parent == by_name.end()) break;
      at = parent->second;
    }
  }
  return manifest;
}

Shard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) throw UsageError("--shard must be I/N, not '" + escape_text(text, true) + "'");
  return checked_shard(parse_count(text.substr(0, slash), "--shard's index"),
                       parse_count(text.substr(slash + 1), "--shard's count"), "--shard " + escape_text(text, true));
}

Shard shard_from_environment(const std::map<std::string, std::string>& env) {
  auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  if (const std::string index = get("JOB_COMPLETION_INDEX"); !index.empty()) {
    const std::string count = get("TRAWL_SHARD_COUNT");
    if (count.empty()) {
      throw UsageError("JOB_COMPLETION_INDEX is set: set TRAWL_SHARD_COUNT to the job's completions (or give --shard)");
    }
    return checked_shard(parse_count(index, "JOB_COMPLETION_INDEX"), parse_count(count, "TRAWL_SHARD_COUNT"),
                         "JOB_COMPLETION_INDEX/TRAWL_SHARD_COUNT");
  }
  if (const std::string id = get("SLURM_ARRAY_TASK_ID"); !id.empty()) {
    const std::string count = get("SLURM_ARRAY_TASK_COUNT");
    if (count.empty()) throw UsageError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    const std::uint64_t task = parse_count(id, "SLURM_ARRAY_TASK_ID");
    const std::string min_text = get("SLURM_ARRAY_TASK_MIN");
    const std::string step_text = get("SLURM_ARRAY_TASK_STEP");
    const std::uint64_t min = min_text.empty() ? 0 : parse_count(min_text, "SLURM_ARRAY_TASK_MIN");
    const std::uint64_t step = step_text.empty() ? 1 : parse_count(step_text, "SLURM_ARRAY_TASK_STEP");
    if (task < min || step == 0 || (task - min) % step != 0) {
      throw UsageError("SLURM_ARRAY_TASK_ID " + id + " is not in the array (SLURM_ARRAY_TASK_MIN " +
                       std::to_string(min) + ", SLURM_ARRAY_TASK_STEP " + std::to_string(step) + ")");
    }
    return checked_shard((task - min) / step, parse_count(count, "SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_*");
  }
  return {};
}

namespace {

// Each fork network's shard. Without sizes: a hash of the root's name, so
// an entry keeps its shard however the manifest grows. With sizes: the
// networks, largest first (ties by the hash), each to the shard that holds
// least so far (ties to the lowest index): no shard holds more than the
// average plus the largest network. An entry without a size weighs the
// average of those given.
std::unordered_map<std::string, std::uint64_t> network_shards(
    const std::vector<std::string>& roots, const std::unordered_map<std::string, std::uint64_t>& sizes,
    std::uint64_t count) {
  std::unordered_map<std::string, std::uint64_t> shard;
  if (sizes.empty()) {
    for (const std::string& root : roots) shard.emplace(root, shard_of(root, count));
    return shard;
  }
  std::vector<std::pair<std::uint64_t, std::string>> order;  // (hash, root): a tie-break independent of the order
  order.reserve(roots.size());
  for (const std::string& root : roots)
    order.emplace_back(shard_of(root, std::numeric_limits<std::uint64_t>::max()), root);
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    const std::uint64_t sa = sizes.at(a.second);
    const std::uint64_t sb = sizes.at(b.second);
    return sa != sb ? sa > sb : a < b;
  });
  std::vector<std::uint64_t> load(count, 0);
  for (const auto& [hash, root] : order) {
    const auto least = static_cast<std::uint64_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += sizes.at(root);
    shard.emplace(root, least);
  }
  return shard;
}

}  // namespace

std::vector<SweepEntry> shard_entries(const SweepManifest& manifest, const Shard& shard) {
  std::unordered_map<std::string, const SweepEntry*> by_name;
  for (const SweepEntry& e : manifest.entries) by_name.emplace(e.name, &e);
  struct Placed {
    std::size_t network_order;
    std::size_t depth;
    std::size_t order;
  };
  std::unordered_map<std::string, std::size_t> network_order;
  std::vector<Network> networks;
  std::vector<std::string> roots;
  std::uint64_t sized = 0;
  std::uint64_t size_total = 0;
  for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
    const SweepEntry& e = manifest.entries[i];
    networks.push_back(network_of(e, by_name));
    if (network_order.emplace(networks.back().root, i).second) roots.push_back(networks.back().root);
    if (e.size) {
      ++sized;
      size_total += *e.size;
    }
  }
  std::unordered_map<std::string, std::uint64_t> sizes;
  if (sized > 0) {
    const std::uint64_t average = std::max<std::uint64_t>(1, size_total / sized);
    for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
      sizes[networks[i].root] += manifest.entries[i].size.value_or(average);
    }
  }
  const auto shards = network_shards(roots, sizes, shard.count);
  std::vector<std::pair<Placed, const SweepEntry*>> chosen;
  for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
    if (shards.at(networks[i].root) != shard.index) continue;
    chosen.push_back({{network_order.at(networks[i].root), networks[i].depth, i}, &manifest.entries[i]});
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.network_order, a.first.depth, a.first.order) <
           std::tie(b.first.network_order, b.first.depth, b.first.order);
  });
  std::vector<SweepEntry> out;
  out.reserve(chosen.size());
  for (const auto& c : chosen) out.push_back(*c.second);
  return out;
}

SweepResult run_sweep(const SweepOptions& options, Datastore& store, std::ostream& log) {
  const SweepManifest manifest = read_sweep_manifest(options.manifest_path);
  const std::vector<SweepEntry> entries = shard_entries(manifest, options.shard);
  const bool needs_clones =
      std::any_of(entries.begin(), entries.end(), [](const SweepEntry& e) { return !e.url.empty(); });
  if (needs_clones && options.clone_dir.empty()) {
    throw UsageError("manifest " + escape_text(options.manifest_path, true) +
                     " names repositories by URL: --clone-dir DIR must say where to mirror them");
  }
  if (needs_clones) {
    std::error_code error;
    std::filesystem::create_directories(options.clone_dir, error);
    if (error || !std::filesystem::is_directory(options.clone_dir)) {
      throw UsageError("--clone-dir " + escape_text(options.clone_dir, true) + ": cannot create the directory");
    }
  }
  const std::filesystem::path manifest_dir = std::filesystem::absolute(options.manifest_path).parent_path();

  SweepResult result;
  result.key = (options.sweep_id.empty() ? "manifest " + manifest.digest.substr(0, 16) : options.sweep_id) + " shard " +
               std::to_string(options.shard.index) + "/" + std::to_string(options.shard.count);
  result.round = store.open_sweep(result.key);
  result.repositories = entries.size();
  std::set<std::string> finished;
  for (const SweepRepository& r : store.sweep_repositories(result.round)) {
    if (r.status == "done") finished.insert(r.repository);
  }
  std::vector<const SweepEntry*> pending;
  for (const SweepEntry& e : entries) {
    if (finished.count(e.name) == 0) pending.push_back(&e);
  }
  result.already_done = entries.size() - pending.size();

  Preparation preparation(pending.size(), options.jobs, [&](std::size_t i) {
    const SweepEntry& e = *pending[i];
    Prepared prepared;
    if (e.url.empty()) {
      const std::filesystem::path path(e.path);
      prepared.repository = (path.is_absolute() ? path : manifest_dir / path).string();
      return prepared;
    }
    prepared.repository = mirror_directory(options.clone_dir, e);
    try {
      update_mirror(e.url, prepared.repository);
    } catch (const std::exception& error) {
      prepared.error = error.what();
    }
    return prepared;
  });

  for (std::size_t i = 0; i < pending.size(); ++i) {
    const SweepEntry& e = *pending[i];
    Prepared prepared = preparation.take(i);
    SweepRepository outcome{e.name, "done", ""};
    if (prepared.error.empty()) {
      GitScanOptions scan = options.scan;
      scan.repo_path = prepared.repository;
      scan.datastore = &store;
      scan.datastore_name = e.name;
      scan.datastore_sweep = result.round;
      scan.no_repo_config = true;
      scan.no_repo_ignore = true;
      try {
        const ScanResult scanned = scan_git_history(scan, log);
        result.blobs_read += scanned.summary.blobs_read;
        result.blobs_known += scanned.summary.blobs_known;
        if (scanned.summary.reused_result) ++result.unchanged;
        log << "trawl: sweep: " << escape_text(e.name, true) << ": "
            << (scanned.summary.reused_result ? "unchanged, " : "") << scanned.summary.blobs_read << " blobs read, "
            << scanned.summary.blobs_known << " known, " << scanned.findings.size() << " findings\n";
      } catch (const DatastoreError&) {
        store.abandon_scan();
        throw;
      } catch (const ConfigError&) {
        // The operator's rules: every repository would fail alike.
        store.abandon_scan();
        throw;
      } catch (const std::exception& error) {
        store.abandon_scan();
        prepared.error = error.what();
      }
    }
    if (!prepared.error.empty()) {
      outcome.status = "failed";
      outcome.message = prepared.error;
      log << "trawl: warning: sweep: " << escape_text(e.name, true) << ": failed: " << escape_text(prepared.error, true)
          << "\n";
    }
    store.record_sweep_repository(result.round, outcome);
    ++(prepared.error.empty() ? result.done : result.failed);
  }
  store.close_sweep(result.key, result.round);
  StoredSelection introduced;
  introduced.in_sweep = result.round;
  const std::vector<Finding> found = store.stored_findings(introduced);
  const Confidence min = options.scan.min_confidence;
  result.new_findings = static_cast<std::uint64_t>(
      std::count_if(found.begin(), found.end(), [min](const Finding& f) { return f.confidence >= min; }));
  return result;
}

std::string format_sweep_summary(const SweepResult& r) {
  return "trawl: sweep " + r.key + " (round " + r.round + "): " + std::to_string(r.repositories) +
         " repositories: " + std::to_string(r.done) + " done, " + std::to_string(r.already_done) + " already done, " +
         std::to_string(r.failed) + " failed; " + std::to_string(r.unchanged) + " unchanged (history not walked); " +
         std::to_string(r.blobs_read) + " blobs read, " + std::to_string(r.blobs_known) + " known; " +
         std::to_string(r.new_findings) + " new findings\n";
}

}  // namespace trawl
