//! Region keys and their API domains. (Interface fixed; implementation by the chat work.)

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
    /// Parses a key; the error text lists every valid key.
    pub fn from_key(_key: &str) -> Result<Region, String> {
        todo!()
    }
    pub fn key(self) -> &'static str {
        todo!()
    }
    /// `https://console.tim.qq.com` etc.
    pub fn base_url(self) -> String {
        todo!()
    }
}
