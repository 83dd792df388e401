pub struct ProviderService<P>(P);
pub fn server<P>(p: P) -> ProviderService<P> {
    ProviderService(p)
}
