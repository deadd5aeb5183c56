using System.Buffers.Binary;

namespace Cpns.Crypto;

/// <summary>
/// A PNE's Group Key Decryption Key (flow 6.1.2.2 step 4): its personal share of the PN Gateway's
/// key material set, assigned once and never changed when groups change. For Subset Difference it
/// is the h(h+1)/2 labels hanging off the PNE's path plus the key of the full set.
/// </summary>
public sealed class Gkdk : IDisposable
{
    private const byte FormatVersion = 1;
    private const int HeaderSize = 1 + 1 + 2 + 1 + 4;

    private readonly SecretBuffer _keys;

    internal Gkdk(BroadcastSchemeId scheme, CipherSuite suite, int height, int leaf, SecretBuffer keys)
    {
        Scheme = scheme;
        Suite = suite;
        Height = height;
        Leaf = leaf;
        _keys = keys;
    }

    /// <summary>The scheme the GKDK belongs to.</summary>
    public BroadcastSchemeId Scheme { get; }

    /// <summary>The cipher suite.</summary>
    public CipherSuite Suite { get; }

    /// <summary>The height of the PN Gateway's tree.</summary>
    public int Height { get; }

    /// <summary>The PNE's leaf, 0 to 2^h - 1.</summary>
    public int Leaf { get; }

    /// <summary>The number of 32-byte keys or labels the GKDK holds.</summary>
    public int KeyCount => _keys.Length / LabelPrg.LabelSize;

    internal ReadOnlySpan<byte> Keys => _keys.Span;

    /// <summary>Reads a GKDK written by <see cref="Export()"/>.</summary>
    /// <exception cref="FormatException">The encoding is not a GKDK.</exception>
    public static Gkdk Import(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < HeaderSize || encoded[0] != FormatVersion
            || !Enum.IsDefined((BroadcastSchemeId)encoded[1])
            || BinaryPrimitives.ReadUInt16BigEndian(encoded[2..]) != (ushort)CipherSuite.Aes256GcmHkdfSha256
            || encoded[4] < TreeMath.MinHeight || encoded[4] > TreeMath.MaxHeight)
        {
            CryptoThrow.InvalidFormat("GKDK");
        }

        var scheme = BroadcastScheme.Get((BroadcastSchemeId)encoded[1]);
        int height = encoded[4];
        var leaf = BinaryPrimitives.ReadUInt32BigEndian(encoded[5..]);
        if (leaf >= 1u << height || encoded.Length - HeaderSize != scheme.GkdkKeyCount(height) * LabelPrg.LabelSize)
        {
            CryptoThrow.InvalidFormat("GKDK");
        }

        return new Gkdk(scheme.Id, CipherSuite.Aes256GcmHkdfSha256, height, (int)leaf, new SecretBuffer(encoded[HeaderSize..]));
    }

    /// <summary>The length of <see cref="Export()"/>'s output.</summary>
    public int ExportedLength => HeaderSize + _keys.Length;

    /// <summary>Writes the GKDK. The output is secret: wrap it under the EU-Key and wipe the array.</summary>
    public byte[] Export()
    {
        var output = new byte[ExportedLength];
        Export(output);
        return output;
    }

    /// <summary>
    /// Writes the GKDK into the first <see cref="ExportedLength"/> bytes of <paramref name="destination"/>,
    /// for a caller that keeps its own wiped buffer. The output is secret.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="ExportedLength"/>.</exception>
    public void Export(Span<byte> destination)
    {
        var keys = _keys.Span;
        if (destination.Length < HeaderSize + keys.Length)
        {
            throw new ArgumentException("The destination is shorter than the GKDK.", nameof(destination));
        }

        destination[0] = FormatVersion;
        destination[1] = (byte)Scheme;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Suite);
        destination[4] = (byte)Height;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)Leaf);
        keys.CopyTo(destination[HeaderSize..]);
    }

    /// <summary>Wipes the labels.</summary>
    public void Dispose() => _keys.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"Gkdk(scheme={Scheme}, height={Height}, leaf={Leaf})";
}
