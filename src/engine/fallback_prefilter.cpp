#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "engine/prefilter.h"

namespace trawl {
namespace {

class FallbackPrefilter final : public Prefilter {
 public:
  FallbackPrefilter(std::unique_ptr<Prefilter> primary, std::unique_ptr<Prefilter> fallback, std::ostream& log)
      : primary_(std::move(primary)),
        fallback_(std::move(fallback)),
        log_(log),
        name_(primary_->backend_name()),
        concurrent_(primary_->concurrent() && fallback_->concurrent()) {}

  // Read after the scan, when no run() is in progress.
  std::string_view backend_name() const override { return name_; }
  // Fixed for the scan: its caller decides once how to feed it.
  bool concurrent() const override { return concurrent_; }

  // Batches may arrive from several threads: the first failure retires the
  // primary backend once, and a batch that was in flight on it when it
  // failed is run again on the fallback, so none is lost.
  BatchCandidates run(const BlobBatch& batch) override {
    if (std::shared_ptr<Prefilter> primary = current_primary()) {
      try {
        return primary->run(batch);
      } catch (const BackendError& e) {
        retire(*primary, e.what());
      }
    }
    return fallback_->run(batch);
  }

  // While the primary backend runs, the whole batch's candidates come first
  // (run() above), so a failure midway hands no blob out twice; once it has
  // failed, the fallback hands out blobs its own way.
  void run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) override {
    if (current_primary() != nullptr) {
      Prefilter::run_each(batch, on_blob);
    } else {
      fallback_->run_each(batch, on_blob);
    }
  }

 private:
  std::shared_ptr<Prefilter> current_primary() {
    std::lock_guard lock(mutex_);
    return primary_;
  }

  void retire(const Prefilter& failed, const std::string& why) {
    std::lock_guard lock(mutex_);
    if (primary_.get() != &failed) return;  // another thread retired it already
    log_ << "trawl: warning: the " << failed.backend_name() << " backend failed (" << why
         << "); matching this batch and the rest on the " << fallback_->backend_name() << " backend\n";
    name_ = std::string(failed.backend_name()) + ", then " + std::string(fallback_->backend_name());
    primary_.reset();
  }

  std::mutex mutex_;
  std::shared_ptr<Prefilter> primary_;  // null once it has failed
  std::unique_ptr<Prefilter> fallback_;
  std::ostream& log_;
  std::string name_;
  bool concurrent_;
};

class StartingPrefilter final : public Prefilter {
 public:
  StartingPrefilter(std::string name, bool concurrent, std::function<std::unique_ptr<Prefilter>()> start)
      : name_(std::move(name)), concurrent_(concurrent) {
    started_ = std::async(std::launch::async, [start = std::move(start)]() -> std::shared_ptr<Prefilter> {
      try {
        return start();
      } catch (const BackendError&) {
        throw;
      } catch (const std::exception& e) {
        throw BackendError(e.what());
      }
    });
  }

  std::string_view backend_name() const override { return name_; }
  bool concurrent() const override { return concurrent_; }
  BatchCandidates run(const BlobBatch& batch) override { return started().run(batch); }
  void run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) override {
    started().run_each(batch, on_blob);
  }

 private:
  // Every call gets (and rethrows) through its own copy of the shared
  // future, as concurrent callers must.
  Prefilter& started() {
    const std::shared_future<std::shared_ptr<Prefilter>> started = started_;
    return *started.get();
  }

  std::string name_;
  bool concurrent_;
  std::shared_future<std::shared_ptr<Prefilter>> started_;
};

}  // namespace

std::unique_ptr<Prefilter> make_starting_prefilter(std::string name, bool concurrent,
                                                   std::function<std::unique_ptr<Prefilter>()> start) {
  return std::make_unique<StartingPrefilter>(std::move(name), concurrent, std::move(start));
}

std::unique_ptr<Prefilter> make_fallback_prefilter(std::unique_ptr<Prefilter> primary,
                                                   std::unique_ptr<Prefilter> fallback, std::ostream& log) {
  return std::make_unique<FallbackPrefilter>(std::move(primary), std::move(fallback), log);
}

}  // namespace trawl
