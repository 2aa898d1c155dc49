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
#include <utility>
#include <vector>

namespace trawl {

// Which slot holds each key: open addressing with linear probing in a
// power-of-two table at most half full, an erased key's cell refilled by
// moving back the keys after it that probed past it (no tombstones). A
// node-based map cost a cache miss or two per find, insert and erase, and
// the walk does one of each for most objects it reads.
template <typename Key, typename Hash>
class SlotIndex {
 public:
  // The slot of `key`, or null. Valid until the next emplace() or erase().
  const std::uint32_t* find(const Key& key) const {
    if (size_ == 0) return nullptr;
    for (std::size_t at = home(key);; at = (at + 1) & mask_) {
      const Cell& cell = cells_[at];
      if (!cell.full) return nullptr;
      if (cell.key == key) return &cell.slot;
    }
  }
  // Adds `key`, which must not be here.
  void emplace(const Key& key, std::uint32_t slot) {
    if ((size_ + 1) * 2 > cells_.size()) grow();
    std::size_t at = home(key);
    while (cells_[at].full) at = (at + 1) & mask_;
    cells_[at] = {key, slot, true};
    ++size_;
  }
  void erase(const Key& key) {
    if (size_ == 0) return;
    std::size_t at = home(key);
    while (true) {
      if (!cells_[at].full) return;
      if (cells_[at].key == key) break;
      at = (at + 1) & mask_;
    }
    // Backward shift: a later key of the run moves into the hole when its
    // home is not between the hole and itself (going round).
    std::size_t hole = at;
    for (std::size_t next = (hole + 1) & mask_; cells_[next].full; next = (next + 1) & mask_) {
      const std::size_t want = home(cells_[next].key);
      const bool stays = hole <= next ? (hole < want && want <= next) : (hole < want || want <= next);
      if (stays) continue;
      cells_[hole] = cells_[next];
      hole = next;
    }
    cells_[hole] = Cell{};
    --size_;
  }

 private:
  struct Cell {
    Key key{};
    std::uint32_t slot = 0;
    bool full = false;
  };
  std::size_t home(const Key& key) const {
    // Every bit of the hash decides the home (splitmix64's finalizer): a
    // caller's hash may share bits with how it chose this cache (the object
    // store picks a shard by the top bits of a multiple of the key), and
    // keys that are offsets in a file differ mostly in their low bits.
    auto h = static_cast<std::uint64_t>(Hash{}(key));
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::size_t>(h ^ (h >> 31)) & mask_;
  }
  void grow() {
    std::vector<Cell> old = std::exchange(cells_, std::vector<Cell>(cells_.empty() ? 16 : cells_.size() * 2));
    mask_ = cells_.size() - 1;
    size_ = 0;
    for (const Cell& cell : old) {
      if (cell.full) emplace(cell.key, cell.slot);
    }
  }

  std::vector<Cell> cells_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class ClockCache {
 public:
  explicit ClockCache(std::size_t budget) : budget_(budget) {}

  // The value kept under `key`, or null. Valid until the next insert().
  const Value* find(const Key& key) {
    const std::uint32_t* at = where_.find(key);
    if (at == nullptr) return nullptr;
    Slot& slot = slots_[*at];
    slot.used = true;
    return &slot.value;
  }

  // Keeps `value` under `key` as `cost` bytes, evicting others to make room.
  // Does nothing when `key` is kept already or `cost` exceeds the budget.
  void insert(const Key& key, Value value, std::size_t cost) {
    if (cost > budget_ || where_.find(key) != nullptr) return;
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
    where_.emplace(key, index);
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
  SlotIndex<Key, Hash> where_;
};

}  // namespace trawl
