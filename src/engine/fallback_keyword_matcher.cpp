#include <string>

#include "engine/keyword_matcher.h"

namespace trawl {
namespace {

class FallbackKeywordMatcher final : public KeywordMatcher {
 public:
  FallbackKeywordMatcher(std::unique_ptr<KeywordMatcher> primary, std::unique_ptr<KeywordMatcher> fallback,
                         std::ostream& log)
      : primary_(std::move(primary)), fallback_(std::move(fallback)), log_(log), name_(primary_->backend_name()) {}

  std::string_view backend_name() const override { return name_; }

  std::vector<Candidate> match(const BlobBatch& batch) override {
    if (primary_) {
      try {
        return primary_->match(batch);
      } catch (const BackendError& e) {
        log_ << "trawl: warning: the " << primary_->backend_name() << " backend failed (" << e.what()
             << "); matching this batch and the rest on the " << fallback_->backend_name() << " backend\n";
        name_ = std::string(primary_->backend_name()) + ", then " + std::string(fallback_->backend_name());
        primary_.reset();
      }
    }
    return fallback_->match(batch);
  }

 private:
  std::unique_ptr<KeywordMatcher> primary_;  // null once it has failed
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
