// Checks on an Ogg Vorbis file before stb_vorbis sees it (native/vorbis.cc): whole pages with correct
// CRCs, and a well-formed comment header. Header-only so that a standalone fuzzing harness can use it too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace audeep_vorbis {

// Ogg page CRC: polynomial 0x04c11db7, initial value 0, not reflected, over the page with its CRC field
// read as zero.
struct CrcTable {
  uint32_t t[256];
  CrcTable() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t r = i << 24;
      for (int k = 0; k < 8; k++) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : (r << 1);
      t[i] = r;
    }
  }
};
inline const CrcTable kCrc;

inline uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

// The Vorbis comment header (packet 1): every length within the packet, the framing bit set. stb_vorbis
// 1.22 trusts these lengths (huge allocations, and a crash freeing a list it failed to allocate), and the
// comments are not needed for decoding.
inline bool comment_header_ok(const std::vector<uint8_t>& p) {
  if (p.size() < 7 + 4 + 4 + 1 || p[0] != 3 || std::memcmp(p.data() + 1, "vorbis", 6) != 0) return false;
  size_t at = 7;
  const uint64_t vendor = le32(p.data() + at);
  at += 4;
  if (vendor > p.size() - at) return false;
  at += size_t(vendor);
  if (p.size() - at < 4) return false;
  const uint64_t count = le32(p.data() + at);
  at += 4;
  if (count > (p.size() - at) / 4) return false;
  for (uint64_t i = 0; i < count; i++) {
    if (p.size() - at < 4) return false;
    const uint64_t len = le32(p.data() + at);
    at += 4;
    if (len > p.size() - at) return false;
    at += size_t(len);
  }
  return at < p.size() && (p[at] & 1) != 0;
}

// Checks what stb_vorbis does not: that the data is a sequence of whole Ogg pages, each with a correct CRC
// (so a damaged file is rejected here instead of decoded into noise or worse), and that the comment header
// is well formed. Returns an error message, or nullptr.
inline const char* check_stream(const uint8_t* d, size_t n) {
  size_t off = 0;
  int packet = 0;
  std::vector<uint8_t> comment;
  while (off < n) {
    if (n - off < 27 || std::memcmp(d + off, "OggS", 4) != 0 || d[off + 4] != 0) return "not a sequence of Ogg pages";
    const size_t segments = d[off + 26];
    if (n - off < 27 + segments) return "truncated Ogg page";
    size_t body = 0;
    for (size_t i = 0; i < segments; i++) body += d[off + 27 + i];
    const size_t size = 27 + segments + body;
    if (n - off < size) return "truncated Ogg page";
    uint32_t crc = 0;
    for (size_t i = 0; i < size; i++) {
      const uint8_t b = (i >= 22 && i < 26) ? 0 : d[off + i];
      crc = (crc << 8) ^ kCrc.t[((crc >> 24) ^ b) & 0xff];
    }
    if (crc != le32(d + off + 22)) return "Ogg page checksum mismatch (damaged file)";
    // Collect packet 1 (the comment header) from the lacing values.
    size_t at = off + 27 + segments;
    for (size_t i = 0; i < segments && packet <= 1; i++) {
      const size_t lace = d[off + 27 + i];
      if (packet == 1) comment.insert(comment.end(), d + at, d + at + lace);
      at += lace;
      if (lace < 255) packet++;
    }
    off += size;
  }
  if (packet <= 1 || !comment_header_ok(comment)) return "invalid Vorbis comment header";
  return nullptr;
}

}  // namespace audeep_vorbis
