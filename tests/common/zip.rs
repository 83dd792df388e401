//! A minimal zip reader for the archives the tests look into: Terraform's saved
//! plan files and the release archive. It walks the central directory (Go's
//! archive/zip leaves sizes out of the local headers and writes them in data
//! descriptors, so only the central directory has them), and inflates each
//! entry ("stored" and "deflate" are the only methods that occur), checking its
//! size and CRC.

use std::io::Read as _;

/// One file in an archive.
#[derive(Debug, PartialEq)]
pub struct ZipEntry {
    pub name: String,
    /// High byte of "version made by": 3 means Unix, so `unix_mode` is meaningful.
    pub made_by_system: u8,
    /// st_mode as stored in the upper half of the external attributes.
    pub unix_mode: u32,
    pub data: Vec<u8>,
}

fn le16(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Every entry of the archive `bytes`, in central-directory order. Panics,
/// naming the problem, on anything it cannot read.
pub fn read_zip(bytes: &[u8]) -> Vec<ZipEntry> {
    const EOCD: u32 = 0x0605_4b50;
    const CENTRAL: u32 = 0x0201_4b50;
    const LOCAL: u32 = 0x0403_4b50;
    assert!(bytes.len() >= 22, "too short to be a zip");
    let eocd = (0..=bytes.len() - 22)
        .rev()
        .find(|&i| le32(bytes, i) == EOCD)
        .expect("a zip end-of-central-directory record");
    let count = le16(bytes, eocd + 10);
    let mut at = le32(bytes, eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(le32(bytes, at), CENTRAL, "bad central directory header");
        let made_by_system = bytes[at + 5];
        let method = le16(bytes, at + 10);
        let crc = le32(bytes, at + 16);
        let compressed = le32(bytes, at + 20) as usize;
        let size = le32(bytes, at + 24) as usize;
        let name_len = le16(bytes, at + 28);
        let extra_len = le16(bytes, at + 30);
        let comment_len = le16(bytes, at + 32);
        let external = le32(bytes, at + 38);
        let local = le32(bytes, at + 42) as usize;
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec())
            .expect("a UTF-8 entry name");
        at += 46 + name_len + extra_len + comment_len;

        assert_eq!(le32(bytes, local), LOCAL, "bad local header for {name}");
        let start = local + 30 + le16(bytes, local + 26) + le16(bytes, local + 28);
        let raw = &bytes[start..start + compressed];
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(size);
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_end(&mut out)
                    .unwrap_or_else(|e| panic!("inflating {name}: {e}"));
                out
            }
            m => panic!("zip entry {name} uses compression method {m}"),
        };
        assert_eq!(data.len(), size, "{name}: size mismatch");
        let mut sum = flate2::Crc::new();
        sum.update(&data);
        assert_eq!(sum.sum(), crc, "{name}: CRC mismatch");

        entries.push(ZipEntry {
            name,
            made_by_system,
            unix_mode: external >> 16,
            data,
        });
    }
    entries
}
