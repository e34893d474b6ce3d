//! Compression ratio of a set of outputs (Shaib et al., "Standardizing the measurement
//! of text diversity"), as the `diversity` package 0.3.1 computes it
//! (`diversity.compression_ratio(outputs, algorithm="gzip")`):
//!
//! ```text
//! text  = the outputs joined by one space, UTF-8
//! inner = gzip(text, level 9)                 (Python's gzip.compress)
//! file  = gzip file "compressed.gz" holding inner, level 9   (gzip applied twice)
//! CR    = |text| / |file|      in bytes; higher = more repetitive
//! ```
//!
//! The package writes `gzip.compress(text)` through a `gzip.GzipFile`, so the stream is
//! compressed twice and the second header names the file (`compressed`). Both layers are
//! reproduced byte for byte with zlib itself (level 9, 15-bit window, memory level 8,
//! default strategy), which is what Python's `gzip` calls; Rust's deflate
//! implementations choose other matches and give other sizes. The inner header's mtime
//! is 0 here; the package stamps the current time, which changes four bytes of an
//! almost incompressible stream and, rarely, the outer size by a byte. The package
//! rounds to three decimals; the value here is not rounded.

use std::os::raw::c_int;

/// zlib's best compression level, Python's `gzip` default.
const LEVEL: c_int = 9;
/// gzip header without optional fields: magic, method, flags, mtime, XFL, OS.
const GZIP_HEADER_LEN: usize = 10;
/// gzip trailer: CRC-32 and input size.
const GZIP_TRAILER_LEN: usize = 8;
/// The file name the package writes, as `GzipFile` stores it (".gz" dropped, NUL-terminated).
const PACKAGE_FILE_NAME: &[u8] = b"compressed\0";

/// Raw deflate of `data` with zlib at `LEVEL` (a zlib stream without its 2-byte header
/// and 4-byte Adler-32 trailer; zlib's `compress2` uses a 15-bit window, memory level 8
/// and the default strategy, the parameters of Python's `zlib.compress(wbits=-15)`).
fn raw_deflate(data: &[u8]) -> Vec<u8> {
    // SAFETY: a pure function of its argument.
    let bound = unsafe { libz_sys::compressBound(data.len() as libz_sys::uLong) };
    let mut out = vec![0u8; bound as usize];
    let mut out_len = bound as libz_sys::uLongf;
    // SAFETY: `out` has `compressBound(len)` bytes, the size zlib requires for one call;
    // `data` is read-only and lives across the call.
    let status = unsafe {
        libz_sys::compress2(out.as_mut_ptr(), &mut out_len, data.as_ptr(), data.len() as libz_sys::uLong, LEVEL)
    };
    assert_eq!(status, libz_sys::Z_OK, "zlib compress2 with a buffer of compressBound bytes cannot fail");
    out.truncate(out_len as usize);
    out[2..out.len() - 4].to_vec()
}

/// CRC-32 of `data` (gzip's checksum).
fn crc32(data: &[u8]) -> u32 {
    // SAFETY: a null buffer asks zlib for the initial value and is never read.
    let mut crc = unsafe { libz_sys::crc32(0, std::ptr::null(), 0) };
    for chunk in data.chunks(u32::MAX as usize) {
        // SAFETY: `chunk` is a live slice of `chunk.len()` bytes.
        crc = unsafe { libz_sys::crc32(crc, chunk.as_ptr(), chunk.len() as libz_sys::uInt) };
    }
    crc as u32
}

/// `gzip.compress(data, compresslevel=9, mtime=0)`: header, raw deflate, CRC-32, size.
pub fn gzip_compress(data: &[u8]) -> Vec<u8> {
    let body = raw_deflate(data);
    let mut out = Vec::with_capacity(GZIP_HEADER_LEN + body.len() + GZIP_TRAILER_LEN);
    // Magic, deflate, no flags, mtime 0, XFL 2 (best compression), OS 255 (unknown).
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Sizes behind one compression ratio, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionSizes {
    /// The joined text.
    pub original: usize,
    /// `gzip.compress` of it.
    pub inner_gzip: usize,
    /// The file the package writes (the inner stream gzipped again, with a file name).
    pub package_file: usize,
}

/// The sizes for `outputs` joined by one space.
pub fn compression_sizes<S: AsRef<str>>(outputs: &[S]) -> CompressionSizes {
    let text = outputs.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" ");
    let inner = gzip_compress(text.as_bytes());
    let outer_body = raw_deflate(&inner).len();
    CompressionSizes {
        original: text.len(),
        inner_gzip: inner.len(),
        package_file: GZIP_HEADER_LEN + PACKAGE_FILE_NAME.len() + outer_body + GZIP_TRAILER_LEN,
    }
}

/// The compression ratio `|text| / |file|` of the `diversity` package (unrounded).
pub fn compression_ratio<S: AsRef<str>>(outputs: &[S]) -> f64 {
    let sizes = compression_sizes(outputs);
    sizes.original as f64 / sizes.package_file as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_stream_decompresses_to_its_input() {
        let text = "the cat sat on the mat ".repeat(50);
        let compressed = gzip_compress(text.as_bytes());
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(compressed.as_slice()), &mut decoded).unwrap();
        assert_eq!(decoded, text);
    }

    #[test]
    fn repetition_raises_the_ratio() {
        let same = vec!["An answer that repeats itself word for word."; 16];
        let varied: Vec<String> = (0..16).map(|i| format!("Answer {i}: {}", "xyzw".repeat(i + 1))).collect();
        assert!(compression_ratio(&same) > compression_ratio(&varied));
    }
}
