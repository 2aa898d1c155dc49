#include "source/image/image_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>

#include "source/image/registry_input.h"

namespace trawl {

namespace {

// "2024-05-01T12:34:56.789Z" or with an offset; 0 when unparseable.
std::int64_t parse_rfc3339(const std::string& text) {
  std::tm tm{};
  int offset_sign = 0;
  int offset_hours = 0;
  int offset_minutes = 0;
  if (text.size() < 19 || std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    offset_sign = text[i] == '+' ? 1 : -1;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &offset_hours, &offset_minutes) != 2) return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::int64_t utc = timegm(&tm);
  return utc - static_cast<std::int64_t>(offset_sign) *
                   (std::int64_t{offset_hours} * 3600 + std::int64_t{offset_minutes} * 60);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

// The config's documents that can hold a secret, as (path, bytes).
std::vector<std::pair<std::string, std::string>> config_documents(const image::Image& img) {
  std::vector<std::pair<std::string, std::string>> docs;
  const auto& config = img.config;
  if (!config.env.empty()) docs.emplace_back("(config) Env", joined(config.env));
  if (!config.labels.empty()) {
    std::vector<std::string> lines;
    for (const auto& [key, value] : config.labels) {
      std::string line = key;
      line += '=';
      line += value;
      lines.push_back(std::move(line));
    }
    docs.emplace_back("(config) Labels", joined(lines));
  }
  if (!config.cmd.empty()) docs.emplace_back("(config) Cmd", joined(config.cmd));
  if (!config.entrypoint.empty()) docs.emplace_back("(config) Entrypoint", joined(config.entrypoint));
  for (std::size_t i = 0; i < config.history.size(); ++i) {
    const auto& entry = config.history[i];
    if (entry.created_by.empty() && entry.comment.empty()) continue;
    std::string text = entry.created_by + "\n";
    if (!entry.comment.empty()) text += entry.comment + "\n";
    docs.emplace_back("(history " + std::to_string(i) + ")", std::move(text));
  }
  return docs;
}

// Files a layer holds, handed from the thread that decompresses and
// unpacks layers to the one that hashes them and fills batches: the floor
// a scan is measured against (`zstd -dc | tar -xO`) is two processes too.
// A parcel gathers many small files so the hand-over costs little per file.
template <typename Item>
struct Parcel {
  std::vector<Item> items;
  std::string bytes;  // the files' contents, one after another
};

// A fixed number of parcels circulate between the two threads, so memory
// stays bounded: the producer fills one while the consumer drains another.
template <typename Item>
class ParcelRing {
 public:
  // Each parcel holds `keep_bytes` from the start (grown one by doubling
  // and handed back to the allocator, a parcel cost a copy and a page fault
  // per page, again and again); one that a large file grew past four times
  // that gives its memory back when drained.
  ParcelRing(std::size_t parcels, std::size_t keep_bytes) : keep_bytes_(keep_bytes) {
    for (std::size_t i = 0; i < parcels; ++i) {
      free_.push_back(std::make_unique<Parcel<Item>>());
      free_.back()->bytes.reserve(keep_bytes);
    }
  }
  // An empty parcel to fill; nullptr once the consumer has failed.
  std::unique_ptr<Parcel<Item>> take_free() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty() || failed_; });
    if (failed_) return nullptr;
    auto parcel = std::move(free_.front());
    free_.pop_front();
    return parcel;
  }
  void put_full(std::unique_ptr<Parcel<Item>> parcel) {
    std::lock_guard lock(mutex_);
    full_.push_back(std::move(parcel));
    changed_.notify_all();
  }
  // The next full parcel; nullptr when the producer is done and all are drained.
  std::unique_ptr<Parcel<Item>> take_full() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    auto parcel = std::move(full_.front());
    full_.pop_front();
    return parcel;
  }
  void give_back(std::unique_ptr<Parcel<Item>> parcel) {
    parcel->items.clear();
    parcel->bytes.clear();
    if (parcel->bytes.capacity() > 4 * keep_bytes_) {
      std::string().swap(parcel->bytes);
      parcel->bytes.reserve(keep_bytes_);
    }
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(parcel));
    changed_.notify_all();
  }
  void producer_done() {
    std::lock_guard lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }
  void consumer_failed() {
    std::lock_guard lock(mutex_);
    failed_ = true;
    changed_.notify_all();
  }

 private:
  const std::size_t keep_bytes_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Parcel<Item>>> free_;
  std::deque<std::unique_ptr<Parcel<Item>>> full_;
  bool done_ = false;
  bool failed_ = false;
};

}  // namespace

ImageSource::ImageSource(std::vector<std::string> inputs, std::string root, ImageScanOptions options)
    : inputs_(std::move(inputs)), root_(std::move(root)), options_(std::move(options)) {}

void ImageSource::list(SkipLog& /*skips*/) {
  std::unordered_set<std::string> layers;
  for (const auto& input : inputs_) {
    struct stat st {};
    if (::stat(input.c_str(), &st) != 0 && image::looks_like_registry_reference(input)) {
      opened_.push_back(
          image::open_registry_input(input, options_.platform, options_.registry, options_.limits.max_layer_bytes));
    } else {
      opened_.push_back(image::open_image_input(input, options_.platform));
    }
    for (const auto& img : opened_.back()->images()) {
      listed_blobs_ += config_documents(img).size();
      for (const auto& layer : img.layers) layers.insert(layer.blob.name());
    }
    listed_blobs_ += opened_.back()->documents().size();
  }
  listed_blobs_ += layers.size();
}

std::vector<const image::Image*> ImageSource::images() const {
  std::vector<const image::Image*> out;
  for (const auto& input : opened_) {
    for (const auto& img : input->images()) out.push_back(&img);
  }
  return out;
}

void ImageSource::read(BatchOutput& out, SkipLog& skips) {
  // What could not be read is a skip; what was read despite a fault (a
  // name that climbs above the root, a blob whose digest is wrong) is
  // counted on its own.
  std::uint64_t skipped = 0;  // every add runs on this thread
  auto skip = [&](SkipReason reason, std::string id, std::string detail = {}) {
    ++skipped;
    skips.add(reason, std::move(id), std::move(detail));
  };
  auto note = [&](const image::LayerProblem& p, const std::string& id) {
    if (p.kind == "too_large") {
      skip(SkipReason::kTooLarge, id, p.detail);
    } else if (p.kind == "missing_blob") {
      skip(SkipReason::kMissingObject, id, p.detail);
    } else if (p.kind == "path_traversal" || p.kind == "digest_mismatch") {
      ++problems_[p.kind];
    } else {
      skip(SkipReason::kCorruptObject, id, p.kind + ": " + p.detail);
    }
  };
  BatchFiller filler(out);
  std::unordered_set<BlobKey, BlobKeyHash> added;
  auto add_text = [&](std::string_view bytes) -> BlobKey {
    const BlobKey key = BlobKey::sha256_of(bytes);
    if (added.insert(key).second) filler.add(key, bytes);
    return key;
  };
  auto deliver = [&](const std::string& id, std::string_view bytes) -> BlobKey {
    if (looks_binary(bytes)) {
      skip(SkipReason::kBinary, id);
      return {};
    }
    return add_text(bytes);
  };

  // One layer entry on its way from the unpacking thread to the hashing one.
  struct Item {
    std::vector<Record>* records;  // its layer's, in layers_ (a map: never moves)
    const std::string* layer;      // its layer's name, the map's key
    Record record;
    std::size_t offset = 0;  // files: the content, in the parcel's bytes
    std::size_t length = 0;
  };
  constexpr std::size_t kParcelBytes = std::size_t{4} << 20;
  ParcelRing<Item> ring(3, 2 * kParcelBytes);
  std::exception_ptr consumer_error;
  std::thread consumer([&] {
    try {
      while (auto parcel = ring.take_full()) {
        for (auto& item : parcel->items) {
          if (item.record.kind == image::LayerEntry::Kind::kFile) {
            item.record.blob = add_text(std::string_view(parcel->bytes).substr(item.offset, item.length));
          }
          item.records->push_back(std::move(item.record));
        }
        ring.give_back(std::move(parcel));
      }
    } catch (...) {
      consumer_error = std::current_exception();
      ring.consumer_failed();
    }
  });

  std::unique_ptr<Parcel<Item>> filling = ring.take_free();
  auto hand_on = [&] {
    if (filling && !filling->items.empty()) {
      ring.put_full(std::move(filling));
      filling = ring.take_free();
    }
  };
  try {
    for (const auto& input : opened_) {
      if (!filling) break;  // the consumer failed
      input->set_already_read([this](const std::string& layer) { return layers_.count(layer) != 0; });
      input->for_each_layer(
          [&](const image::BlobRef& blob, image::ByteStream& bytes) {
            const std::string layer = blob.name();
            if (layers_.count(layer) != 0) return;  // read for an earlier input
            const auto slot = layers_.emplace(layer, std::vector<Record>{}).first;
            // A file that is not read (binary, too large) still replaces
            // what lower layers held at its path: it is recorded as an
            // entry with nothing to scan.
            auto unread_file = [&](const std::string& path) {
              if (!filling) return;
              filling->items.push_back(
                  Item{&slot->second, &slot->first, Record{image::LayerEntry::Kind::kOther, path, {}, {}}});
            };
            image::LayerCallbacks callbacks;
            callbacks.entry = [&](const image::LayerEntry& e, std::string_view content) {
              if (!filling) return;  // the consumer failed: nothing more is delivered
              // Binary files are told apart here, before they are copied.
              if (e.kind == image::LayerEntry::Kind::kFile && looks_binary(content)) {
                skip(SkipReason::kBinary, layer + ":" + e.path);
                unread_file(e.path);
                return;
              }
              Item item{&slot->second, &slot->first, Record{e.kind, e.path, {}, e.link}};
              if (e.kind == image::LayerEntry::Kind::kFile) {
                // A file that would grow the parcel starts the next one.
                if (filling->bytes.size() + content.size() > filling->bytes.capacity()) {
                  hand_on();
                  if (!filling) return;
                }
                item.offset = filling->bytes.size();
                item.length = content.size();
                filling->bytes.append(content);
              }
              filling->items.push_back(std::move(item));
              if (filling->bytes.size() >= kParcelBytes) hand_on();
            };
            callbacks.problem = [&](const image::LayerProblem& p) {
              note(p, layer + ":" + p.path);
              if (p.kind == "too_large") unread_file(p.path);
            };
            // A long binary file is told from its head, and never gathered.
            callbacks.head_bytes = kBinaryProbeBytes;
            callbacks.skip_after_head = [&](const image::LayerEntry& e, std::string_view head) {
              if (!looks_binary(head)) return false;
              skip(SkipReason::kBinary, layer + ":" + e.path);
              unread_file(e.path);
              return true;
            };
            image::LayerLimits limits = options_.limits;
            limits.max_file_size = options_.max_blob_size;
            try {
              image::read_layer(bytes, layer, limits, callbacks);
            } catch (const image::LayerError& e) {
              skip(SkipReason::kCorruptObject, layer, e.what());
            }
          },
          [&](const image::LayerProblem& p) { note(p, p.path); });
    }
    hand_on();
  } catch (...) {
    ring.producer_done();
    consumer.join();
    throw;
  }
  ring.producer_done();
  consumer.join();
  if (consumer_error) std::rethrow_exception(consumer_error);
  // Config documents, after the layers: keys decided here are used by build_provenance().
  config_keys_.clear();
  for (const auto& input : opened_) {
    for (const auto& p : input->problems()) note(p, p.path);
    for (const auto& img : input->images()) {
      std::vector<std::pair<std::string, BlobKey>> keys;
      for (const auto& [path, bytes] : config_documents(img)) {
        const BlobKey key = deliver(img.reference + ":" + path, bytes);
        if (!key.is_zero()) keys.emplace_back(path, key);
      }
      for (const auto& doc : input->documents()) {
        const BlobKey key = deliver(img.reference + ":" + doc.path, doc.bytes);
        if (!key.is_zero()) keys.emplace_back(doc.path, key);
      }
      config_keys_.push_back(std::move(keys));
    }
  }
  filler.finish();
  // What the summary counts as found: the distinct files read and what was skipped.
  found_blobs_ = filler.blobs() + skipped;
  build_provenance();
}

void ImageSource::build_provenance() {
  std::size_t image_index = 0;
  for (const auto& input : opened_) {
    for (const auto& img : input->images()) {
      const auto image_id = static_cast<std::uint32_t>(provenance_.images.size());
      ImageInfo info;
      info.reference = img.reference;
      info.manifest_digest = img.manifest_digest;
      info.platform = img.config.platform.text();
      std::map<std::string, BlobKey> merged;  // path -> what the filesystem holds there so far
      for (std::uint32_t i = 0; i < img.layers.size(); ++i) {
        const auto& layer = img.layers[i];
        const auto commit = static_cast<std::uint32_t>(provenance_.commits.size());
        CommitInfo step_commit;
        ImageStep step;
        step.image = image_id;
        step.layer = i;
        step.layer_digest = layer.diff_id;
        if (layer.history_index) {
          const auto& entry = img.config.history[*layer.history_index];
          step.created_by = entry.created_by;
          step_commit.author_time = parse_rfc3339(entry.created);
          step_commit.summary = entry.created_by;
        }
        provenance_.commits.push_back(std::move(step_commit));
        provenance_.image_steps.push_back(std::move(step));

        const auto found = layers_.find(layer.blob.name());
        if (found == layers_.end()) continue;  // unreadable: counted when read
        const auto& records = found->second;
        // Whiteouts and opaque directories hide what lower layers hold.
        // The paths under a directory are one range of the sorted map, from
        // "dir/" to "dir0" ('0' follows '/'): each whiteout costs what it
        // removes, not a pass over every path (a layer of many whiteouts
        // over many files must not take their product).
        auto depart = [&](std::map<std::string, BlobKey>::iterator it) {
          provenance_.departures.push_back({commit, it->first, it->second, BlobKey()});
          return merged.erase(it);
        };
        for (const auto& r : records) {
          if (r.kind != image::LayerEntry::Kind::kWhiteout && r.kind != image::LayerEntry::Kind::kOpaque) continue;
          if (r.path.empty()) {  // the root itself
            while (!merged.empty()) depart(merged.begin());
            continue;
          }
          if (r.kind == image::LayerEntry::Kind::kWhiteout) {
            if (const auto it = merged.find(r.path); it != merged.end()) depart(it);
          }
          const std::string end = r.path + "0";
          for (auto it = merged.lower_bound(r.path + "/"); it != merged.end() && it->first < end;) it = depart(it);
        }
        std::unordered_map<std::string, BlobKey> in_layer;
        for (const auto& r : records) {
          BlobKey blob = r.blob;
          if (r.kind == image::LayerEntry::Kind::kHardlink) {
            const auto target = in_layer.find(r.link);
            if (target == in_layer.end()) continue;
            blob = target->second;
          } else if (r.kind != image::LayerEntry::Kind::kFile) {
            if (r.kind == image::LayerEntry::Kind::kSymlink || r.kind == image::LayerEntry::Kind::kOther) {
              if (const auto old = merged.find(r.path); old != merged.end()) {
                provenance_.departures.push_back({commit, r.path, old->second, BlobKey()});
                merged.erase(old);
              }
            }
            continue;
          }
          in_layer[r.path] = blob;
          BlobIntroduction intro;
          intro.commit = commit;
          intro.path = r.path;
          intro.blob = blob;
          if (const auto old = merged.find(r.path); old != merged.end()) {
            intro.parent_blobs.push_back(old->second);
            if (old->second != blob) provenance_.departures.push_back({commit, r.path, old->second, blob});
          }
          merged[r.path] = blob;
          provenance_.introductions.push_back(std::move(intro));
        }
      }
      // The config, one more step.
      const auto commit = static_cast<std::uint32_t>(provenance_.commits.size());
      CommitInfo config_commit;
      config_commit.summary = "(config)";
      provenance_.commits.push_back(std::move(config_commit));
      ImageStep step;
      step.image = image_id;
      provenance_.image_steps.push_back(std::move(step));
      for (const auto& [path, key] : config_keys_[image_index]) {
        BlobIntroduction intro;
        intro.commit = commit;
        intro.path = path;
        intro.blob = key;
        provenance_.introductions.push_back(std::move(intro));
      }
      info.final_files = {merged.begin(), merged.end()};
      provenance_.images.push_back(std::move(info));
      ++image_index;
    }
  }
  provenance_.commits_in_scope = provenance_.commits.size();
}

std::vector<std::pair<std::string, std::uint64_t>> ImageSource::other_skips() const {
  return {problems_.begin(), problems_.end()};
}

}  // namespace trawl
