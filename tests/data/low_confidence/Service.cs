namespace Orders.Interop
{
    // COM interface ids are fixed by the platform, not secrets.
    static readonly Guid IID_IUnknown = new Guid("00000000-0000-0000-C000-000000000046");
    static readonly Guid IID_IDispatch = new Guid("00020400-0000-0000-C000-000000000046");
    [Guid("8FDE5639-132A-49CF-A7CD-95A026AF91D1")]
    public class OrderService
    {
        private const string LicenseKey = "{4F7B56BF-5572-4A8A-AFA2-D07C1121A14D}";
        private const string Version = "4.2.1";
    }
}
