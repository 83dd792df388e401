//! Our UserSig code against the vectors made by Tencent's reference implementation
//! (`testdata/usersig-vectors.json`), plus tampering and garbage that must be
//! refused without a panic.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde::Deserialize;
use std::io::{Read as _, Write as _};
use tencentchat::chat::usersig::{generate, inspect, tls_sig, verify, VerifyError};

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    sdkappid: u64,
    secret_key: String,
    identifier: String,
    expire: u64,
    time: u64,
    expected_tls_sig: String,
    official_usersig: String,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/usersig-vectors.json");
    let text = std::fs::read_to_string(path).expect("testdata/usersig-vectors.json is readable");
    let v: Vectors = serde_json::from_str(&text).expect("the vectors file parses");
    assert!(v.cases.len() >= 4, "all vectors are present");
    v.cases
}

fn check(c: &Case, sig: &str, now: u64) -> Result<(), VerifyError> {
    verify(sig, &c.secret_key, c.sdkappid, &c.identifier, now).map(|_| ())
}

/// The UserSig alphabet: standard base64 with `+/=` written as `*-_`.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";

/// The character whose 6-bit value differs from `c`'s in the top bit: always a
/// bit that carries data, even in the last character before padding.
fn flip(c: u8) -> Option<u8> {
    let v = ALPHABET.iter().position(|&a| a == c)?;
    Some(ALPHABET[v ^ 0x20])
}

fn to_usersig(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

#[test]
fn tls_sig_matches_every_vector() {
    for c in cases() {
        assert_eq!(
            tls_sig(&c.secret_key, c.sdkappid, &c.identifier, c.time, c.expire),
            c.expected_tls_sig,
            "case {} / {}",
            c.sdkappid,
            c.identifier
        );
    }
}

#[test]
fn official_usersig_verifies_only_inside_its_validity() {
    for c in cases() {
        let sig = &c.official_usersig;
        for now in [
            c.time,
            c.time + 1,
            c.time + c.expire / 2,
            c.time + c.expire - 1,
        ] {
            let info = verify(sig, &c.secret_key, c.sdkappid, &c.identifier, now)
                .unwrap_or_else(|e| panic!("{} at {now}: {e}", c.identifier));
            assert_eq!(info.sdkappid, c.sdkappid);
            assert_eq!(info.identifier, c.identifier);
            assert_eq!((info.time, info.expire), (c.time, c.expire));
        }
        for now in [
            c.time + c.expire,
            c.time + c.expire + 1,
            c.time + 10 * c.expire,
        ] {
            assert_eq!(check(&c, sig, now), Err(VerifyError::Expired), "at {now}");
        }
        let info = inspect(sig).unwrap();
        assert_eq!(info.expires_at(), c.time + c.expire);
    }
}

#[test]
fn official_usersig_is_refused_for_another_key_app_or_identifier() {
    for c in cases() {
        let sig = &c.official_usersig;
        let now = c.time + 1;
        let mut other_key = c.secret_key.clone();
        other_key.push('x');
        assert_eq!(
            verify(sig, &other_key, c.sdkappid, &c.identifier, now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(sig, "", c.sdkappid, &c.identifier, now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(sig, &c.secret_key, c.sdkappid + 1, &c.identifier, now),
            Err(VerifyError::SdkAppIdMismatch)
        );
        let other_id = format!("{}2", c.identifier);
        assert_eq!(
            verify(sig, &c.secret_key, c.sdkappid, &other_id, now),
            Err(VerifyError::IdentifierMismatch)
        );
    }
}

/// The JSON a UserSig carries, if it decodes at all.
fn content(sig: &str) -> Option<Vec<u8>> {
    let b64: String = sig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    let compressed = STANDARD.decode(b64).ok()?;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

#[test]
fn every_flipped_character_is_refused() {
    for c in cases() {
        let sig = c.official_usersig.as_bytes();
        let original = content(&c.official_usersig).unwrap();
        let (mut refused, mut same_content) = (0, 0);
        for pos in 0..sig.len() {
            let Some(f) = flip(sig[pos]) else { continue }; // padding `_`
            let mut bad = sig.to_vec();
            bad[pos] = f;
            let bad = String::from_utf8(bad).unwrap();
            if check(&c, &bad, c.time + 1).is_err() {
                refused += 1;
            } else {
                // Accepted only if the flip hit bits that carry nothing (the
                // padding after deflate's final block): same document, same UserSig.
                assert_eq!(
                    content(&bad).as_deref(),
                    Some(original.as_slice()),
                    "flipping position {pos} of {}'s UserSig went unnoticed",
                    c.identifier
                );
                same_content += 1;
            }
        }
        assert!(
            refused > 100 && same_content <= 2,
            "{refused} {same_content}"
        );
        // Characters outside the alphabet, too.
        for pos in [0, 7, sig.len() / 2, sig.len() - 1] {
            for ch in ['+', '/', '=', '!', 'é', ' '] {
                let mut bad: Vec<char> = c.official_usersig.chars().collect();
                bad[pos] = ch;
                let bad: String = bad.into_iter().collect();
                assert!(check(&c, &bad, c.time + 1).is_err(), "{pos} {ch:?}");
            }
        }
    }
}

#[test]
fn truncated_usersigs_are_refused() {
    for c in cases() {
        let sig = &c.official_usersig;
        for len in [
            0,
            1,
            4,
            10,
            sig.len() / 2,
            sig.len() - 4,
            sig.len() - 2,
            sig.len() - 1,
        ] {
            assert!(check(&c, &sig[..len], c.time + 1).is_err(), "length {len}");
            assert!(inspect(&sig[..len]).is_err(), "length {len}");
        }
    }
}

#[test]
fn arbitrary_input_is_refused_without_panic() {
    let c = &cases()[0];
    let now = c.time + 1;
    let mut rng = fastrand::Rng::with_seed(20261121);
    for _ in 0..2000 {
        let len = rng.usize(0..400);
        let s: String = (0..len).map(|_| rng.char(..)).collect();
        assert!(check(c, &s, now).is_err());
        let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        assert!(check(c, &to_usersig(&bytes), now).is_err());
        assert!(check(c, &to_usersig(&zlib(&bytes)), now).is_err());
    }
    // Well-formed containers around the wrong content.
    let docs = [
        "null".to_string(),
        "[]".to_string(),
        "{}".to_string(),
        r#"{"TLS.ver":"2.0"}"#.to_string(),
        format!(
            r#"{{"TLS.ver":"1.0","TLS.identifier":"{}","TLS.sdkappid":{},"TLS.expire":{},"TLS.time":{},"TLS.sig":"{}"}}"#,
            c.identifier, c.sdkappid, c.expire, c.time, c.expected_tls_sig
        ),
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{}","TLS.sdkappid":"{}","TLS.expire":{},"TLS.time":{},"TLS.sig":"{}"}}"#,
            c.identifier, c.sdkappid, c.expire, c.time, c.expected_tls_sig
        ),
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{}","TLS.sdkappid":{},"TLS.expire":-1,"TLS.time":{},"TLS.sig":"{}"}}"#,
            c.identifier, c.sdkappid, c.time, c.expected_tls_sig
        ),
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{}","TLS.sdkappid":{},"TLS.expire":{},"TLS.time":{},"TLS.sig":"not base64!"}}"#,
            c.identifier, c.sdkappid, c.expire, c.time
        ),
    ];
    for d in docs {
        assert!(
            check(c, &to_usersig(&zlib(d.as_bytes())), now).is_err(),
            "{d}"
        );
    }
    // A decompression bomb: small on the wire, huge when inflated.
    let bomb = to_usersig(&zlib(&vec![b' '; 8 * 1024 * 1024]));
    assert!(bomb.len() < 64 * 1024);
    assert_eq!(check(c, &bomb, now), Err(VerifyError::Malformed));
    // Extreme clock values.
    assert!(check(c, &c.official_usersig, 0).is_err());
    assert!(check(c, &c.official_usersig, u64::MAX).is_err());
}

#[test]
fn our_own_usersigs_verify_like_the_official_ones() {
    for c in cases() {
        let ours = generate(&c.secret_key, c.sdkappid, &c.identifier, c.time, c.expire);
        assert!(!ours.contains(['+', '/', '=']));
        assert_eq!(check(&c, &ours, c.time), Ok(()));
        assert_eq!(check(&c, &ours, c.time + c.expire - 1), Ok(()));
        assert_eq!(
            check(&c, &ours, c.time + c.expire),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            verify(&ours, "wrong", c.sdkappid, &c.identifier, c.time),
            Err(VerifyError::BadSignature)
        );
        // The official and our UserSig carry the same fields and signature.
        let a = inspect(&ours).unwrap();
        let b = inspect(&c.official_usersig).unwrap();
        assert_eq!(a, b);
    }
}
