#include <memory>
#include <mutex>
#include <string>

#include "engine/keyword_matcher.h"

namespace trawl {
namespace {

class FallbackKeywordMatcher final : public KeywordMatcher {
 public:
  FallbackKeywordMatcher(std::unique_ptr<KeywordMatcher> primary, std::unique_ptr<KeywordMatcher> fallback,
                         std::ostream& log)
      : primary_(std::move(primary)), fallback_(std::move(fallback)), log_(log), name_(primary_->backend_name()) {}

  // Read after the scan, when no match() is running.
  std::string_view backend_name() const override { return name_; }

  // Batches may arrive from several threads: the first failure retires the
  // primary backend once, and a batch that was in flight on it when it
  // failed is matched again on the fallback, so none is lost.
  std::vector<Candidate> match(const BlobBatch& batch) override {
    if (std::shared_ptr<KeywordMatcher> primary = current_primary()) {
      try {
        return primary->match(batch);
      } catch (const BackendError& e) {
        retire(*primary, e.what());
      }
    }
    return fallback_->match(batch);
  }

 private:
  std::shared_ptr<KeywordMatcher> current_primary() {
    std::lock_guard lock(mutex_);
    return primary_;
  }

  void retire(const KeywordMatcher& failed, const std::string& why) {
    std::lock_guard lock(mutex_);
    if (primary_.get() != &failed) return;  // another thread retired it already
    log_ << "trawl: warning: the " << failed.backend_name() << " backend failed (" << why
         << "); matching this batch and the rest on the " << fallback_->backend_name() << " backend\n";
    name_ = std::string(failed.backend_name()) + ", then " + std::string(fallback_->backend_name());
    primary_.reset();
  }

  std::mutex mutex_;
  std::shared_ptr<KeywordMatcher> primary_;  // null once it has failed
  std::unique_ptr<KeywordMatcher> fallback_;
  std::ostream& log_;
  std::string name_;
};

}  // namespace

std::unique_ptr<KeywordMatcher> make_fallback_keyword_matcher(std::unique_ptr<KeywordMatcher> primary,
                                                              std::unique_ptr<KeywordMatcher> fallback,
                                                              std::ostream& log) {
  return std::make_unique<FallbackKeywordMatcher>(std::move(primary), std::move(fallback), log);
}

}  // namespace trawl
