// A cache bounded in bytes that evicts with the clock algorithm: entries sit
// on a ring, a hand sweeps it when room is needed, and an entry found since
// the hand last passed gets another round instead of going. It approximates
// least-recently-used eviction without moving anything on a hit, and frees
// one entry at a time instead of a whole generation at once.
//
// Not thread-safe: one owner, or a lock around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trawl {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class ClockCache {
 public:
  explicit ClockCache(std::size_t budget) : budget_(budget) {}

  // The value kept under `key`, or null. Valid until the next insert().
  const Value* find(const Key& key) {
    const auto it = where_.find(key);
    if (it == where_.end()) return nullptr;
    Slot& slot = slots_[it->second];
    slot.used = true;
    return &slot.value;
  }

  // Keeps `value` under `key` as `cost` bytes, evicting others to make room.
  // Does nothing when `key` is kept already or `cost` exceeds the budget.
  void insert(const Key& key, Value value, std::size_t cost) {
    if (cost > budget_) return;
    const auto [where, added] = where_.try_emplace(key, 0);
    if (!added) return;
    // Eviction erases other keys only, so `where` stays valid.
    while (bytes_ + cost > budget_) {
      Slot& slot = slots_[hand_];
      hand_ = (hand_ + 1) % slots_.size();
      if (!slot.occupied) continue;
      if (slot.used) {
        slot.used = false;
        continue;
      }
      bytes_ -= slot.cost;
      where_.erase(slot.key);
      slot = Slot{};
      free_.push_back(static_cast<std::uint32_t>(&slot - slots_.data()));
    }
    std::uint32_t index;
    if (free_.empty()) {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      index = free_.back();
      free_.pop_back();
    }
    slots_[index] = Slot{key, std::move(value), cost, true, false};
    where->second = index;
    bytes_ += cost;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    std::size_t cost = 0;
    bool occupied = false;
    bool used = false;
  };

  std::size_t budget_;
  std::size_t bytes_ = 0;
  std::size_t hand_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<Key, std::uint32_t, Hash> where_;
};

}  // namespace trawl
