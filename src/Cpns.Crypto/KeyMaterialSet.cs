using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// A PN Gateway's key material set (flow 6.1.2.2 step 3): one 256-bit root secret and the height h
/// of the tree whose 2^h leaves are the PN's PNEs. Every label and key of every scheme is derived
/// from the root on demand, so the set is 36 bytes however large the tree.
/// </summary>
public sealed class KeyMaterialSet : IDisposable
{
    /// <summary>The default tree height: 65,536 PNEs per PN.</summary>
    public const int DefaultHeight = 16;

    /// <summary>The largest supported tree height.</summary>
    public const int MaxHeight = TreeMath.MaxHeight;

    private const int RootSize = 32;
    private const byte FormatVersion = 1;
    private const int ExportSize = 1 + 2 + 1 + RootSize;

    // One derived AES-256 key per use of the root (HKDF-Expand with the uniformly random root as the
    // PRK, RFC 5869 §3.3), so the schemes never share a key.
    private static readonly byte[] SdLabelInfo = "cpns/v1/sd/labels"u8.ToArray();
    private static readonly byte[] CsKeyInfo = "cpns/v1/cs/keys"u8.ToArray();
    private static readonly byte[] DirectKeyInfo = "cpns/v1/direct/keys"u8.ToArray();

    private readonly SecretBuffer _root;
    private readonly SecretBuffer _derived;

    private KeyMaterialSet(int height, CipherSuite suite, SecretBuffer root)
    {
        Height = height;
        Suite = suite;
        _root = root;
        _derived = new SecretBuffer(3 * AesBlock.KeySize);
        var derived = _derived.Span;
        HKDF.Expand(HashAlgorithmName.SHA256, root.Span, derived[..32], SdLabelInfo);
        HKDF.Expand(HashAlgorithmName.SHA256, root.Span, derived[32..64], CsKeyInfo);
        HKDF.Expand(HashAlgorithmName.SHA256, root.Span, derived[64..96], DirectKeyInfo);
    }

    /// <summary>The tree height h: the set serves up to 2^h PNEs.</summary>
    public int Height { get; }

    /// <summary>The number of leaves, 2^h.</summary>
    public int Capacity => 1 << Height;

    /// <summary>The cipher suite.</summary>
    public CipherSuite Suite { get; }

    internal ReadOnlySpan<byte> SdLabelKey => _derived.Span[..32];

    internal ReadOnlySpan<byte> CsNodeKey => _derived.Span[32..64];

    internal ReadOnlySpan<byte> DirectLeafKey => _derived.Span[64..96];

    /// <summary>Creates a key material set with a fresh root secret.</summary>
    /// <param name="height">The tree height, 1 to 24.</param>
    public static KeyMaterialSet Create(int height = DefaultHeight)
    {
        CheckHeight(height);
        return new KeyMaterialSet(height, CipherSuite.Aes256GcmHkdfSha256, SecretBuffer.Random(RootSize));
    }

    /// <summary>Reads a set written by <see cref="Export"/>.</summary>
    /// <exception cref="FormatException">The encoding is not a key material set.</exception>
    public static KeyMaterialSet Import(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != ExportSize || encoded[0] != FormatVersion
            || BinaryPrimitives.ReadUInt16BigEndian(encoded[1..]) != (ushort)CipherSuite.Aes256GcmHkdfSha256
            || encoded[3] < TreeMath.MinHeight || encoded[3] > TreeMath.MaxHeight)
        {
            CryptoThrow.InvalidFormat("key material set");
        }

        return new KeyMaterialSet(encoded[3], CipherSuite.Aes256GcmHkdfSha256, new SecretBuffer(encoded[4..]));
    }

    /// <summary>
    /// Writes the set (version, suite, height, root secret). The output is secret: the caller
    /// encrypts it at rest and wipes the array.
    /// </summary>
    public byte[] Export()
    {
        var output = new byte[ExportSize];
        output[0] = FormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(1), (ushort)Suite);
        output[3] = (byte)Height;
        _root.Span.CopyTo(output.AsSpan(4));
        return output;
    }

    /// <summary>Wipes the root secret and everything derived from it.</summary>
    public void Dispose()
    {
        _root.Dispose();
        _derived.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"KeyMaterialSet(height={Height}, suite={Suite})";

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_root.IsDisposed, this);

    internal static void CheckHeight(int height)
    {
        if (height is < TreeMath.MinHeight or > TreeMath.MaxHeight)
        {
            CryptoThrow.ArgumentOutOfRange(nameof(height), "The tree height must be 1 to 24.");
        }
    }
}
