//! Region keys and their API domains.
//!
//! An SDKAppID lives in exactly one data center; calling another one's domain
//! fails with 70016/70020, which the error messages turn into "check region".

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    China,
    Singapore,
    Seoul,
    Tokyo,
    Frankfurt,
    Mumbai,
    SiliconValley,
    Jakarta,
}

impl Region {
    /// The keys users write, in documentation order.
    pub const KEYS: [&'static str; 8] = [
        "china",
        "singapore",
        "seoul",
        "tokyo",
        "frankfurt",
        "mumbai",
        "silicon-valley",
        "jakarta",
    ];

    /// Every region, in the order of [`Region::KEYS`].
    pub const ALL: [Region; 8] = [
        Region::China,
        Region::Singapore,
        Region::Seoul,
        Region::Tokyo,
        Region::Frankfurt,
        Region::Mumbai,
        Region::SiliconValley,
        Region::Jakarta,
    ];

    /// Parses a key; the error text lists every valid key.
    ///
    /// Keys are matched exactly (lower case, with a hyphen), as users write them
    /// in HCL; surrounding whitespace is not accepted either, so a plan never
    /// silently differs from what was typed.
    pub fn from_key(key: &str) -> Result<Region, String> {
        Region::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .ok_or_else(|| {
                let keys: Vec<String> = Region::KEYS.iter().map(|k| format!("\"{k}\"")).collect();
                format!(
                    "unknown region {key:?}: expected one of {}",
                    keys.join(", ")
                )
            })
    }

    pub fn key(self) -> &'static str {
        match self {
            Region::China => "china",
            Region::Singapore => "singapore",
            Region::Seoul => "seoul",
            Region::Tokyo => "tokyo",
            Region::Frankfurt => "frankfurt",
            Region::Mumbai => "mumbai",
            Region::SiliconValley => "silicon-valley",
            Region::Jakarta => "jakarta",
        }
    }

    /// The API domain of this region's data center.
    pub fn domain(self) -> &'static str {
        match self {
            Region::China => "console.tim.qq.com",
            Region::Singapore => "adminapisgp.im.qcloud.com",
            Region::Seoul => "adminapikr.im.qcloud.com",
            Region::Tokyo => "adminapijpn.im.qcloud.com",
            Region::Frankfurt => "adminapiger.im.qcloud.com",
            Region::Mumbai => "adminapiind.im.qcloud.com",
            Region::SiliconValley => "adminapiusa.im.qcloud.com",
            Region::Jakarta => "adminapiidn.im.qcloud.com",
        }
    }

    /// `https://console.tim.qq.com` etc.
    pub fn base_url(self) -> String {
        format!("https://{}", self.domain())
    }

    /// The backup domain Tencent documents for this region (RESTful API overview),
    /// tried only when the primary cannot be reached. Tokyo has none documented;
    /// Mumbai's appears only on older pages of the docs but is kept.
    pub fn backup_domain(self) -> Option<&'static str> {
        match self {
            Region::China => Some("adminapi.my-imcloud.com"),
            Region::Singapore => Some("adminapisgp.my-imcloud.com"),
            Region::Seoul => Some("adminapikr.my-imcloud.com"),
            Region::Tokyo => None,
            Region::Frankfurt => Some("adminapiger.my-imcloud.com"),
            Region::Mumbai => Some("adminapiind.my-imcloud.com"),
            Region::SiliconValley => Some("adminapiusa.my-imcloud.com"),
            Region::Jakarta => Some("adminapiidn.my-imcloud.com"),
        }
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_in_documentation_order() {
        for (i, key) in Region::KEYS.iter().enumerate() {
            let r = Region::from_key(key).unwrap();
            assert_eq!(r, Region::ALL[i]);
            assert_eq!(r.key(), *key);
        }
    }

    #[test]
    fn domains_are_the_documented_ones() {
        assert_eq!(Region::China.base_url(), "https://console.tim.qq.com");
        assert_eq!(
            Region::SiliconValley.base_url(),
            "https://adminapiusa.im.qcloud.com"
        );
        assert_eq!(Region::Jakarta.domain(), "adminapiidn.im.qcloud.com");
        let mut domains: Vec<_> = Region::ALL.iter().map(|r| r.domain()).collect();
        domains.sort();
        domains.dedup();
        assert_eq!(domains.len(), 8);
    }

    #[test]
    fn backup_domains_mirror_the_primary_ones() {
        assert_eq!(
            Region::China.backup_domain(),
            Some("adminapi.my-imcloud.com")
        );
        assert_eq!(Region::Tokyo.backup_domain(), None);
        for r in Region::ALL {
            if let (Some(b), Some(tail)) =
                (r.backup_domain(), r.domain().strip_suffix(".im.qcloud.com"))
            {
                assert_eq!(b, format!("{tail}.my-imcloud.com"));
            }
        }
    }

    #[test]
    fn unknown_key_lists_every_key() {
        for bad in ["", "China", "us", "silicon_valley", " china"] {
            let err = Region::from_key(bad).unwrap_err();
            for key in Region::KEYS {
                assert!(err.contains(&format!("\"{key}\"")), "{err}");
            }
        }
    }
}
