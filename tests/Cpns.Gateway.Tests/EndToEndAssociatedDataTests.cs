namespace Cpns.Gateway.Tests;

/// <summary>Frozen bytes of the end-to-end AD layouts: the CPNS Server and the PNE library must build exactly these.</summary>
public sealed class EndToEndAssociatedDataTests
{
    [Fact]
    public void GroupKeyToGateway_KnownInput_FrozenBytes()
    {
        var ad = EndToEndAssociatedData.GroupKeyToGateway("gw1", "grp", 258);

        Assert.Equal(
            "63706e732f76312f676b2d746f2d67617465776179" // "cpns/v1/gk-to-gateway"
            + "0003" + "677731"                            // u16 len, "gw1"
            + "0003" + "677270"                            // u16 len, "grp"
            + "0000000000000102",                          // u64 epoch 258
            Convert.ToHexStringLower(ad));
    }

    [Fact]
    public void GkdkToPne_KnownInput_FrozenBytes()
    {
        var ad = EndToEndAssociatedData.GkdkToPne("pn", "wätch", 5);

        Assert.Equal(
            "63706e732f76312f676b646b2d746f2d706e65"       // "cpns/v1/gkdk-to-pne"
            + "0002" + "706e"                              // u16 len, "pn"
            + "0006" + "77c3a4746368"                      // u16 len, UTF-8 "wätch"
            + "00000005",                                  // u32 leaf 5
            Convert.ToHexStringLower(ad));
    }

    [Fact]
    public void GroupKeyToGateway_FieldsShifted_Differ()
    {
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        Assert.NotEqual(EndToEndAssociatedData.GroupKeyToGateway("ab", "c", 1), EndToEndAssociatedData.GroupKeyToGateway("a", "bc", 1));
    }
}
