using Cpns.Device.Storage;

namespace Cpns.Device.Tests.Storage;

/// <summary>Inputs the fuzzer (fuzz/, target store-codec) turned into findings, kept as ordinary tests.</summary>
public sealed class FuzzRegressionTests
{
    [Theory]
    [InlineData(0x08)]
    [InlineData(0x10)]
    [InlineData(0x80)]
    public void Decode_UnknownFlagBit_RefusedAsCorrupt(byte unknownFlag)
    {
        using var state = new StoreState("pne-a1");
        var encoded = StoreCodec.Encode(state);
        encoded[0] |= unknownFlag;

        // Before the fix the flag was ignored: the store decoded, and re-encoding it silently dropped the flag.
        var exception = Assert.Throws<DeviceStoreException>(() => StoreCodec.Decode(encoded, "store"));
        Assert.Equal(DeviceStoreError.Corrupt, exception.Error);
    }

    [Fact]
    public void Decode_KnownFlagsOnly_RoundTrips()
    {
        using var state = new StoreState("pne-a1") { PnId = "pn-a", GatewayId = "gw-a" };
        var encoded = StoreCodec.Encode(state);

        using var decoded = StoreCodec.Decode(encoded, "store");

        Assert.Equal(encoded, StoreCodec.Encode(decoded));
    }
}
