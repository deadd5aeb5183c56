using System.Buffers.Binary;

namespace Cpns.Crypto;

/// <summary>
/// The per-node secrets each scheme draws from the key material set: a 256-bit value for node v is
/// AES-256_K(B(v,0) ‖ B(v,1)) under the scheme's own derived key K, where B(v,h) is the block with
/// h in byte 0, v big-endian in bytes 12..15 and zeros elsewhere (docs/crypto.md).
/// </summary>
internal static class NodeKeys
{
    public static void Derive(ReadOnlySpan<byte> schemeKey, uint node, Span<byte> output)
    {
        Span<byte> input = stackalloc byte[32];
        input.Clear();
        input[16] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(input[12..], node);
        BinaryPrimitives.WriteUInt32BigEndian(input[28..], node);
        AesBlock.Encrypt(schemeKey, input, output);
    }
}
