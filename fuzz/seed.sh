#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the golden vectors in tests/golden, so the
# corpora are reproducible from committed files (fuzz/corpus is not
# committed). Safe to re-run: it only adds or overwrites the seed files.
set -euo pipefail
cd "$(dirname "$0")"
G=../tests/golden
C=corpus
targets=(sac_decode vcbn_decode json_reader stream_decoder roundtrip imgpack_decode link_decode)
for t in "${targets[@]}"; do mkdir -p "$C/$t"; done

sacs=("$G/sample.sac" "$G"/sac/*.sac)
vcbns=("$G"/vcbn/*.vcbn)
small_vcbns=()
for f in "${vcbns[@]}"; do
  [ "$(wc -c < "$f")" -le 300 ] && small_vcbns+=("$f")
done

# sac_decode, vcbn_decode: the files as they are.
for f in "${sacs[@]}"; do cp "$f" "$C/sac_decode/$(basename "$(dirname "$f")")_$(basename "$f")"; done
for f in "${vcbns[@]}"; do cp "$f" "$C/vcbn_decode/"; done

# json_reader: a depth byte (32), then each envelope's header JSON.
header_len() { od -An -tu1 -j5 -N4 "$1" | awk '{print (($1*256+$2)*256+$3)*256+$4}'; }
for f in "${vcbns[@]}"; do
  n=$(header_len "$f")
  { printf '\x20'; head -c "$((9 + n))" "$f" | tail -c +10; } > "$C/json_reader/$(basename "$f" .vcbn).json"
done

# ... and bare numbers for json::parse_number: hard roundings (halfway
# cases, the edges of the subnormals, more digits than the parser keeps).
nums=(0.1 1e400 -0 9007199254740993 2.2250738585072011e-308
  2.4703282292062327e-324 2.4703282292062328e-324 4.9406564584124654e-324
  1.00000000000000011102230246251565404236316680908203125 1.7976931348623157e308
  1.7976931348623158e308 -Infinity NaN)
long="$(printf '1%.0s' $(seq 1 800))e-790"
i=0
for n in "${nums[@]}" "$long"; do
  printf '\x20%s' "$n" > "$C/json_reader/number_$i"
  i=$((i + 1))
done

# stream_decoder: a configuration byte, k, (k % 8) + 1 chunk sizes, the stream.
# See fuzz_targets/stream_decoder.rs for the layout.
stream() { # name config k sizes... -- files...
  local name=$1 cfg=$2 k=$3; shift 3
  local sizes=()
  while [ "$1" != "--" ]; do sizes+=("$1"); shift; done
  shift
  {
    printf "\\x$cfg\\x$k"
    for s in "${sizes[@]}"; do printf "\\x$s"; done
    cat "$@"
  } > "$C/stream_decoder/$name"
}
stream sac_strict_1024      02 02 01 05 40 -- "${sacs[@]}"
stream mixed_strict_1024    02 01 07 83    -- "${sacs[@]}" "${small_vcbns[@]}"
stream mixed_resync_1024    06 03 01 02 03 11 -- "${small_vcbns[@]}" "${sacs[@]}"
stream mixed_strict_64      01 00 10       -- "${sacs[@]}" "${small_vcbns[@]}"
stream mixed_resync_24      04 00 01       -- "${small_vcbns[@]}" "${sacs[@]}"
stream mixed_resync_small   0e 01 00 09    -- "${sacs[@]}" "${small_vcbns[@]}"
stream mixed_reader_small   16 01 20 04    -- "${small_vcbns[@]}" "${sacs[@]}"
# Junk between frames, for resync.
printf 'xxSAC1VCBNjunkIMPK\x00' > "$C/junk.tmp"
stream junk_resync_1024     06 00 05 -- "${sacs[0]}" "$C/junk.tmp" "${small_vcbns[0]}" "$C/junk.tmp" "${sacs[1]}"
rm -f "$C/junk.tmp"

# roundtrip: the enum variant selector (arbitrary reads a little-endian u32;
# SacBytes is variant 6 of 8, VcbnBytes 7 of 8), then the file.
for f in "${sacs[@]}"; do
  { printf '\x00\x00\x00\xc0'; cat "$f"; } > "$C/roundtrip/sac_$(basename "$f")"
done
for f in "${small_vcbns[@]}"; do
  { printf '\x00\x00\x00\xe0'; cat "$f"; } > "$C/roundtrip/vcbn_$(basename "$f")"
done

# imgpack_decode: the vectors written by imgpack's own Python (every layout;
# the CBIN and IMPK ones are refused, which is exercised too).
for f in ../tests/interop/imgpack/*.bin; do cp "$f" "$C/imgpack_decode/"; done
# link_decode: configuration, k, one chunk size, the fault place, then the
# golden frames link-encoded (docs/FORMATS.md section 9), so part 1 sees
# intact frames; and the raw frames, which part 2 link-encodes itself.
python3 - "$C/link_decode" "${sacs[@]}" "${small_vcbns[@]}" <<'PY'
import sys, zlib
out, files = sys.argv[1], sys.argv[2:]
def cobs(data):
    res, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            res.append(len(block) + 1); res += block; block.clear()
        else:
            block.append(b)
            if len(block) == 254:
                res.append(0xFF); res += block; block.clear()
    res.append(len(block) + 1); res += block
    return bytes(res)
def frame(seq, payload):
    raw = seq.to_bytes(4, "little") + payload
    return b"\0" + cobs(raw + zlib.crc32(raw).to_bytes(4, "little")) + b"\0"
frames = [open(f, "rb").read() for f in files]
stream = b"".join(frame(i, p) for i, p in enumerate(frames))
for name, cfg, size in [("link_4096", 0x03, 0x40), ("link_300_drop", 0x06, 0x07), ("link_64_cut", 0x0d, 0x01)]:
    open(f"{out}/{name}", "wb").write(bytes([cfg, 0, size, 0x35, 0x01]) + stream)
open(f"{out}/raw_frames_flip", "wb").write(bytes([0x03, 1, 0x10, 0x80, 0x21, 0x00]) + b"\xfe".join(frames))
PY

for t in "${targets[@]}"; do
  echo "seeded $C/$t: $(ls "$C/$t" | wc -l) files"
done
