// UTF-8 validation shared by the JSON reader (refuses invalid text, naming
// the byte offset) and writer (replaces it with U+FFFD).
#pragma once

#include <cstddef>
#include <string_view>

namespace berth::json {

// Length (2-4) of the valid multi-byte UTF-8 sequence at s[i], with its code
// point in cp; 0 if it is not valid: a stray continuation byte, a truncated
// sequence, an overlong form, a surrogate or a code point past U+10FFFF
// (RFC 3629). ASCII bytes (< 0x80) are not sequences here: 0 too.
size_t utf8_sequence_length(std::string_view s, size_t i, unsigned& cp);

}  // namespace berth::json
