using Cpns.Crypto;

namespace Cpns.Fuzz.Seeds;

/// <summary>
/// Keys fixed by constant bytes, so the committed seeds that were made under them still open in every later run:
/// a seed that reaches a successful decryption keeps the fuzzer on the decoder's deepest path.
/// </summary>
internal static class FixedKeys
{
    /// <summary>The broadcast target's tree height: 256 leaves, one per value of the leaf byte.</summary>
    public const int BroadcastHeight = 8;

    public const string PnId = "pn-fuzz";

    public const string GroupId = "group-fuzz";

    public static byte[] Bytes(int length, byte seed) => [.. Enumerable.Range(0, length).Select(i => unchecked((byte)(seed + (i * 7))))];

    /// <summary>A key material set of height <paramref name="height"/> with a constant root.</summary>
    public static KeyMaterialSet KeyMaterialSet(int height)
    {
        using var random = Crypto.KeyMaterialSet.Create(height);
        var encoded = random.Export();
        Bytes(encoded.Length - 4, 0x5A).CopyTo(encoded.AsSpan(4));
        return Crypto.KeyMaterialSet.Import(encoded);
    }

    public static WrappingKey WrappingKey() => Crypto.WrappingKey.Import(Bytes(Crypto.WrappingKey.KeySize, 0x3C));
}
