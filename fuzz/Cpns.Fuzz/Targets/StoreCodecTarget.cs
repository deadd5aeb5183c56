using Cpns.Device.Storage;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="StoreCodec.Decode"/>, the device key store's plaintext (reached only after the AEAD check, so this is
/// defence against a store written by a buggy or older version): DeviceStoreException only; what decodes
/// re-encodes to its input.
/// </summary>
internal sealed class StoreCodecTarget : FuzzTarget
{
    public override string Name => "store-codec";

    public override string Description => "StoreCodec.Decode, the device store's content (DeviceStoreException only; round trip)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        StoreState state;
        try
        {
            state = StoreCodec.Decode(input, "fuzz");
        }
        catch (DeviceStoreException)
        {
            return;
        }

        using (state)
        {
            Check(StoreCodec.Encode(state).AsSpan().SequenceEqual(input), "a decoded store re-encodes to its input");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => StoreSeeds.Plaintexts();
}
