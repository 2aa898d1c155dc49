#include "fuzz/fuzz_targets.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "source/git/commit_parser.h"
#include "source/git/git_delta.h"
#include "source/git/multi_pack_index.h"
#include "source/git/pack_file.h"
#include "source/git/pack_index.h"
#include "source/git/tree_reader.h"

namespace trawl::fuzz {
namespace {

CachedTree tree_of(const std::uint8_t* data, std::size_t size) {
  auto object = std::make_shared<StoredObject>();
  object->type = ObjectType::kTree;
  object->size = size;
  object->data = std::make_unique<char[]>(size);
  if (size > 0) std::memcpy(object->data.get(), data, size);
  CachedTree tree;
  tree.object = std::move(object);
  return tree;
}

ObjectId id_from(const std::uint8_t* data, std::size_t size) {
  ObjectId id;
  for (std::size_t i = 0; i < id.bytes.size() && i < size; ++i) id.bytes[i] = data[i];
  return id;
}

}  // namespace

void pack_index(const std::uint8_t* data, std::size_t size) {
  const auto index = PackIndex::parse(std::vector<unsigned char>(data, data + size));
  if (!index) return;
  for (std::uint32_t i = 0; i < index->object_count() && i < 4096; ++i) {
    const ObjectId id = index->id_at(i);
    (void)index->position_of(id);
    (void)index->offset_at(i);
  }
  (void)index->offset_of(id_from(data, size));
  (void)index->pack_order("");
}

void multi_pack_index(const std::uint8_t* data, std::size_t size) {
  const auto midx = MultiPackIndex::parse(std::vector<unsigned char>(data, data + size));
  if (!midx) return;
  (void)midx->pack_of(id_from(data, size));
  (void)midx->pack_of(ObjectId{});
}

void pack_entry_header(const std::uint8_t* data, std::size_t size) {
  const std::string_view pack(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t offset = 0; offset < size && offset < 64; ++offset) (void)parse_pack_entry_header(pack, offset);
}

void delta(const std::uint8_t* data, std::size_t size) {
  // The first byte splits the input into a base and a delta.
  if (size == 0) return;
  const std::size_t base_size = std::min<std::size_t>(data[0], size - 1);
  const std::string_view base(reinterpret_cast<const char*>(data + 1), base_size);
  const std::string_view instructions(reinterpret_cast<const char*>(data + 1 + base_size), size - 1 - base_size);
  std::vector<char> out;
  (void)parse_delta_header(instructions);
  (void)apply_delta(base, instructions, out);
}

void commit(const std::uint8_t* data, std::size_t size) {
  (void)parse_commit(std::string_view(reinterpret_cast<const char*>(data), size));
}

void tree_listing(const std::uint8_t* data, std::size_t size) {
  // The first two bytes split the rest into an earlier and a later tree; the
  // later one listed from the earlier must list as it does alone.
  if (size < 2) return;
  const std::size_t split = std::min<std::size_t>((std::size_t{data[0]} << 8 | data[1]), size - 2);
  CachedTree earlier = tree_of(data + 2, split);
  list_tree_entries(earlier, nullptr);
  CachedTree later = tree_of(data + 2 + split, size - 2 - split);
  list_tree_entries(later, &earlier);
  CachedTree alone = tree_of(data + 2 + split, size - 2 - split);
  list_tree_entries(alone, nullptr);
  if (later.entry_offsets != alone.entry_offsets || later.complete != alone.complete) std::abort();
}

}  // namespace trawl::fuzz
